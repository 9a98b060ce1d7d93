"""Requests per second of the public pages beside a bare view, in one gunicorn, in one run.

    .venv/bin/python bench/pages.py [--posts 100] [--tags 200] [--seconds 5]

Runs gunicorn (2 workers) on a scratch SQLite database with production settings, once with the
page cache off, once on, and the home page once more with no cache at all; prints each page's
requests/s, p99 latency and its ratio to the bare view measured in the same run (absolute
numbers vary between runs on a shared machine; ratios are what to read). Beside the bare view,
two yardsticks: the home page's bytes served as they are ("fixed home": compression, ETag and
sending, no view work) and the layout around an empty page, rendered from its template (the
home page's first page is not: blog/frame.py).
Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import gunicorn, manage, measure_pages, print_ratios, scratch_dir, scratch_env


def sample_urls(env) -> dict[str, str]:
    script = (
        "import json; from blog.models import Post; from taggit.models import Tag; "
        "p = Post.objects.published().first(); "
        "t = Tag.objects.filter(post__isnull=False).first(); "
        "print(json.dumps({'post': p.get_absolute_url(), 'tag': '/tags/%s/' % t.slug}))"
    )
    return json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])


SAVE_HOME = (
    "import pathlib; from django.test import Client; "
    "pathlib.Path(%r).write_bytes(Client(HTTP_HOST='127.0.0.1').get('/').content)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()

    with scratch_dir("carnet-bench-pages-") as workdir:
        env = scratch_env(workdir)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "generate_posts", "--posts", str(args.posts), "--tags", str(args.tags))
        urls = sample_urls(env)
        # The home page's own bytes, for /bench/fixed/.
        env["BENCH_FIXED_PAGE"] = str(workdir / "home.html")
        manage(env, "shell", "-c", SAVE_HOME % env["BENCH_FIXED_PAGE"])
        paths = {
            "bare view": "/bench/bare/",
            # The home page's bytes served as they are: the ceiling of any view that renders it.
            "fixed home": "/bench/fixed/",
            # The layout alone (base.html, no query): the floor of every page rendered from
            # templates (all below but the home page's first page).
            "layout only": "/bench/layout/",
            "home": "/",
            "post": urls["post"],
            "tag page": urls["tag"],
            "/feed.xml": "/feed.xml",
        }
        print(
            f"{args.posts} posts, {args.tags} tags; gunicorn, 2 workers, SQLite; wrk, 8 connections"
        )
        for label, cache_on in (("cache off", "off"), ("cache on", "on")):
            run_env = dict(env, PAGE_CACHE_ENABLED=cache_on)
            with gunicorn(run_env) as base:
                results = measure_pages(base, paths, args.seconds)
            print(f"\n{label}")
            print_ratios(results)
        # Stricter than "cache off": Django's cache keeps nothing either (the site identity
        # is read once a content change by each process, blog.models.SiteIdentity.current).
        home_only = {name: paths[name] for name in ("bare view", "fixed home", "home")}
        run_env = dict(env, PAGE_CACHE_ENABLED="off", CACHE_URL="dummycache://")
        with gunicorn(run_env) as base:
            results = measure_pages(base, home_only, args.seconds)
        print("\nno cache at all (page cache off, CACHE_URL=dummycache://)")
        print_ratios(results)


if __name__ == "__main__":
    main()
