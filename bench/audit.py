"""Frugality and accessibility audit of issue 9: Lighthouse and EcoIndex on five public pages.

    npm ci --prefix bench          # once: Lighthouse 12, pinned in bench/package-lock.json
    .venv/bin/python bench/audit.py [--reports bench/out/audit]     # or: make audit

Serves the site with its production settings (gunicorn, 2 workers, whitenoise's compressed static
files, DEBUG off) on a scratch SQLite database holding the sample content, runs Lighthouse (mobile
profile) in Debian's Chromium on the home page, a post, a tag page, the contact page and a search,
computes each page's EcoIndex with `ecoindex-compute`, prints the table of issue 9 and every failing
Lighthouse audit, and exits 1 when a goal is missed. The raw Lighthouse reports are kept in
--reports for whoever fixes the templates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, ROOT, gunicorn, manage, scratch_dir, scratch_env

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
SAMPLE = "fixtures/jekyll-site"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Categories that must reach 100; performance has its own threshold.
PERFECT_CATEGORIES = ("accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-quic "
    "--no-first-run --disable-component-update --disable-sync"
)
# A page of this site loads in well under a second; a slow CI box gets some slack, and a
# page that hangs fails fast instead of eating the audit's four minutes.
MAX_WAIT_FOR_LOAD_MS = 20_000
LIGHTHOUSE_TIMEOUT = 120
# Lighthouse's performance score moves with the machine's load (a busy 2-core CI box adds
# hundreds of ms of unattributable main-thread work). A page missing the goal is run this many
# times in all and judged on its median run, as Lighthouse's documentation advises; pages that
# pass at once are run once, which keeps the audit near a minute and a half.
RUNS_ON_SLOW_PAGE = 3
# Under load, Chromium 156 sometimes hands Lighthouse 12 a trace it cannot read (NO_NAVSTART):
# such a run says nothing about the page and is run again, this many times at most.
MAX_BROKEN_RUNS = 2
# Runtime errors that are the page's own fault (an error status, not HTML): no point retrying.
PAGE_ERRORS = {"ERRORED_DOCUMENT_REQUEST", "FAILED_DOCUMENT_REQUEST", "NOT_HTML", "INVALID_URL"}

# Issue 9's goals.
ECOINDEX_MIN = 80
HOME_MAX_REQUESTS = 4
HOME_MAX_KB = 40
PERFORMANCE_MIN = 95
PERFECT = 100

# Metrics shown when performance misses its goal, so the cause is visible without the report.
PERFORMANCE_METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)

SEARCH_WORD = re.compile(r"[^\W\d_]{7,}")


@dataclass
class FailingAudit:
    category: str
    id: str
    title: str
    display_value: str = ""
    # A few selectors or URLs from the audit's details: where to look in the template.
    where: list[str] = field(default_factory=list)


@dataclass
class PageResult:
    name: str
    url: str
    kb: float
    requests: int
    third_party: int
    dom: int
    ecoindex: int
    grade: str
    # Category id -> score out of 100, None when Lighthouse could not score it.
    scores: dict[str, int | None]
    failing_audits: list[FailingAudit]
    metrics: dict[str, str]
    error: str = ""


def compute_ecoindex(dom: int, kb: float, requests: int) -> tuple[int, str]:
    """EcoIndex score and grade from DOM elements, transferred KB and request count."""
    from ecoindex.compute import compute_ecoindex as package_compute

    # ecoindex-compute 5.x's compute_ecoindex calls its own deprecated get_ecoindex: the warning
    # is the package's, not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = asyncio.run(package_compute(nodes=dom, size=kb, requests=requests))
    return round(result.score), str(getattr(result.grade, "value", result.grade))


def _score(value: float | None) -> int | None:
    # Lighthouse's report shows Math.round(score * 100).
    return None if value is None else round(value * 100)


def _where(audit: dict, limit: int = 3) -> list[str]:
    places = []
    for item in (audit.get("details") or {}).get("items", []):
        if not isinstance(item, dict):
            continue
        place = (
            (item.get("node") or {}).get("selector")
            or item.get("url")
            or (item.get("sourceLocation") or {}).get("url")
        )
        if place and place not in places:
            places.append(str(place))
        if len(places) == limit:
            break
    return places


def failing_audits(report: dict) -> list[FailingAudit]:
    """Audits scored below 1 in the categories that must reach 100, in the report's order."""
    failing = []
    for category in PERFECT_CATEGORIES:
        for ref in (report.get("categories", {}).get(category) or {}).get("auditRefs", []):
            audit = report["audits"].get(ref["id"], {})
            # None: not applicable, manual or informative; these do not count in the score.
            if audit.get("score") is None or audit["score"] >= 1:
                continue
            failing.append(
                FailingAudit(
                    category=category,
                    id=ref["id"],
                    title=audit.get("title", ""),
                    display_value=audit.get("displayValue", ""),
                    where=_where(audit),
                )
            )
    return failing


