"""Search speed on many posts: SQLite's FTS5 table and PostgreSQL's GIN index, in one run.

    .venv/bin/python bench/search.py [--posts 5000] [--postgres postgres://postgres@127.0.0.1:5432]

Each engine gets a scratch database with generated posts (rendered, so search_document is
filled); the script times the ranking query alone and the whole /search/ page (ranking, the
page's posts, the highlighted passages, the template), median of several runs, in process.
PostgreSQL is skipped when it cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, ROOT, scratch_dir, scratch_env

QUERIES = {
    "common word": "cooperative",
    "three words": "mutualisation habitant prototype",
    "rare (title)": "billet {middle}",
    "no match": "introuvable",
}
RUNS = 15


def child(posts: int) -> None:
    """Runs inside the scratch environment: build the site, time the searches, print JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from blog import search
    from blog.management.commands.generate_posts import generate_posts
    from blog.models import Post, SiteIdentity

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    generate_posts(posts, 200, render=True)
    build = time.perf_counter() - started
    # Fresh statistics, as autovacuum (PostgreSQL) or `optimize` (SQLite) keep in production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    SiteIdentity.current()
    client = Client(HTTP_HOST="localhost")
    results = {}
    for name, query in QUERIES.items():
        query = query.format(middle=posts // 2)
        terms = search.search_terms(query)
        found = len(search.ranked_post_ids(terms))
        client.get("/search/", {"q": query})
        ranking, page = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            search.ranked_post_ids(terms)
            ranking.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = client.get("/search/", {"q": query})
            page.append(time.perf_counter() - started)
            assert response.status_code == 200
        results[name] = {
            "found": found,
            "ranking_ms": statistics.median(ranking) * 1000,
            "page_ms": statistics.median(page) * 1000,
        }
    print(json.dumps({"posts": Post.objects.count(), "build_s": build, "results": results}))


def run(env: dict[str, str], posts: int) -> dict:
    result = subprocess.run(
        [PYTHON, __file__, "--child", "--posts", str(posts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgres_database(server: str, name: str, *, drop: bool = False) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if not drop:
                db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.posts)
        return
    engines = {}
    with scratch_dir("carnet-bench-search-") as workdir:
        env = scratch_env(workdir, PAGE_CACHE_ENABLED="off")
        engines["SQLite FTS5"] = run(env, args.posts)
        name = "carnet_bench_search"
        if postgres_database(args.postgres, name):
            try:
                env = scratch_env(
                    workdir, PAGE_CACHE_ENABLED="off", DATABASE_URL=f"{args.postgres}/{name}"
                )
                engines["PostgreSQL"] = run(env, args.posts)
            finally:
                postgres_database(args.postgres, name, drop=True)
        else:
            print(f"PostgreSQL not reachable at {args.postgres}: skipped")
    for engine, data in engines.items():
        print(f"\n{engine}: {data['posts']} posts (generated in {data['build_s']:.0f} s)")
        print(f"{'query':<14} {'found':>6} {'ranking':>10} {'whole page':>11}")
        for name, result in data["results"].items():
            print(
                f"{name:<14} {result['found']:>6} {result['ranking_ms']:>8.1f}ms "
                f"{result['page_ms']:>9.1f}ms"
            )


if __name__ == "__main__":
    main()
