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
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import django
from django.conf import settings
from django.db import connection, transaction
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from taggit.models import Tag

from blog.models import Category, Post, RenderInput, render_post_fields
from blog.templatetags import blog_tags

TEMPLATE = "includes/post_summary.html"
# The templates an entry is made of.
TEMPLATES = (TEMPLATE, "includes/post_meta.html", "includes/post_tags.html")
# Bump when Python code an entry depends on changes outside what `current_key` reads.
VERSION = 1
BATCH = 500


def catalogue_bytes() -> bytes:
    """The compiled French catalogue(s), as gettext finds them: what every stored fragment
    says in French."""
    locale = translation.to_locale(settings.LANGUAGE_CODE)
    found = b""
    for folder in settings.LOCALE_PATHS:
        # `fr_FR` then `fr`, as gettext looks for them.
        for variant in dict.fromkeys((locale, locale.split("_")[0])):
            try:
                with open(f"{folder}/{variant}/LC_MESSAGES/django.mo", "rb") as compiled:
                    found += compiled.read()
            except FileNotFoundError:
                found += b"no catalogue"
    return found


def fingerprint(templates: Iterable[str], python: Iterable, parts: Iterable[str]) -> str:
    """What a stored fragment was rendered with: its templates' and Python's source, the
    catalogue, the Django version, and the settings and addresses given in `parts`."""
    digest = hashlib.sha256(f"{VERSION} {django.get_version()}".encode())
    for name in templates:
        with open(get_template(name).origin.name, "rb") as source:
            digest.update(source.read())
    for code in python:
        digest.update(inspect.getsource(code).encode())
    digest.update(catalogue_bytes())
    for part in (settings.LANGUAGE_CODE, settings.TIME_ZONE, *parts):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:32]


@functools.cache
def current_key() -> str:
    """A fingerprint of everything an entry depends on besides its post's data.

    Computed when the process starts (BlogConfig.ready), when it loads the templates it will
    render with: a process that outlives an update of the files never stores entries made
    with old templates under the new fingerprint.
    """
    with translation.override(settings.LANGUAGE_CODE):
        addresses = (
            reverse("blog:post", kwargs={"year": 2000, "month": 1, "day": 2, "slug": "s"}),
            reverse("blog:category", kwargs={"slug": "c"}),
            reverse("blog:tag", kwargs={"slug": "t"}),
        )
    # The Python an entry runs: its filters, and how posts and categories make addresses.
    python = (blog_tags, Post.get_absolute_url, Category.get_absolute_url)
    return fingerprint(TEMPLATES, python, addresses)


def render_summary(
    post: Post, categories: Iterable[Category] | None = None, tags: Iterable[Tag] | None = None
) -> str:
    """One entry. The categories and tags are the post's (prefetched by `for_lists()`) unless
    given, as the importer gives them for a post not yet in the database."""
    context = {
        "post": post,
        "categories": list(post.categories.all() if categories is None else categories),
        "tags": list(post.tags.all() if tags is None else tags),
    }
    if translation.get_language() == settings.LANGUAGE_CODE:
        return render_to_string(TEMPLATE, context).strip()
    # `migrate` runs with translations off; switching costs more than the rendering.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, context).strip()


@dataclass(slots=True)
class Entry:
    """A post as the home page lists it: its stored entry, and what says whether it is current."""

    pk: int
    summary_html: str
    summary_key: str


class EntryInput(NamedTuple):
    """What a new post's entry needs besides its rendered fields: (slug, name) pairs."""

    slug: str
    published_at: datetime | None
    categories: tuple[tuple[str, str], ...]
    tags: tuple[tuple[str, str], ...]


def render_post_and_entry(task: tuple[RenderInput, EntryInput | None]) -> dict[str, object]:
    """`render_post_fields`, and the entry in lists when `task` says what it shows.

    A plain function of its input, run in the importer's worker processes: a new post is
    written with its entry, and the import's one process is left to the database.
    """
    source, entry = task
    fields = render_post_fields(source)
    if entry is not None:
        post = Post(
            title=source.title,
            slug=entry.slug,
            published_at=entry.published_at,
            excerpt_html=fields["excerpt_html"],
            has_more=fields["has_more"],
            reading_time=fields["reading_time"],
        )
        fields["summary_html"] = render_summary(
            post,
            [Category(slug=slug, name=name) for slug, name in entry.categories],
            [Tag(slug=slug, name=name) for slug, name in entry.tags],
        )
        fields["summary_key"] = current_key()
    return fields


def _posts_to_render(ids: Iterable[int]):
    """What an entry shows of these posts, in three queries."""
    return Post.objects.filter(pk__in=ids).for_lists().defer("search_document", "front_matter")


def refresh_summaries(post_ids: Iterable[int]) -> int:
    """Render and store the entries of these posts; returns how many were written."""
    ids = list(post_ids)
    key = current_key()
    table = connection.ops.quote_name(Post._meta.db_table)
    pk = connection.ops.quote_name(Post._meta.pk.column)
    written = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            # Locked while rendered: a save committed meanwhile (PostgreSQL runs them side
            # by side) is waited for and read, rather than overwritten by an older entry.
            posts = _posts_to_render(ids[start : start + BATCH]).select_for_update()
            rows = [(render_summary(post), key, post.pk) for post in posts]
            # Not a save: storing an entry changes no content, and sends no signal.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET summary_html = %s, summary_key = %s WHERE {pk} = %s",  # noqa: S608
                    rows,
                )
        written += len(rows)
    return written


def refresh_stale_summaries() -> int:
    """Render the entries rendered with other templates, translations or settings."""
    stale = Post.objects.exclude(summary_key=current_key()).values_list("pk", flat=True)
    return refresh_summaries(stale.iterator())


def with_summaries(posts: Iterable[Post | Entry]) -> list[Post | Entry]:
    """The posts of a list page, each with an up-to-date `summary_html`.

    Stored entries serve as they are; a stale one (a deploy not yet followed by `migrate`,
    a bulk write) is rendered for this request, in three queries for the whole page.
    """
    posts = list(posts)
    key = current_key()
    stale = [post.pk for post in posts if post.summary_key != key]
    if stale:
        fresh = {post.pk: render_summary(post) for post in _posts_to_render(stale)}
        for post in posts:
            if post.pk in fresh:
                post.summary_html = fresh[post.pk]
    return posts