def network_urls(report: dict) -> list[str]:
    """URLs the page fetched over the network; data: and blob: URLs are not requests."""
    details = (report["audits"].get("network-requests") or {}).get("details") or {}
    items = details.get("items", [])
    return [item["url"] for item in items if urlsplit(item["url"]).scheme in ("http", "https")]


def summarize(name: str, report: dict, served_netloc: str) -> PageResult:
    """One page's figures from a Lighthouse JSON report of a page served at served_netloc."""
    audits = report.get("audits", {})
    urls = network_urls(report) if "network-requests" in audits else []
    kb = ((audits.get("total-byte-weight") or {}).get("numericValue") or 0) / 1024
    dom = int((audits.get("dom-size") or {}).get("numericValue") or 0)
    requests = len(urls)
    third_party = sum(1 for url in urls if urlsplit(url).netloc != served_netloc)
    score, grade = compute_ecoindex(dom, kb, requests)
    scores = {
        category: _score((report.get("categories", {}).get(category) or {}).get("score"))
        for category in CATEGORIES
    }
    metrics = {
        metric: audits[metric].get("displayValue", "")
        for metric in PERFORMANCE_METRICS
        if metric in audits
    }
    error = (report.get("runtimeError") or {}).get("message", "")
    return PageResult(
        name=name,
        url=report.get("finalDisplayedUrl") or report.get("requestedUrl", ""),
        kb=kb,
        requests=requests,
        third_party=third_party,
        dom=dom,
        ecoindex=score,
        grade=grade,
        scores=scores,
        failing_audits=failing_audits(report),
        metrics=metrics,
        error=error,
    )


def goal_failures(results: list[PageResult]) -> list[str]:
    """Every goal of issue 9 that a page misses, one line each."""
    failures = []
    for page in results:
        if page.error:
            failures.append(f"{page.name}: Lighthouse could not audit it: {page.error}")
        if page.ecoindex < ECOINDEX_MIN:
            failures.append(
                f"{page.name}: EcoIndex {page.ecoindex} {page.grade}, goal >= {ECOINDEX_MIN} (A)"
            )
        if page.third_party:
            failures.append(f"{page.name}: {page.third_party} third-party request(s), goal 0")
        for category in PERFECT_CATEGORIES:
            if page.scores[category] != PERFECT:
                failures.append(
                    f"{page.name}: Lighthouse {category} {page.scores[category]}, goal {PERFECT}"
                )
        performance = page.scores["performance"]
        if performance is None or performance < PERFORMANCE_MIN:
            failures.append(
                f"{page.name}: Lighthouse performance {performance}, goal >= {PERFORMANCE_MIN}"
            )
    home = next((page for page in results if page.name == "home"), None)
    if home is None:
        failures.append("home: not audited")
    else:
        if home.requests > HOME_MAX_REQUESTS:
            failures.append(f"home: {home.requests} requests, goal <= {HOME_MAX_REQUESTS}")
        if home.kb > HOME_MAX_KB:
            failures.append(f"home: {home.kb:.1f} KB transferred, goal <= {HOME_MAX_KB}")
    return failures


