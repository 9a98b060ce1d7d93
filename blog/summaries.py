"""Each post's entry in lists (title, date, categories, excerpt, tags), rendered when it changes.

List pages (home, category, tag) are the site's busiest. Rendering ten entries through the
template engine on every request cost about nine tenths of the home page's time, so an entry
is rendered when its post, its categories or its tags change, and stored in
`Post.summary_html`, as the markdown is stored in `body_html`.

`Post.summary_key` names what the stored entry was rendered with: the templates, the
translation catalogue, the time zone and the shape of the addresses. A deploy that changes any
of them makes every stored entry stale; `migrate` renders them again (blog.signals), and until
then a list renders a stale entry on the fly, so a reader never sees an outdated one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from blog.models import Post

TEMPLATE = "includes/post_summary.html"
# The templates an entry is made of.
TEMPLATES = (TEMPLATE, "includes/post_meta.html", "includes/post_tags.html")
# Bump when Python code that shapes an entry changes (long_date, reading time…).
VERSION = 1
BATCH = 500


@functools.cache
def current_key() -> str:
    """A fingerprint of everything an entry depends on besides its post's data."""
    digest = hashlib.sha256(str(VERSION).encode())
    for name in TEMPLATES:
        with open(get_template(name).origin.name, "rb") as source:
            digest.update(source.read())
    for folder in settings.LOCALE_PATHS:
        catalogue = f"{folder}/{settings.LANGUAGE_CODE}/LC_MESSAGES/django.mo"
        try:
            with open(catalogue, "rb") as compiled:
                digest.update(compiled.read())
        except FileNotFoundError:
            digest.update(b"no catalogue")
    with translation.override(settings.LANGUAGE_CODE):
        addresses = (
            reverse("blog:post", kwargs={"year": 2000, "month": 1, "day": 2, "slug": "s"}),
            reverse("blog:category", kwargs={"slug": "c"}),
            reverse("blog:tag", kwargs={"slug": "t"}),
        )
    for part in (settings.LANGUAGE_CODE, settings.TIME_ZONE, *addresses):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:32]


def render_summary(post: Post) -> str:
    """One entry; `post` comes with its categories and tags prefetched (`for_lists()`)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, {"post": post}).strip()


def refresh_summaries(post_ids: Iterable[int]) -> int:
    """Render and store the entries of these posts; returns how many were written."""
    ids = list(post_ids)
    key = current_key()
    written = 0
    for start in range(0, len(ids), BATCH):
        posts = list(
            Post.objects.filter(pk__in=ids[start : start + BATCH])
            .for_lists()
            .defer("search_document", "front_matter")
        )
        for post in posts:
            post.summary_html = render_summary(post)
            post.summary_key = key
        # A bulk update sends no signal: storing an entry is not a change of content.
        Post.objects.bulk_update(posts, ["summary_html", "summary_key"])
        written += len(posts)
    return written


def refresh_stale_summaries() -> int:
    """Render the entries rendered with other templates, translations or settings."""
    stale = Post.objects.exclude(summary_key=current_key()).values_list("pk", flat=True)
    return refresh_summaries(stale.iterator())


def with_summaries(posts: Iterable[Post]) -> list[Post]:
    """The posts of a list page, each with an up-to-date `summary_html`.

    Stored entries serve as they are; a stale one (a deploy not yet followed by `migrate`,
    a bulk write) is rendered for this request, in three queries for the whole page.
    """
    posts = list(posts)
    key = current_key()
    stale = [post.pk for post in posts if post.summary_key != key]
    if stale:
        fresh = {
            post.pk: render_summary(post)
            for post in Post.objects.filter(pk__in=stale)
            .for_lists()
            .defer("search_document", "front_matter")
        }
        for post in posts:
            if post.pk in fresh:
                post.summary_html = fresh[post.pk]
    return posts
