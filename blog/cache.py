"""The anonymous page cache, and the content stamp that makes any edit show at once.

Every cached page is keyed on a content stamp. Saving anything a page shows (a post, a category,
a tag, a page, the site identity, an old address) replaces the stamp, so every page is rebuilt on
its next request; no page is ever served stale. A post scheduled for later sets the stamp's expiry
to its publication time, so it appears at that time by itself, with no cron.

The stamp must be seen by every server process. It lives in a small file, whose change every
worker of the host sees on its next request. With a shared cache (Redis) it lives there too, so
that app servers on other hosts see it, and pages are keyed on both: an edit saved while Redis
was away (its copy then unchanged) still changes the key on this host, so that no page cached
before it is served when Redis is back, nor any page of a Redis restarted from an old snapshot.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import re
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger("carnet.cache")

STAMP_KEY = "carnet:content-stamp"
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
PAGE_KEY_PREFIX = "carnet:page:"


@dataclass(frozen=True)
class Stamp:
    token: str
    changed_at: float  # a Unix time, for Last-Modified
    valid_until: float | None  # when the next scheduled post appears


def _uses_shared_cache() -> bool:
    # A dummy cache keeps nothing: a stamp there would be new on every request.
    backend = settings.CACHES["default"]["BACKEND"]
    return "LocMemCache" not in backend and "DummyCache" not in backend


def _stamp_name() -> str:
    # A string, not a Path: it is read on every request.
    return os.fspath(
        getattr(settings, "CACHE_STAMP_FILE", None) or settings.BASE_DIR / ".content-stamp"
    )


def _stamp_file() -> Path:
    return Path(_stamp_name())


_file_memo: dict[str, tuple[float, Stamp]] = {}


def _read_stamp() -> Stamp | None:
    local = _read_file_stamp()
    if not _uses_shared_cache():
        return local
    shared = cache.get(STAMP_KEY)
    if local is None:
        # No file (yet, or it cannot be written): Redis's copy alone; None makes a new one.
        return shared
    if shared is None:
        # Lost by Redis (restarted empty, evicted): a new token there, so that no page nor
        # ETag from before another host's last edit is used again. None: Redis is away, and
        # the file says what this host saved.
        renewed = Stamp(uuid.uuid4().hex, _after(local, time.time()), local.valid_until)
        cache.add(STAMP_KEY, renewed, None)
        shared = cache.get(STAMP_KEY)
        if shared is None:
            return local
    if shared == local:
        return local
    # Different after an edit on another host, or one that Redis missed. The newer copy
    # knows the next scheduled post best.
    newer = max(local, shared, key=lambda stamp: stamp.changed_at)
    return Stamp(
        token=hashlib.sha256(f"{local.token} {shared.token}".encode()).hexdigest()[:32],
        changed_at=newer.changed_at,
        valid_until=newer.valid_until,
    )


def _read_file_stamp() -> Stamp | None:
    name = _stamp_name()
    try:
        mtime = os.stat(name).st_mtime_ns
    except FileNotFoundError:
        return None
    memo = _file_memo.get(name)
    if memo and memo[0] == mtime:
        return memo[1]
    try:
        token, changed_at, valid_until = Path(name).read_text().split()
    except (OSError, ValueError):
        return None
    stamp = Stamp(token, float(changed_at), None if valid_until == "-" else float(valid_until))
    _file_memo[name] = (mtime, stamp)
    return stamp


_unwritable: set[str] = set()


def _write_stamp(stamp: Stamp) -> None:
    if _uses_shared_cache():
        cache.set(STAMP_KEY, stamp, None)
    path = _stamp_file()
    valid_until = "-" if stamp.valid_until is None else repr(stamp.valid_until)
    # Write then rename, so a reader never sees half a stamp.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(f"{stamp.token} {stamp.changed_at!r} {valid_until}")
        os.replace(tmp, path)
    except OSError as error:
        # Pages are then rendered for each request (a new stamp each time), not refused.
        if str(path) not in _unwritable:
            _unwritable.add(str(path))
            logger.error("The content stamp cannot be written to %s (%s).", path, error)


# What a release renders pages with: the project's templates, catalogue and Python.
RELEASE_FOLDERS = ("templates", "locale", "blog", "contact", "site_config")
RELEASE_SUFFIXES = frozenset({".html", ".txt", ".xml", ".mo", ".py"})


@functools.cache
def release() -> tuple[str, float]:
    """A fingerprint of the code that renders pages, beside the content, and when its newest
    file was written (an update writes the files it changes).

    In the page cache's keys, ETags and Last-Modified: after an update, no reader is served a
    page the previous release rendered (a shared cache keeps them for CACHE_PAGE_SECONDS),
    and no browser keeps one on a 304. Computed once a process (BlogConfig.ready), with the
    fingerprints of the frame and the list entries, which cover the stylesheet's address.
    """
    from blog import frame, summaries

    digest = hashlib.sha256(f"{summaries.current_key()} {frame.current_key()}".encode())
    newest = 0.0
    base = Path(settings.BASE_DIR)
    for folder in RELEASE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(base).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], newest


def next_publication() -> datetime | None:
    from blog.models import Post

    return (
        Post.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


_suspended = threading.local()


@contextmanager
def one_bump():
    """Group many saves (an import) into a single stamp change at the end."""
    depth = getattr(_suspended, "depth", 0)
    _suspended.depth = depth + 1
    try:
        yield
    finally:
        _suspended.depth = depth
        if depth == 0:
            bump_content_stamp()


def content_changed(**_kwargs) -> None:
    """Signal receiver: once the change is committed, every cached page is stale.

    After the commit, not before: a request served in between would cache the old
    content under the new stamp.
    """
    if getattr(_suspended, "depth", 0):
        return
    transaction.on_commit(bump_content_stamp)


def _after(previous: Stamp | None, now: float) -> float:
    """A new stamp's time: Last-Modified counts whole seconds, so a change within the same
    second as the previous one still moves it, or a reader asking If-Modified-Since keeps
    the page from before."""
    return now if previous is None else max(now, math.floor(previous.changed_at) + 1)


def bump_content_stamp() -> Stamp:
    upcoming = next_publication()
    stamp = Stamp(
        token=uuid.uuid4().hex,
        changed_at=_after(_read_stamp(), timezone.now().timestamp()),
        valid_until=upcoming.timestamp() if upcoming else None,
    )
    _write_stamp(stamp)
    return stamp


def content_stamp() -> Stamp:
    stamp = _read_stamp()
    if stamp is None or (
        stamp.valid_until is not None and timezone.now().timestamp() >= stamp.valid_until
    ):
        stamp = bump_content_stamp()
    return stamp


def connect_signals() -> None:
    from taggit.models import Tag, TaggedItem

    from blog.models import Category, OldURL, Page, Post, SiteIdentity

    for model in (Post, Category, Page, SiteIdentity, OldURL, Tag, TaggedItem):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"stamp-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"stamp-del-{model}")
    m2m_changed.connect(
        content_changed, sender=Post.categories.through, dispatch_uid="stamp-m2m-categories"
    )


def _is_cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    # A session cookie means staff (or a logged-in reader): never served from the cache,
    # so previews and the admin always see the live site.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    return not request.path.startswith("/" + settings.ADMIN_URL.lstrip("/"))


def _is_cacheable_response(response) -> bool:
    if response.status_code not in (200, 301, 404) or response.streaming:
        return False
    # A response that sets a cookie (the CSRF token of a form) belongs to one visitor.
    # (Vary: Cookie alone is fine: requests carrying a session cookie never reach the cache.)
    if response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


class PageCacheMiddleware:
    """Serve anonymous pages from the cache, keyed on the content stamp; answer 304s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "PAGE_CACHE_ENABLED", True) or not _is_cacheable_request(request):
            return self.get_response(request)
        # A host not in ALLOWED_HOSTS gets its 400 here too, as from any page not cached
        # (DisallowedHost, raised by get_host, becomes Django's 400).
        request.get_host()
        stamp = content_stamp()
        # Compressed and plain copies are kept apart (GZipMiddleware sits inside this one).
        variant = "gzip" if _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else ""
        digest = hashlib.sha256(f"{variant}|{request.get_full_path()}".encode()).hexdigest()
        release_key, released_at = release()
        key = f"{PAGE_KEY_PREFIX}{stamp.token}:{release_key}:{digest}"
        response = cache.get(key)
        if response is None:
            response = self.get_response(request)
            if not _is_cacheable_response(response):
                return response
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            response["ETag"] = f'"{stamp.token[:16]}-{release_key[:8]}-{digest[:16]}"'
            response["Last-Modified"] = http_date(max(stamp.changed_at, released_at))
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            cache.set(key, response, settings.CACHE_PAGE_SECONDS)
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(max(stamp.changed_at, released_at)),
            response=response,
        )
