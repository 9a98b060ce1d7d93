"""bench/audit.py (make audit): figures read from Lighthouse reports, EcoIndex, table, goals.

The canned reports in tests/data/lighthouse/ are real Lighthouse 12.8.2 runs, trimmed to the
fields the harness reads: carnet-home.json is Carnet's home page on 30 generated posts (its only
fault: the browser's /favicon.ico 404), bad-page.json a page built to fail (no lang, pale text,
an unnamed button, an image without alt, a stylesheet from another host).
"""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import audit  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "lighthouse"
SERVED = "127.0.0.1:8000"


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def page(name: str = "home", **overrides) -> audit.PageResult:
    """A page meeting every goal, with the given figures changed."""
    fields = {
        "name": name,
        "url": f"http://{SERVED}/",
        "kb": 12.0,
        "requests": 2,
        "third_party": 0,
        "dom": 120,
        "ecoindex": 92,
        "grade": "A",
        "scores": dict.fromkeys(audit.CATEGORIES, 100),
        "failing_audits": [],
        "metrics": {},
    }
    fields.update(overrides)
    return audit.PageResult(**fields)


def test_ecoindex_matches_the_packages_own_example():
    # ecoindex-compute's README: 100 nodes, 100 KB, 100 requests -> 72 B.
    assert audit.compute_ecoindex(100, 100, 100) == (72, "B")


def test_ecoindex_of_a_light_page_follows_the_quantile_formula():
    # By hand from the package's quantiles: dom 218 -> 3.797, 3 requests -> 1.077,
    # 19.1 KB -> 1.124; 100 - 5 * (3 * 3.797 + 2 * 1.077 + 1.124) / 6 = 87.8.
    assert audit.compute_ecoindex(218, 19.1, 3) == (88, "A")


def test_ecoindex_falls_with_weight_requests_and_dom():
    light = audit.compute_ecoindex(200, 20, 3)[0]
    assert audit.compute_ecoindex(200, 600, 3)[0] < light
    assert audit.compute_ecoindex(200, 20, 40)[0] < light
    assert audit.compute_ecoindex(2000, 20, 3)[0] < light


def test_summarize_reads_carnets_home_report():
    report = load("carnet-home")
    result = audit.summarize("home", report, SERVED)

    assert result.kb == pytest.approx(report["audits"]["total-byte-weight"]["numericValue"] / 1024)
    assert round(result.kb, 1) == 19.1
    assert result.requests == 3
    assert result.third_party == 0
    assert result.dom == 218
    assert (result.ecoindex, result.grade) == (88, "A")
    assert result.scores == {
        "performance": 100,
        "accessibility": 100,
        "best-practices": 96,
        "seo": 100,
    }
    assert [(a.category, a.id) for a in result.failing_audits] == [
        ("best-practices", "errors-in-console")
    ]
    assert result.failing_audits[0].where == [f"http://{SERVED}/favicon.ico"]
    assert result.error == ""


def test_third_party_requests_are_those_to_another_host_or_port():
    report = load("bad-page")
    assert audit.summarize("bad", report, SERVED).third_party == 1
    # Same machine, another port: another origin, so every request is third-party.
    assert audit.summarize("bad", report, "127.0.0.1:9000").third_party == 3


def test_data_urls_are_not_counted_as_requests():
    report = load("carnet-home")
    items = report["audits"]["network-requests"]["details"]["items"]
    items.append({"url": "data:image/png;base64,iVBORw0KGgo=", "transferSize": 0})

    result = audit.summarize("home", report, SERVED)

    assert result.requests == 3
    assert result.third_party == 0


def test_failing_audits_name_the_faults_and_where_they_are():
    result = audit.summarize("bad", load("bad-page"), SERVED)
    failing = {(a.category, a.id): a for a in result.failing_audits}

    assert {
        ("accessibility", "html-has-lang"),
        ("accessibility", "color-contrast"),
        ("accessibility", "button-name"),
        ("accessibility", "image-alt"),
        ("best-practices", "is-on-https"),
        ("seo", "meta-description"),
    } <= set(failing)
    assert failing[("accessibility", "color-contrast")].where == ["body > p.pale"]
    assert failing[("accessibility", "button-name")].title.startswith("Buttons do not have")
    # Passing and not-applicable audits are not listed.
    assert ("accessibility", "document-title") not in failing
    assert all(a.category in audit.PERFECT_CATEGORIES for a in result.failing_audits)


