"""Two app servers on PostgreSQL and Redis: speed beside a bare view, and an edit seen at once.

    .venv/bin/python bench/shared_servers.py [--posts 100] [--seconds 5]

Starts two gunicorns (2 workers each) on two ports, sharing one PostgreSQL database and one
Redis cache. Prints requests/s and p99 of the pages through server A beside the bare view
(cache on), then edits the site title through server A's admin and reads the home page through
server B: the new title must be there on the very next request.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    gunicorn,
    manage,
    measure_pages,
    postgres_database,
    print_ratios,
    scratch_dir,
    scratch_env,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench_shared"
CACHE_URL = "redis://127.0.0.1:6379/5"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(CACHE_URL).flushdb()


class Browser:
    """A cookie-keeping client for the admin, on loopback."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post_form(self, path: str, fields: dict[str, str]) -> str:
        token = CSRF_RE.search(self.get(path)).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()

    with scratch_dir("carnet-bench-shared-") as workdir, postgres_database(DATABASE_URL):
        flush_redis()
        env = scratch_env(workdir, DATABASE_URL=DATABASE_URL, CACHE_URL=CACHE_URL)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "generate_posts", "--posts", str(args.posts), "--tags", "200")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser('bench', 'bench@example.org', 'bench-password-42')",
        )
        post_path = manage(
            env,
            "shell",
            "-c",
            "from blog.models import Post; print(Post.objects.published().first()"
            ".get_absolute_url())",
        ).splitlines()[-1]
        paths = {
            "bare view": "/bench/bare/",
            "home": "/",
            "post": post_path,
            "tag page": "/tags/etiquette-1/",
            "/feed.xml": "/feed.xml",
        }
        with gunicorn(env) as server_a, gunicorn(env) as server_b:
            results = measure_pages(server_a, paths, args.seconds)
            print(f"PostgreSQL + Redis, two gunicorns (2 workers each), {args.posts} posts")
            print_ratios(results)

            reader_b = Browser(server_b)
            reader_b.get("/")  # B now has the home page in the shared cache
            author_a = Browser(server_a)
            author_a.post_form(
                "/admin/login/?next=/admin/",
                {"username": "bench", "password": "bench-password-42", "next": "/admin/"},
            )
            new_title = f"Titre changé à {time.strftime('%H:%M:%S')}"
            author_a.post_form(
                "/admin/blog/siteidentity/add/",
                {
                    "title": new_title,
                    "tagline": "Une édition faite par le serveur A",
                    "author_name": "Bench",
                    "contact_intro": "",
                    "links": "",
                },
            )
            started = time.perf_counter()
            seen = new_title in reader_b.get("/")
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"\nedit through A (site title), next home page through B: "
                f"{'shows it' if seen else 'STALE'} ({elapsed:.0f} ms)"
            )
            if not seen:
                sys.exit(1)


if __name__ == "__main__":
    main()
