"""Shared test fixtures: isolated media and cache, small factories, optional services."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from blog.models import Category, Post

REQUIRE_SERVICES = os.environ.get("CARNET_REQUIRE_SERVICES") == "1"

# The live server answers each request in a thread of its own; a persistent connection would
# outlive the thread and keep PostgreSQL from dropping the test database at the end.
django_settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHARED = (Path(__file__).resolve().parent.parent.parent / "shared").resolve()


def skip_or_fail(reason: str) -> None:
    """Skip with a clear reason where a service is absent; CI (CARNET_REQUIRE_SERVICES=1) fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (required: CARNET_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def write(path: Path, text: str | bytes) -> Path:
    """A file of a test site, its folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The anonymous page cache is tested on its own (test_cache.py); elsewhere every request
    # reaches its view, so query counts and content are those of the view.
    settings.PAGE_CACHE_ENABLED = False
    settings.CACHE_STAMP_FILE = tmp_path / "content-stamp"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        skip_or_fail(f"../shared is not beside the repository ({SHARED})")
    return SHARED


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def make_post(db):
    """Create a post; published yesterday unless told otherwise."""
    counter = {"n": 0}

    def make(
        title: str | None = None,
        *,
        body: str = "Un paragraphe.\n\n<!--more-->\n\nLa suite.",
        status: str = Post.Status.PUBLISHED,
        published_at=None,
        days_ago: float | None = 1,
        tags: list[str] | tuple[str, ...] = (),
        categories: list[str] | tuple[str, ...] = (),
        **fields,
    ) -> Post:
        counter["n"] += 1
        title = title or f"Billet {counter['n']}"
        if published_at is None and days_ago is not None:
            published_at = timezone.now() - timedelta(days=days_ago)
        post = Post.objects.create(
            title=title,
            slug=fields.pop("slug", None) or f"billet-{counter['n']}-{Post.objects.count()}",
            body=body,
            status=status,
            published_at=published_at,
            **fields,
        )
        if tags:
            post.tags.add(*tags)
        for key in categories:
            category, _ = Category.objects.get_or_create(slug=key, defaults={"name": key})
            post.categories.add(category)
        return post

    return make


@pytest.fixture
def chromium_path() -> str:
    if not CHROMIUM:
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = Path(__file__).resolve().parent.parent / "bench" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_violations():
    """A function giving axe-core's serious and critical findings on a Playwright page, as
    "rule (impact): [selectors]" lines: issue 7's bar is that there are none."""
    if not AXE.is_file():
        skip_or_fail("axe-core is not installed (npm ci --prefix bench)")
    source = AXE.read_text() + "\n;undefined"

    def violations(page) -> list[str]:
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(source)
        results = page.evaluate("async () => (await axe.run(document)).violations")
        return [
            f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
            for v in results
            if v["impact"] in ("serious", "critical")
        ]

    return violations


@pytest.fixture
def browser_page(chromium_path, live_server):
    """A Playwright page in Debian's headless Chromium, next to pytest-django's live server.

    Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    between browser steps are still synchronous, hence DJANGO_ALLOW_ASYNC_UNSAFE.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(base_url=live_server.url, locale="fr-FR")
        page.screenshot_dir = SCREENSHOTS
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(django_db_setup, django_db_blocker):
    """End sessions that threads of the live server left open, so PostgreSQL can drop the
    test database (otherwise: "test_carnet is being accessed by other users")."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