def test_a_report_lighthouse_could_not_finish_fails_the_page():
    report = load("carnet-home")
    report["runtimeError"] = {"code": "ERRORED_DOCUMENT_REQUEST", "message": "Status code: 500."}
    for category in report["categories"].values():
        category["score"] = None

    result = audit.summarize("post", report, SERVED)

    assert result.error == "Status code: 500."
    assert result.scores["accessibility"] is None
    assert "| - / - / - / - |" in audit.format_table([result])
    failures = audit.goal_failures([page("home"), result])
    assert "post: Lighthouse could not audit it: Status code: 500." in failures
    assert "post: Lighthouse performance None, goal >= 95" in failures


def test_a_page_meeting_every_goal_has_no_failure():
    assert audit.goal_failures([page("home"), page("post", requests=12, kb=90.0)]) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ecoindex": 79, "grade": "B"}, "post: EcoIndex 79 B, goal >= 80 (A)"),
        ({"third_party": 2}, "post: 2 third-party request(s), goal 0"),
        (
            {"scores": {**dict.fromkeys(audit.CATEGORIES, 100), "accessibility": 99}},
            "post: Lighthouse accessibility 99, goal 100",
        ),
        (
            {"scores": {**dict.fromkeys(audit.CATEGORIES, 100), "seo": None}},
            "post: Lighthouse seo None, goal 100",
        ),
        (
            {"scores": {**dict.fromkeys(audit.CATEGORIES, 100), "performance": 94}},
            "post: Lighthouse performance 94, goal >= 95",
        ),
    ],
)
def test_each_missed_goal_is_named(overrides, message):
    assert audit.goal_failures([page("home"), page("post", **overrides)]) == [message]


def test_performance_at_the_threshold_passes():
    scores = {**dict.fromkeys(audit.CATEGORIES, 100), "performance": 95}
    assert audit.goal_failures([page("home", scores=scores)]) == []


def test_request_and_weight_limits_apply_to_the_home_page():
    assert audit.goal_failures([page("home", requests=5)]) == ["home: 5 requests, goal <= 4"]
    assert audit.goal_failures([page("home", kb=40.0)]) == []
    assert audit.goal_failures([page("home", kb=40.2)]) == ["home: 40.2 KB transferred, goal <= 40"]
    assert audit.goal_failures([page("tag page", requests=9, kb=80.0)]) == ["home: not audited"]


def test_table_has_the_issues_columns():
    result = audit.summarize("home", load("carnet-home"), SERVED)
    big = page("tag page", kb=1234.56, requests=14, third_party=2, dom=4526, ecoindex=44)
    big.grade = "D"

    lines = audit.format_table([result, big]).splitlines()

    assert lines[0] == (
        "| page | KB transferred | requests (third-party) | DOM elements | EcoIndex "
        "| Lighthouse perf / a11y / best practices / SEO |"
    )
    assert lines[1] == "|---|---|---|---|---|---|"
    assert lines[2] == "| home | 19.1 | 3 (0) | 218 | 88 A | 100 / 100 / 96 / 100 |"
    assert lines[3] == "| tag page | 1,234.6 | 14 (2) | 4,526 | 44 D | 100 / 100 / 100 / 100 |"


def test_report_prints_failing_audits_and_exits_non_zero_on_a_miss():
    results = [audit.summarize("home", load("carnet-home"), SERVED), page("post")]
    out = io.StringIO()

    assert audit.report(results, out=out) == 1

    text = out.getvalue()
    assert "- home [best-practices] errors-in-console: Browser errors were logged" in text
    assert f"    at http://{SERVED}/favicon.ico" in text
    assert "1 goal(s) missed:\n- home: Lighthouse best-practices 96, goal 100" in text


def test_report_shows_metrics_when_performance_misses():
    slow = copy.deepcopy(page("post"))
    slow.scores["performance"] = 80
    slow.metrics = {"largest-contentful-paint": "3.1 s", "total-blocking-time": "400 ms"}

    text = audit.format_failing_audits([page("home"), slow])

    assert text == (
        "- post [performance] largest-contentful-paint 3.1 s, total-blocking-time 400 ms"
    )


