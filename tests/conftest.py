"""Shared test fixtures: isolated media and cache, small factories, optional services."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from blog.models import Category, Post

REQUIRE_SERVICES = os.environ.get("CARNET_REQUIRE_SERVICES") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def skip_or_fail(reason: str) -> None:
    """Skip with a clear reason where a service is absent; CI (CARNET_REQUIRE_SERVICES=1) fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (required: CARNET_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
