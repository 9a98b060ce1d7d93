"""Importing 5,000 generated Jekyll posts, beside rendering their markdown alone, in one process.

    .venv/bin/python bench/import_speed.py [--posts 5000] [--workers N]

Prints three times and two ratios. Goals: import <= 1.5x rendering alone; an unchanged re-import
<= 0.1x the first import.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _harness import scratch_dir, scratch_env


def write_site(folder: Path, count: int, words: list[str]) -> list[str]:
    rng = random.Random(11)
    posts = folder / "_posts"
    posts.mkdir(parents=True)
    (folder / "_config.yml").write_text(
        "timezone: Europe/Paris\npermalink: /:categories/:year/:month/:day/:title.html\n"
        "excerpt_separator: <!--more-->\nkramdown:\n  input: GFM\n  hard_wrap: true\n"
    )
    bodies = []
    for i in range(count):
        paragraphs = [" ".join(rng.choices(words, k=70)) for _ in range(6)]
        body = (
            f"{paragraphs[0]} : « vrai » !\n\n<!--more-->\n\n## Partie {i}\n\n"
            + "\n\n".join(paragraphs[1:])
            + "\n\n- un\n- deux\n\n```python\nprint('x')\n```\n"
        )
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        year = 2000 + i // 336
        tags = ", ".join(rng.sample(words, 3))
        (posts / f"{year}-{month:02d}-{day:02d}-billet-{i}.md").write_text(
            f"---\nlayout: post\ntitle: Billet {i}\ncategory: cat{i % 5}\ntags: [{tags}]\n---\n\n"
            + body
        )
        bodies.append(body)
    return bodies


def cpu_times() -> tuple[float, float]:
    """User + system CPU seconds of this process, and of its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument(
        "--workers", type=int, default=None, help="import_posts --workers (default: its own)"
    )
    args = parser.parse_args()

    with scratch_dir("carnet-bench-import-") as workdir:
        os.environ.update(scratch_env(workdir))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from blog.management.commands.generate_posts import WORDS
        from blog.models import Post
        from blog.rendering import RenderOptions, render_markdown

        call_command("migrate", "--noinput", verbosity=0)
        workers = [] if args.workers is None else ["--workers", str(args.workers)]
        site = workdir / "site"
        bodies = write_site(site, args.posts, WORDS)

        options = RenderOptions(hard_wrap=True)
        started = time.perf_counter()
        cpu_before = cpu_times()[0]
        for body in bodies:
            render_markdown(body, options)
        render_alone = time.perf_counter() - started
        render_cpu = cpu_times()[0] - cpu_before

        started = time.perf_counter()
        cpu_before = cpu_times()
        call_command(
            "import_posts", str(site), *workers, stdout=io.StringIO(), stderr=io.StringIO()
        )
        first = time.perf_counter() - started
        main_cpu, workers_cpu = (after - before for after, before in zip(cpu_times(), cpu_before))
        assert Post.objects.count() == args.posts, Post.objects.count()

        started = time.perf_counter()
        call_command(
            "import_posts", str(site), *workers, stdout=io.StringIO(), stderr=io.StringIO()
        )
        again = time.perf_counter() - started

    shown = "" if args.workers is None else f", import_posts --workers {args.workers}"
    print(f"{args.posts} posts, SQLite, {os.cpu_count()} cores{shown}")
    print(f"rendering alone      {render_alone:8.2f} s")
    ratio = first / render_alone
    print(f"first import         {first:8.2f} s   {ratio:5.2f}x rendering (goal <= 1.5)")
    print(f"unchanged re-import  {again:8.2f} s   {again / first:5.3f}x first import (goal <= 0.1)")
    # CPU seconds say how much work each step is, whatever else the machine is doing; the
    # first import's wall time is lower than its CPU time when its workers get both cores.
    print(
        f"CPU time: rendering alone {render_cpu:.2f} s; first import {main_cpu:.2f} s here "
        f"+ {workers_cpu:.2f} s in worker processes = {(main_cpu + workers_cpu) / render_cpu:.2f}x"
    )


if __name__ == "__main__":
    main()