def test_report_exits_zero_when_every_goal_is_met():
    out = io.StringIO()
    assert audit.report([page("home"), page("search")], out=out) == 0
    assert "Every goal of issue 9 is met." in out.getvalue()
    assert "Failing Lighthouse audits" not in out.getvalue()


def test_sample_paths_pick_the_newest_post_the_busiest_tag_and_a_common_word(make_post):
    make_post("Ancien", body="Une coopérative de quartier.", days_ago=10, tags=["commun"])
    newest = make_post(
        "Récent",
        body="La coopérative grandit, coopérative encore.",
        days_ago=1,
        tags=["commun", "territoire"],
    )
    # A draft's tags and words do not count: its pages are not public.
    make_post(
        "Brouillon",
        body="territoire territoire territoire territoire",
        status="draft",
        tags=["territoire", "brouillon"],
    )

    paths = audit.sample_paths()

    assert paths == {
        "home": "/",
        "post": newest.get_absolute_url(),
        "tag page": "/tags/commun/",
        "contact": "/contact/",
        "search": "/search/?q=coop%C3%A9rative",
    }


def test_sample_paths_refuse_an_empty_site(db):
    with pytest.raises(LookupError):
        audit.sample_paths()


def test_median_run_judges_a_slow_page_on_its_middle_run():
    runs = []
    for score in (0.93, 1.0, 0.97):
        run = load("carnet-home")
        run["categories"]["performance"]["score"] = score
        runs.append(run)

    assert audit.performance_of(audit.median_run(runs)) == 0.97
    assert audit.performance_of(audit.median_run(runs[:1])) == 0.93
    # An even count takes the lower middle: doubt counts against the page.
    assert audit.performance_of(audit.median_run(runs[:2])) == 0.93


def test_a_run_without_performance_score_ranks_lowest():
    failed = load("carnet-home")
    failed["categories"]["performance"]["score"] = None
    good = load("carnet-home")

    assert audit.median_run([good, failed, good]) is good
    assert audit.performance_of(failed) == 0.0


def lighthouse_runs(*outcomes):
    """A stand-in for one Lighthouse run per call: a performance score, or an error code."""
    reports = []
    for outcome in outcomes:
        run = load("carnet-home")
        if isinstance(outcome, str):
            run["runtimeError"] = {"code": outcome, "message": f"{outcome} happened"}
            run["categories"]["performance"]["score"] = None
        else:
            run["categories"]["performance"]["score"] = outcome
        reports.append(run)
    calls = iter(reports)
    return lambda: next(calls), reports


def test_a_fast_page_is_run_once():
    run_once, reports = lighthouse_runs(0.99, 0.5)
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[0]
    assert notes == ["99"]


def test_a_slow_page_is_run_three_times_and_judged_on_the_median():
    run_once, reports = lighthouse_runs(0.85, 1.0, 0.96, 0.2)
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[2]
    assert notes == ["85", "100", "96"]


def test_a_broken_trace_is_run_again_and_not_counted():
    run_once, reports = lighthouse_runs("NO_NAVSTART", "NO_NAVSTART", 1.0)
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[2]
    assert notes == ["NO_NAVSTART", "NO_NAVSTART", "100"]


def test_retries_stop_after_three_broken_runs_and_the_page_fails():
    run_once, reports = lighthouse_runs("NO_NAVSTART", "NO_FCP", "NO_NAVSTART", 1.0)
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[2]
    assert notes == ["NO_NAVSTART", "NO_FCP", "NO_NAVSTART"]
    assert audit.summarize("post", chosen, SERVED).error == "NO_NAVSTART happened"


def test_an_error_status_is_not_retried():
    run_once, reports = lighthouse_runs("ERRORED_DOCUMENT_REQUEST", 1.0)
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[0]
    assert notes == ["ERRORED_DOCUMENT_REQUEST"]


def test_a_slow_page_whose_later_runs_break_keeps_its_good_runs():
    run_once, reports = lighthouse_runs(0.9, "NO_NAVSTART", 0.97, "NO_NAVSTART", "NO_NAVSTART")
    chosen, notes = audit.audit_page(run_once)
    assert chosen is reports[0]
    assert notes == ["90", "NO_NAVSTART", "97", "NO_NAVSTART", "NO_NAVSTART"]
