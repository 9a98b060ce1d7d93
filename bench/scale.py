"""The home page with 10,000 posts beside the same page with 100, in one run.

    .venv/bin/python bench/scale.py [--small 100] [--large 10000] [--tags 2000] [--seconds 5]

Two scratch SQLite sites (production settings, page cache off so the view itself is measured),
each served by gunicorn with 2 workers; wrk measures home, a tag page and the feed. The goal:
home with 10,000 posts within 1.2x of its speed with 100 (slowdown printed as small/large).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import gunicorn, manage, scratch_dir, scratch_env, wrk


def run_site(posts: int, tags: int, seconds: int) -> dict[str, dict]:
    with scratch_dir(f"carnet-bench-scale-{posts}-") as workdir:
        env = scratch_env(workdir, PAGE_CACHE_ENABLED="off")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "generate_posts", "--posts", str(posts), "--tags", str(tags), "--no-render")
        paths = {"home": "/", "page 2": "/?page=2", "tag page": "/tags/etiquette-1/"}
        results = {}
        with gunicorn(env) as base:
            for name, path in paths.items():
                wrk(base + path, seconds=1)
                results[name] = wrk(base + path, seconds=seconds)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    small = run_site(args.small, min(args.tags, 200), args.seconds)
    large = run_site(args.large, args.tags, args.seconds)
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