def format_table(results: list[PageResult]) -> str:
    """Issue 9's table, in Markdown."""
    lines = [
        "| page | KB transferred | requests (third-party) | DOM elements | EcoIndex "
        "| Lighthouse perf / a11y / best practices / SEO |",
        "|---|---|---|---|---|---|",
    ]
    for page in results:
        scores = " / ".join(
            "-" if page.scores[c] is None else str(page.scores[c]) for c in CATEGORIES
        )
        lines.append(
            f"| {page.name} | {page.kb:,.1f} | {page.requests} ({page.third_party}) "
            f"| {page.dom:,} | {page.ecoindex} {page.grade} | {scores} |"
        )
    return "\n".join(lines)


def format_failing_audits(results: list[PageResult]) -> str:
    lines = []
    for page in results:
        for audit in page.failing_audits:
            value = f" ({audit.display_value})" if audit.display_value else ""
            lines.append(f"- {page.name} [{audit.category}] {audit.id}: {audit.title}{value}")
            lines.extend(f"    at {place}" for place in audit.where)
        performance = page.scores["performance"]
        if (performance is None or performance < PERFORMANCE_MIN) and page.metrics:
            figures = ", ".join(f"{k} {v}" for k, v in page.metrics.items())
            lines.append(f"- {page.name} [performance] {figures}")
    return "\n".join(lines)


def report(results: list[PageResult], out=sys.stdout) -> int:
    """Print the table, the failing audits and the missed goals; 1 if any goal is missed."""
    print(format_table(results), file=out)
    audits = format_failing_audits(results)
    if audits:
        print("\nFailing Lighthouse audits:", file=out)
        print(audits, file=out)
    failures = goal_failures(results)
    if failures:
        print(f"\n{len(failures)} goal(s) missed:", file=out)
        for failure in failures:
            print(f"- {failure}", file=out)
        return 1
    print("\nEvery goal of issue 9 is met.", file=out)
    return 0


