"""The home page with 10,000 posts beside the same page with 100, in one run.

    .venv/bin/python bench/scale.py [--small 100] [--large 10000] [--tags 2000] [--seconds 5]

Two scratch SQLite sites (production settings, page cache off so the view itself is measured),
each served by gunicorn with 2 workers; wrk measures home, a tag page and the feed. The goal:
home with 10,000 posts within 1.2x of its speed with 100 (slowdown printed as small/large).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import gunicorn, manage, measure_pages, scratch_dir, scratch_env


@contextmanager
def site(posts: int, tags: int):
    """A scratch site of `posts` posts served by gunicorn; yields its base URL."""
    with scratch_dir(f"carnet-bench-scale-{posts}-") as workdir:
        env = scratch_env(workdir, PAGE_CACHE_ENABLED="off")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "generate_posts", "--posts", str(posts), "--tags", str(tags), "--no-render")
        with gunicorn(env) as base:
            yield base


PATHS = {"home": "/", "page 2": "/?page=2", "tag page": "/tags/etiquette-1/"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    # Both sites run at once and take turns (bench/_harness.measure_pages), so that a drift
    # in the machine's speed weighs on both alike.
    with (
        site(args.small, min(args.tags, 200)) as small_base,
        site(args.large, args.tags) as large_base,
    ):
        both = {f"small {name}": small_base + path for name, path in PATHS.items()}
        both.update({f"large {name}": large_base + path for name, path in PATHS.items()})
        measured = measure_pages("", both, args.seconds)
    small = {name: measured[f"small {name}"] for name in PATHS}
    large = {name: measured[f"large {name}"] for name in PATHS}
    print(f"page cache off; gunicorn 2 workers, SQLite; {args.small} vs {args.large} posts")
    print(f"{'page':<10} {'req/s small':>12} {'req/s large':>12} {'slowdown':>9} {'p99 large':>10}")
    for name in small:
        slowdown = small[name]["rps"] / large[name]["rps"]
        print(
            f"{name:<10} {small[name]['rps']:>12.0f} {large[name]['rps']:>12.0f} "
            f"{slowdown:>9.2f} {large[name]['p99_ms']:>9.1f}ms"
        )


if __name__ == "__main__":
    main()
