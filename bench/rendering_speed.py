"""How fast `render_markdown` turns posts into HTML, and what each step costs.

    .venv/bin/python bench/rendering_speed.py [--rounds 200]

Renders the two seed posts (../shared/seeds) and the samples of tests/rendering_samples, and
prints milliseconds per post for: the whole pipeline, Python-Markdown alone (reused instance),
the sanitiser, the French typography, and what building a Markdown instance costs (paid once
per option set and thread, not per post). Timings vary with the machine's load: run it twice.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")

import django  # noqa: E402

django.setup()

from blog import rendering  # noqa: E402
from blog.rendering import RenderOptions, render_markdown  # noqa: E402
from tests.test_kramdown_differential import FRONT_MATTER_RE  # noqa: E402


def load_posts() -> list[str]:
    posts = [path.read_text() for path in sorted((ROOT / "tests/rendering_samples").glob("*.md"))]
    seeds = ROOT.parent / "shared" / "seeds"
    for path in sorted(seeds.glob("*.txt")):
        posts.append(FRONT_MATTER_RE.sub("", path.read_text(), count=1))
    return posts


def per_post_ms(function, posts: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for post in posts:
            function(post)
    return (time.perf_counter() - start) * 1000 / (rounds * len(posts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    posts = load_posts()
    options = RenderOptions(hard_wrap=True, french_typography=True)
    md = rendering._markdown_for(options)
    converted = [md.reset().convert(post) for post in posts]
    cleaned = [rendering.sanitize_html(html) for html in converted]
    size = sum(len(post) for post in posts) / len(posts)
    print(f"{len(posts)} posts, {size:.0f} characters on average, {args.rounds} rounds")

    def build_instance(_post: str) -> None:
        rendering._local.instances = {}
        rendering._markdown_for(options)

    figures = {
        "whole pipeline (render_markdown)": per_post_ms(
            lambda post: render_markdown(post, options), posts, args.rounds
        ),
        "  Python-Markdown, reused instance": per_post_ms(
            lambda post: md.reset().convert(post), posts, args.rounds
        ),
        "  nh3 sanitiser": per_post_ms(rendering.sanitize_html, converted, args.rounds),
        "  French typography": per_post_ms(rendering.apply_french_typography, cleaned, args.rounds),
        "building a Markdown instance (saved)": per_post_ms(build_instance, posts, args.rounds),
    }
    for label, value in figures.items():
        print(f"{label:<40} {value:7.3f} ms/post")
    print(f"5,000 posts, rendering alone: {figures['whole pipeline (render_markdown)'] * 5:.1f} s")


if __name__ == "__main__":
    main()