# Runs inside Django (manage.py shell), so it imports the project lazily.
def sample_paths() -> dict[str, str]:
    """The audited pages' paths on the current database: the newest published post, the tag
    with the most published posts, and a search for the most frequent long word of the posts."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils.html import strip_tags
    from taggit.models import Tag

    from blog.models import Post

    published = Post.objects.published()
    post = published.order_by("-published_at").first()
    tag = (
        Tag.objects.filter(post__in=published)
        .annotate(posts=Count("post"))
        .order_by("-posts", "slug")
        .first()
    )
    if post is None or tag is None:
        raise LookupError("the sample content has no published post with a tag")
    words = Counter()
    for html in published.values_list("body_html", flat=True):
        words.update(word.lower() for word in SEARCH_WORD.findall(strip_tags(html)))
    word = min(words, key=lambda w: (-words[w], w)) if words else post.title.split()[0]
    return {
        "home": reverse("blog:home"),
        "post": post.get_absolute_url(),
        "tag page": reverse("blog:tag", kwargs={"slug": tag.slug}),
        "contact": reverse("contact:form"),
        "search": f"{reverse('blog:search')}?q={quote(word)}",
    }


def load_sample(env: dict[str, str], workdir: Path) -> str:
    """Import the sample Jekyll site; fall back to generated posts while the importer is not
    there or fails. Returns a line saying which content is audited."""
    result = subprocess.run(
        [PYTHON, "manage.py", "import_posts", SAMPLE, "--tag-dir", "tags"]
        + ["--category-dir", "lubies"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return f"Content: the sample Jekyll site ({SAMPLE}) imported."
    if "Unknown command" in result.stderr:
        reason = "the command does not exist yet"
    else:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
    # A half-done import leaves rows behind: start again from an empty database.
    for path in workdir.glob("db.sqlite3*"):
        path.unlink()
    manage(env, "migrate", "--noinput")
    manage(env, "generate_posts", "--posts", "30", "--tags", "20")
    return (
        f"Content: FALLBACK, import_posts failed ({reason}); "
        "audited 30 generated posts and 20 tags instead."
    )


def performance_of(report: dict) -> float:
    return ((report.get("categories", {}).get("performance") or {}).get("score")) or 0.0


def median_run(reports: list[dict]) -> dict:
    """The run with the median performance score (the lower middle for an even count)."""
    ranked = sorted(reports, key=performance_of)
    return ranked[(len(ranked) - 1) // 2]


def audit_page(run_once: Callable[[], dict]) -> tuple[dict, list[str]]:
    """The report a page is judged on, and what each run gave (its score or its error code).

    One run when it meets the performance goal; else up to RUNS_ON_SLOW_PAGE runs and the
    median. Broken runs are retried, except for errors the page itself causes.
    """
    runs: list[dict] = []
    notes: list[str] = []
    broken = 0
    while len(runs) < RUNS_ON_SLOW_PAGE:
        report = run_once()
        code = (report.get("runtimeError") or {}).get("code")
        if code:
            notes.append(code)
            broken += 1
            if code in PAGE_ERRORS or broken > MAX_BROKEN_RUNS:
                return (median_run(runs) if runs else report), notes
            continue
        runs.append(report)
        notes.append(str(_score(performance_of(report))))
        if len(runs) == 1 and _score(performance_of(report)) >= PERFORMANCE_MIN:
            break
    return median_run(runs), notes


def run_lighthouse(url: str, output: Path, chrome_path: str) -> dict:
    output.unlink(missing_ok=True)
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--max-wait-for-load={MAX_WAIT_FOR_LOAD_MS}",
        "--quiet",
    ]
    result = subprocess.run(
        command,
        env=dict(os.environ, CHROME_PATH=chrome_path),
        capture_output=True,
        text=True,
        timeout=LIGHTHOUSE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0 and not output.exists():
        sys.exit(f"Lighthouse failed on {url}:\n{result.stdout}\n{result.stderr}")
    return json.loads(output.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=BENCH / "out" / "audit")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix bench")
    if not Path(args.chrome).exists():
        sys.exit(f"Chromium not found at {args.chrome} (apt-get install chromium, or --chrome)")
    args.reports.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    with scratch_dir("carnet-audit-") as workdir:
        env = scratch_env(workdir, ALLOWED_HOSTS="127.0.0.1", SERVE_MEDIA="on")
        manage(env, "migrate", "--noinput")
        content = load_sample(env, workdir)
        manage(env, "collectstatic", "--noinput")
        script = "import json, audit; print(json.dumps(audit.sample_paths()))"
        paths = json.loads(
            manage(dict(env, PYTHONPATH=str(BENCH)), "shell", "-c", script).strip().splitlines()[-1]
        )
        print(content)
        print(f"Pages: {', '.join(f'{name} {path}' for name, path in paths.items())}")
        results = []
        with gunicorn(env, workers=2) as base:
            for name, path in paths.items():
                output = args.reports / f"{name.replace(' ', '-')}.json"
                lighthouse, notes = audit_page(
                    partial(run_lighthouse, base + path, output, args.chrome)
                )
                output.write_text(json.dumps(lighthouse))
                results.append(summarize(name, lighthouse, urlsplit(base).netloc))
                print(
                    f"  {name}: performance {', '.join(notes)} "
                    f"({time.monotonic() - started:.0f} s)",
                    flush=True,
                )

    print(f"\nLighthouse {lighthouse.get('lighthouseVersion', '?')}, mobile profile; ", end="")
    print(f"reports in {args.reports}; {time.monotonic() - started:.0f} s in all.\n")
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
