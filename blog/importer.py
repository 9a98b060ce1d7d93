"""Writing a Jekyll site into the blog: posts, pages, categories, tags, files and old addresses.

blog/jekyll.py reads the files; this module decides what is new, changed or unchanged and writes
it, one transaction per post. `import_site` is what `manage.py import_posts` runs.
"""

from __future__ import annotations

import filecmp
import logging
import math
import multiprocessing
import os
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import TextIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import OutputWrapper
from django.db import DatabaseError, connection, transaction
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from taggit.models import Tag, TaggedItem

from blog import jekyll
from blog.cache import one_bump
from blog.models import (
    RESERVED_PAGE_SLUGS,
    Category,
    OldURL,
    Page,
    Post,
    RenderInput,
    SiteIdentity,
    is_free_page_address,
)
from blog.rendering import RenderError, removed_elements
from blog.summaries import EntryInput, refresh_summaries, render_post_and_entry
from blog.views import POSTS_PER_PAGE

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"
STATUSES = (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)

STATIC_HTML = gettext_noop(
    "HTML file without front matter, served as it was: not imported, its address will answer "
    "404 unless you put the file on the web server"
)
# jekyll-archives' default permalinks for its date pages.
DATE_ARCHIVES = {"year": "/:year/", "month": "/:year/:month/", "day": "/:year/:month/:day/"}
# Rows per query when looking up many old addresses (SQLite's variable limit, PostgreSQL's
# statement size).
CHUNK = 500
TITLE_LENGTH = Post._meta.get_field("title").max_length
SEARCH_PATH = "/search/"
# Below this many posts to render, starting worker processes costs more than they save.
PARALLEL_MIN_POSTS = 200
# New posts written per transaction.
BATCH = 100
# The hash of a post that depends on nothing but its file (no Liquid, no local files) is taken
# from the file and the site's settings alone, marked with this prefix: a re-run then knows it
# unchanged from the bytes, without reading the front matter or the markdown.
SELF_CONTAINED = "file:"
logger = logging.getLogger("carnet.import")


@dataclass
class Outcome:
    path: str
    kind: str  # "post" or "page"
    status: str
    reason: str = ""


@dataclass
class Note:
    path: str
    code: str  # undated, unpublished, liquid, link, missing-file, conflict, site, date…
    message: str


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do), file by file."""

    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    old_urls_added: int = 0
    files_copied: int = 0

    def add(self, path: str, kind: str, status: str, reason: str = "") -> None:
        kind = "page" if kind == jekyll.PAGE else "post"
        self.outcomes.append(Outcome(path, kind, status, reason))

    def note(self, path: str, code: str, message: str) -> None:
        self.notes.append(Note(path, code, message))

    def count(self, status: str, kind: str | None = None) -> int:
        return sum(
            1
            for outcome in self.outcomes
            if outcome.status == status and (kind is None or outcome.kind == kind)
        )

    def paths(self, status: str, kind: str | None = None) -> list[str]:
        return [
            outcome.path
            for outcome in self.outcomes
            if outcome.status == status and (kind is None or outcome.kind == kind)
        ]

    @property
    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == FAILED]

    def summary_line(self, label: str, kind: str | None = None) -> str:
        counts = {status: self.count(status, kind) for status in STATUSES}
        return _(
            "%(label)s — created: %(created)d, updated: %(updated)d, "
            "unchanged: %(unchanged)d, skipped: %(skipped)d, failed: %(failed)d"
        ) % {"label": label, **counts}

    def lines(self, verbosity: int = 1) -> list[str]:
        """The report as the author reads it: problems first, then the summary."""
        lines = []
        shown = (FAILED, SKIPPED) if verbosity < 2 else STATUSES
        labels = {
            CREATED: _("[created] %(path)s"),
            UPDATED: _("[updated] %(path)s"),
            UNCHANGED: _("[unchanged] %(path)s"),
            SKIPPED: _("[skipped] %(path)s: %(reason)s"),
            FAILED: _("[failed] %(path)s: %(reason)s"),
        }
        for outcome in self.outcomes:
            if outcome.status in shown and verbosity > 0:
                lines.append(labels[outcome.status] % vars(outcome))
        if verbosity > 0:
            for note in self.notes:
                lines.append(_("[note] %(path)s: %(message)s") % vars(note))
        lines.append(self.summary_line(pgettext("import summary", "Posts"), "post"))
        if any(outcome.kind == "page" for outcome in self.outcomes):
            lines.append(self.summary_line(pgettext("import summary", "Pages"), "page"))
            lines.append(self.summary_line(pgettext("import summary", "Total")))
        if self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return lines


@dataclass
class _Planned:
    """A document on its way into the database."""

    document: jekyll.Document
    slug: str
    existing: tuple[int, str, str] | None  # (id, slug, source_hash)
    body: str = ""
    excerpt: str = ""
    files: list[jekyll.LocalFile] = field(default_factory=list)
    hash: str = ""
    # The hash of the resolved text, which self-contained posts were given before they had a
    # file hash: an unchanged post stored that way is still unchanged (her edits are kept).
    text_hash: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.document.source.key

    @property
    def source(self) -> jekyll.Source:
        return self.document.source

    @property
    def has_url(self) -> bool:
        """A page or a dated post; an undated post stays a draft, with no address."""
        return self.document.source.kind == jekyll.PAGE or self.document.date is not None

    @cached_property
    def new_url(self) -> str | None:
        """Its address on the new site; worked out when asked (most posts never are)."""
        if not self.has_url:
            return None
        if self.document.source.kind == jekyll.PAGE:
            return reverse("blog:page", kwargs={"slug": self.slug})
        return Post(slug=self.slug, published_at=self.document.date).get_absolute_url()


@dataclass
class _Unchanged:
    """A post whose file has not changed since the last run, as the database has it."""

    source: jekyll.Source
    slug: str
    published_at: datetime | None
    pk: int

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def has_url(self) -> bool:
        return self.published_at is not None

    @cached_property
    def new_url(self) -> str | None:
        if self.published_at is None:
            return None
        return Post(slug=self.slug, published_at=self.published_at).get_absolute_url()


def file_hash(source: jekyll.Source, raw: bytes) -> str:
    """The hash of a self-contained post (see SELF_CONTAINED)."""
    digest = jekyll.content_hash(raw, source.site.fingerprint, source.key)
    return SELF_CONTAINED + digest[: 64 - len(SELF_CONTAINED)]


def _unique_slug(base: str, taken: set[str], max_length: int = 200) -> str:
    base = base[:max_length]
    if base not in taken:
        return base
    number = 2
    while True:
        candidate = f"{base[: max_length - len(str(number)) - 1]}-{number}"
        if candidate not in taken:
            return candidate
        number += 1


def _keeps_slug(previous: str, base: str) -> bool:
    """A re-imported file keeps the slug it got the first time, suffix included."""
    return previous == base or bool(re.fullmatch(re.escape(base) + r"-\d+", previous))


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Import:
    def __init__(
        self,
        report: ImportReport,
        *,
        dry_run: bool,
        tag_dir: str | None,
        category_dir: str | None,
        stdout: TextIO | OutputWrapper | None,
        workers: int,
    ) -> None:
        self.report = report
        self.workers = workers
        self.dry_run = dry_run
        self.tag_dir = tag_dir
        self.term_pages: list[jekyll.Document] = []
        self.page_slugs: set[str] | None = None
        self.redirect_posts = 0
        self.category_dir = category_dir
        self.stdout = stdout
        isatty = getattr(stdout, "isatty", None)
        self.progress = bool(isatty and isatty())
        self.posts: list[_Planned] = []
        self.pages: list[_Planned] = []
        self.targets: dict[str, str] = {}  # old path → fixed new address
        self.copied: dict[str, str] = {}  # storage name → media URL, once per run
        # Where Liquid links lead: (site root, relative path or post name) → the document.
        self.by_rel: dict[tuple[str, str], _Planned | _Unchanged] = {}
        self.by_name: dict[tuple[str, str], _Planned | _Unchanged] = {}
        # `{% post_url good_job/2017-01-03-slug %}`: the post's folders and name, as Jekyll 4
        # matches them first (good_job/_posts/… or _posts/good_job/…).
        self.by_path: dict[tuple[str, str], _Planned | _Unchanged] = {}
        self.by_any_name: dict[str, _Planned | _Unchanged] = {}
        self.categories: dict[str, Category] = {}
        self.tags: dict[str, Tag] = {}
        self.taken_paths: set[str] = set()  # old paths that already have an OldURL row
        self.reversed: dict[tuple[str, str], str] = {}
        # Posts already imported: source path → (id, slug, source_hash, published_at).
        self.existing: dict[str, tuple[int, str, str, datetime | None]] = {}
        self.taken_slugs: set[str] = set()
        self.unchanged: list[_Unchanged] = []

    # --- planning ---------------------------------------------------------------------

    def load_existing_posts(self) -> None:
        for pk, slug, source_path, source_hash, published_at in Post.objects.values_list(
            "id", "slug", "source_path", "source_hash", "published_at"
        ):
            self.taken_slugs.add(slug)
            if source_path:
                self.existing[source_path] = (pk, slug, source_hash, published_at)

    def is_unchanged(self, source: jekyll.Source) -> bool:
        """A self-contained post whose file is as it was: nothing to read (see SELF_CONTAINED)."""
        prior = self.existing.get(source.key) if source.kind != jekyll.PAGE else None
        if prior is None or not prior[2].startswith(SELF_CONTAINED):
            return False
        try:
            raw = source.path.read_bytes()
        except OSError:
            return False  # read_document says why
        if file_hash(source, raw) != prior[2]:
            return False
        self.unchanged.append(_Unchanged(source, prior[1], prior[3], prior[0]))
        return True

    def plan_posts(self, documents: list[jekyll.Document]) -> None:
        taken = self.taken_slugs
        for unchanged in sorted(self.unchanged, key=lambda item: item.key):
            self._index(unchanged)
        for document in sorted(documents, key=lambda item: item.source.key):
            prior = self.existing.get(document.source.key)
            if prior and _keeps_slug(prior[1], document.slug):
                slug = prior[1]
            else:
                slug = _unique_slug(document.slug, taken)
            taken.add(slug)
            planned = _Planned(document, slug, prior[:3] if prior else None)
            self.posts.append(planned)
            self._index(planned)

    def plan_pages(self, documents: list[jekyll.Document]) -> None:
        existing: dict[str, tuple[int, str, str]] = {}
        taken: set[str] = set(RESERVED_PAGE_SLUGS)
        for pk, slug, source_path, source_hash in Page.objects.values_list(
            "id", "slug", "source_path", "source_hash"
        ):
            taken.add(slug)
            if source_path:
                existing[source_path] = (pk, slug, source_hash)
        for document in sorted(documents, key=lambda item: item.source.key):
            prior = existing.get(document.source.key)
            if prior and _keeps_slug(prior[1], document.slug):
                slug = prior[1]
            else:
                slug = _unique_slug(document.slug, taken)
            taken.add(slug)
            planned = _Planned(document, slug, prior)
            self.pages.append(planned)
            self._index(planned)

    def _index(self, planned: _Planned | _Unchanged) -> None:
        """Where `{% link %}` and `{% post_url %}` find a document's new address."""
        if not planned.has_url:
            return
        source = planned.source
        root = str(source.site.root or "")
        if source.rel:
            self.by_rel[(root, source.rel)] = planned
        if source.kind != jekyll.PAGE:
            folders, _posts, rest = source.rel.rsplit(".", 1)[0].rpartition("_posts/")
            if _posts:
                self.by_path[(root, folders + rest)] = planned
            name = source.name.rsplit(".", 1)[0]
            for key in {name, name.rsplit("/", 1)[-1]}:
                self.by_name[(root, key)] = planned
                self.by_any_name.setdefault(key, planned)

    def _context(self, document: jekyll.Document) -> jekyll.LiquidContext:
        site = document.source.site
        root = str(site.root or "")

        def post_url(name: str) -> str | None:
            name = name.strip().lstrip("/")
            for key in (name, name.rsplit(".", 1)[0]):
                planned = (
                    self.by_path.get((root, key))
                    or self.by_name.get((root, key))
                    or self.by_any_name.get(key)
                )
                if planned:
                    return planned.new_url
            return None

        def link(path: str) -> str | None:
            path = jekyll.nfc(path.strip().lstrip("/"))
            planned = self.by_rel.get((root, path))
            if planned:
                return planned.new_url
            # A static file: its old address, which the file step then copies and rewrites.
            files_root = site.files_root
            if files_root is not None and (files_root / path).is_file():
                return site.baseurl + "/" + path
            return None

        def include(name: str, relative: bool) -> str | None:
            # `_includes/` of the site, or beside the post for include_relative; never
            # outside the site's folder.
            if site.root is None:
                return None
            base = document.source.path.parent if relative else site.root / "_includes"
            path = (base / name).resolve()
            if not path.is_relative_to(site.root.resolve()) or not path.is_file():
                return None
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None

        return jekyll.LiquidContext(
            site_url=settings.SITE_URL,
            post_url=post_url,
            link=link,
            variables=jekyll.liquid_variables(document),
            include=include,
        )

    # --- resolving: Liquid, files, hash ---------------------------------------------------

    def resolve(self, planned: _Planned) -> None:
        document = planned.document
        body, excerpt = document.body, document.excerpt
        has_liquid = any("{{" in text or "{%" in text for text in (body, excerpt) if text)
        if document.render_liquid and has_liquid:
            context = self._context(document)
            problems: list[tuple[str, str]] = []
            for text, target in ((body, "body"), (excerpt, "excerpt")):
                if not text:
                    continue
                result = jekyll.render_liquid(text, context)
                problems.extend(result.problems)
                if target == "body":
                    body = result.text
                else:
                    excerpt = result.text
            messages = {
                jekyll.UNSUPPORTED: _("Liquid the new site cannot run, removed: %(tag)s"),
                jekyll.UNRESOLVED: _("link to a post or file that was not found, removed: %(tag)s"),
                jekyll.UNCLOSED: _("Liquid block never closed, left as is: %(tag)s"),
                jekyll.UNKNOWN_CONDITION: _(
                    "Liquid condition the new site cannot evaluate, its first branch kept: %(tag)s"
                ),
                jekyll.LOOP_REMOVED: _(
                    "Liquid loop over the old site's data, removed with what it showed: %(tag)s"
                ),
                jekyll.TOO_MUCH: _(
                    "Liquid that repeats too much (loops, includes of includes), cut short: %(tag)s"
                ),
            }
            seen: set[tuple[str, str]] = set()
            for kind, tag in problems:
                if (kind, tag) not in seen:
                    seen.add((kind, tag))
                    code = "link" if kind == jekyll.UNRESOLVED else "liquid"
                    planned.notes.append((code, messages[kind] % {"tag": tag}))
        site = document.source.site
        if site.parse_block_html and document.is_markdown:
            body, excerpt = jekyll.mark_block_html(body), jekyll.mark_block_html(excerpt)
        planned.body = self._rewrite_files(body, planned)
        planned.excerpt = self._rewrite_files(excerpt, planned)
        removed = removed_elements(planned.body, document.is_markdown)
        if removed:
            planned.notes.append(
                (
                    "removed",
                    _("removed from the text, as the site never shows them: %(what)s")
                    % {"what": ", ".join(removed)},
                )
            )
        self._front_matter_image(planned)
        if not document.is_post and not is_free_page_address(planned.slug):
            planned.notes.append(
                (
                    "address",
                    _(
                        "its address /%(slug)s/ is answered by another part of the new site: "
                        "readers will not see this page, kept in the admin (for a contact page, "
                        "copy its text into the contact form's introduction, in the site "
                        "identity)"
                    )
                    % {"slug": planned.slug},
                )
            )
        if len(document.title) > TITLE_LENGTH:
            planned.notes.append(
                (
                    "title",
                    _("title cut to its first %(length)d characters") % {"length": TITLE_LENGTH},
                )
            )
        planned.hash = planned.text_hash = jekyll.content_hash(
            document.raw, site.fingerprint, planned.slug, planned.body, planned.excerpt
        )
        if document.is_post and self._self_contained(planned):
            planned.hash = file_hash(document.source, document.raw)

    @staticmethod
    def _self_contained(planned: _Planned) -> bool:
        """Whether the post's text depends only on its file: not on other posts' addresses
        (Liquid) nor on files that may appear or change (the site's settings are in its
        fingerprint). Its slug is kept from run to run."""
        document = planned.document
        if planned.files or any(code == "missing-file" for code, _message in planned.notes):
            return False
        return not document.render_liquid or not any(
            "{%" in text or "{{" in text for text in (document.body, document.excerpt)
        )

    def _rewrite_files(self, text: str, planned: _Planned) -> str:
        """Point local images and files at media storage; note the missing ones."""
        if not text:
            return text
        replacements = []
        for reference in jekyll.find_references(text):
            local = jekyll.locate_file(reference.url, planned.document, embedded=reference.embedded)
            if local is None:
                continue
            if local.path is None:
                planned.notes.append(
                    ("missing-file", _("file not found: %(url)s") % {"url": reference.url})
                )
                continue
            planned.files.append(local)
            # An apostrophe in the address would read as the start of a title to Markdown.
            url = default_storage.url(local.name).replace("'", "%27") + local.suffix
            replacements.append((reference.start, reference.end, url))
            if local.old_path:
                self.targets.setdefault(local.old_path, default_storage.url(local.name))
        for start, end, url in reversed(replacements):
            text = text[:start] + url + text[end:]
        return text

    def _front_matter_image(self, planned: _Planned) -> None:
        """`image:` (a cover for themes and social cards) has no field and stays as written,
        but its file comes along and its old address leads to the copy."""
        value = planned.document.data.get("image")
        if isinstance(value, dict):
            value = value.get("path") or value.get("url")
        if not isinstance(value, str) or not value.strip():
            return
        local = jekyll.locate_file(value.strip(), planned.document, embedded=True)
        if local is None:
            return
        if local.path is None:
            planned.notes.append(("missing-file", _("file not found: %(url)s") % {"url": value}))
            return
        planned.files.append(local)
        if local.old_path:
            self.targets.setdefault(local.old_path, default_storage.url(local.name))

    # --- writing ----------------------------------------------------------------------

    def prepare_terms(self) -> None:
        """Categories and tags every post needs, created up front in a few queries."""
        wanted: dict[str, tuple[str, jekyll.SiteConfig]] = {}
        tag_names: dict[str, str] = {}
        for planned in self.posts:
            document = planned.document
            for key in document.categories:
                wanted.setdefault(category_slug(key), (key, document.source.site))
            for name in document.tags:
                tag_names.setdefault(name.lower(), name)
        if self.dry_run:
            return
        slugs = list(wanted)
        for chunk in _chunks(slugs):
            self.categories.update(
                (category.slug, category) for category in Category.objects.filter(slug__in=chunk)
            )
        new_categories = []
        for slug, (key, site) in wanted.items():
            info = site.category_info(key)
            category = self.categories.get(slug)
            if category is None:
                category = Category(
                    slug=slug,
                    name=(info.get("name") or key)[:200],
                    description=info.get("description", ""),
                )
                new_categories.append(category)
                self.categories[slug] = category
            elif info and (
                category.name != info.get("name", category.name)
                or category.description != info.get("description", category.description)
            ):
                # `_data/categories.yml` is the site's word; a name the author set in the
                # admin for a key the file does not describe is left alone.
                category.name = info.get("name", category.name)[:200]
                category.description = info.get("description", category.description)
                category.save(update_fields=["name", "description", "modified_at"])
        Category.objects.bulk_create(new_categories)
        if new_categories and new_categories[0].pk is None:
            # Back ends that do not return ids from bulk inserts.
            for category in Category.objects.filter(slug__in=[c.slug for c in new_categories]):
                self.categories[category.slug] = category
        self.tags = {tag.name.lower(): tag for tag in Tag.objects.all()}
        for key, name in tag_names.items():
            if key not in self.tags:
                self.tags[key] = Tag.objects.create(name=name[:100])

    def write_all(self) -> None:
        todo = []
        rehashed = []
        for planned in self.posts + self.pages:
            kind = planned.document.source.kind
            if planned.existing and planned.existing[2] in (planned.hash, planned.text_hash):
                self.report.add(planned.key, kind, UNCHANGED)
                if planned.existing[2] != planned.hash:
                    rehashed.append(Post(pk=planned.existing[0], source_hash=planned.hash))
            else:
                todo.append(planned)
        if rehashed and not self.dry_run:
            Post.objects.bulk_update(rehashed, ["source_hash"], batch_size=CHUNK)
        wanted = [path for planned in todo for path in planned.document.old_paths()]
        for chunk in _chunks(wanted):
            self.taken_paths.update(
                OldURL.objects.filter(path__in=chunk).values_list("path", flat=True)
            )

        # Posts are rendered first (in other processes when that pays), then written here in
        # order as their HTML comes in.
        def renders(planned: _Planned) -> bool:
            return not self.dry_run and planned.document.source.kind != jekyll.PAGE

        # New posts are written from these; changed ones only take their text to render.
        posts = [Post(**self._post_values(planned)) for planned in todo if renders(planned)]
        sources = [post.render_input() for post in posts]
        entries = [self._entry_input(planned) for planned in todo if renders(planned)]
        new_posts: list[tuple[_Planned, Post]] = []
        with rendered_posts(list(zip(sources, entries, strict=True)), self.workers) as rendered:
            pairs = zip(posts, sources, rendered, strict=True)
            for number, planned in enumerate(todo, 1):
                if self.progress:
                    self._progress(number, len(todo))
                # Taken before anything can fail, so that each post gets its own fields.
                kind = planned.document.source.kind
                if renders(planned):
                    post, source, fields = next(pairs)
                    if RENDER_ERROR in fields:
                        self.report.add(planned.key, kind, FAILED, fields[RENDER_ERROR])
                        continue
                    post.use_rendered(source, fields)
                status = UPDATED if planned.existing else CREATED
                for code, message in planned.document.notes + planned.notes:
                    self.report.note(planned.key, code, message)
                if self.dry_run:
                    self.report.add(planned.key, kind, status)
                    continue
                batched = kind != jekyll.PAGE and not planned.existing
                if not batched or len(new_posts) == BATCH:
                    # Written before what follows, so the report keeps the files' order.
                    self._create_posts(new_posts)
                    new_posts = []
                try:
                    self._copy_files(planned)
                    if batched:
                        post.render()  # as save() would: takes the fields rendered for it
                        new_posts.append((planned, post))
                        continue
                    if kind == jekyll.PAGE:
                        self._write_page(planned)
                    else:
                        self._write_post(planned, source, fields)
                except (DatabaseError, OSError, RenderError) as error:
                    self.report.add(planned.key, kind, FAILED, str(error))
                else:
                    self.report.add(planned.key, kind, status)
            self._create_posts(new_posts)
        if self.progress and todo:
            self._write("\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stdout, OutputWrapper):
            self.stdout.write(text, ending="")
        else:
            self.stdout.write(text)
        self.stdout.flush()

    def _progress(self, number: int, total: int) -> None:
        self._write(
            "\r" + _("Importing… %(number)d/%(total)d") % {"number": number, "total": total}
        )

    def _copy_files(self, planned: _Planned) -> None:
        for local in planned.files:
            if local.name in self.copied:
                continue
            self.copied[local.name], written = copy_to_storage(local.path, local.name)
            self.report.files_copied += written

    @staticmethod
    def _post_values(planned: _Planned) -> dict[str, object]:
        document = planned.document
        return {
            "title": document.title[:TITLE_LENGTH],
            "slug": planned.slug,
            "body": planned.body,
            "excerpt": planned.excerpt,
            "excerpt_separator": document.excerpt_separator[:50],
            "hard_wrap": document.hard_wrap,
            "markdown": document.is_markdown,
            "description": document.description[:300],
            "status": Post.Status.PUBLISHED if document.is_published else Post.Status.DRAFT,
            "published_at": document.date,
            "updated_at": document.updated_at,
            "source_path": document.source.key,
            "source_hash": planned.hash,
            "old_permalink": document.old_permalink[:500],
            "old_feed_id": document.old_feed_id[:500],
            "front_matter": document.front_matter,
        }

    def _create_posts(self, batch: list[tuple[_Planned, Post]]) -> None:
        """New posts, many in one transaction with one INSERT per table (a post alone costs
        five queries and a commit). If the batch fails, each of its posts is written on its
        own, so that only a failing post is left out, whole."""
        if not batch:
            return
        try:
            with transaction.atomic():
                added, notes = self._insert_posts(batch)
        except DatabaseError as error:
            for _planned, post in batch:  # ids from the INSERT that was rolled back
                post.pk = None
            if len(batch) == 1:
                planned = batch[0][0]
                self.report.add(planned.key, planned.document.source.kind, FAILED, str(error))
            else:
                for item in batch:
                    self._create_posts([item])
            return
        self.report.old_urls_added += added
        for key, code, message in notes:
            self.report.note(key, code, message)
        for planned, _post in batch:
            self.report.add(planned.key, planned.document.source.kind, CREATED)

    def _insert_posts(
        self, batch: list[tuple[_Planned, Post]]
    ) -> tuple[int, list[tuple[str, str, str]]]:
        posts = [post for _planned, post in batch]
        Post.objects.bulk_create(posts)
        if posts[0].pk is None:  # back ends that do not return ids from bulk inserts
            ids = dict(
                Post.objects.filter(
                    source_path__in=[post.source_path for post in posts]
                ).values_list("source_path", "pk")
            )
            for post in posts:
                post.pk = ids[post.source_path]
        category_through = Post.categories.through
        tag_through = Post.tags.through
        content_type = ContentType.objects.get_for_model(Post)
        category_rows, tag_rows, url_rows, notes = [], [], [], []
        claimed: set[str] = set()  # old paths given to an earlier post of the batch
        for planned, post in batch:
            document = planned.document
            category_rows.extend(
                category_through(post_id=post.pk, category_id=category.pk)
                for category in self._categories(document)
            )
            tags = {self.tags[name.lower()].pk for name in document.tags}
            tag_rows.extend(
                tag_through(content_type=content_type, object_id=post.pk, tag_id=tag_id)
                for tag_id in tags
            )
            rows, conflicts = self._keep_old_paths(document.old_paths(), planned, post=post)
            for row in rows:
                if row.path in claimed:
                    conflicts.append(_conflict(row.path))
                else:
                    claimed.add(row.path)
                    url_rows.append(row)
            notes.extend((planned.key, "conflict", message) for message in conflicts)
        category_through.objects.bulk_create(category_rows, batch_size=CHUNK)
        tag_through.objects.bulk_create(tag_rows, batch_size=CHUNK)
        OldURL.objects.bulk_create(url_rows, batch_size=CHUNK)
        # Entries come rendered with the posts (`render_post_and_entry`).
        refresh_summaries(post.pk for post in posts if not post.summary_key)
        return len(url_rows), notes

    def _entry_input(self, planned: _Planned) -> EntryInput | None:
        """What a new post's entry in lists shows besides its text. A changed post's entry
        is redone once its categories and tags are written (`_write_post`); a draft's, whose
        address needs its id, once it is in the database (`_insert_posts`)."""
        document = planned.document
        if planned.existing or not document.is_published or document.date is None:
            return None
        tags = {tag.pk: tag for tag in (self.tags[name.lower()] for name in document.tags)}
        return EntryInput(
            slug=planned.slug,
            published_at=document.date,
            categories=tuple((c.slug, c.name) for c in self._categories(document)),
            tags=tuple((tag.slug, tag.name) for tag in tags.values()),
        )

    def _categories(self, document: jekyll.Document) -> list[Category]:
        # `MixedCase` and `Mixedcase` are one category: one row.
        return list(
            {
                category_slug(key): self.categories[category_slug(key)]
                for key in document.categories
            }.values()
        )

    def _write_post(
        self, planned: _Planned, source: RenderInput, fields: dict[str, object]
    ) -> None:
        """A post already in the database, changed since the last run."""
        document = planned.document
        with transaction.atomic():
            # (Deleted since the run started: written again.)
            post = Post.objects.filter(pk=planned.existing[0]).first() or Post()
            for name, value in self._post_values(planned).items():
                setattr(post, name, value)
            post.use_rendered(source, fields)
            post.save()
            post.categories.set(self._categories(document))
            self._set_tags(post, [self.tags[name.lower()] for name in document.tags])
            self._add_old_urls(planned, post=post)
            # The tags were written in bulk, past the signal that redoes the entry.
            refresh_summaries([post.pk])

    def _set_tags(self, post: Post, tags: list[Tag]) -> None:
        """taggit's `set` costs a get_or_create per tag; the rows are written in bulk here
        (nothing but the page cache listens to them, and the import bumps it once)."""
        through = Post.tags.through
        content_type = ContentType.objects.get_for_model(Post)
        items = through.objects.filter(content_type=content_type, object_id=post.pk)
        wanted = {tag.pk: tag for tag in tags}
        existing = set(items.values_list("tag_id", flat=True))
        if existing - wanted.keys():
            items.filter(tag_id__in=existing - wanted.keys()).delete()
        through.objects.bulk_create(
            through(content_type=content_type, object_id=post.pk, tag=wanted[pk])
            for pk in wanted.keys() - existing
        )

    def _write_page(self, planned: _Planned) -> None:
        document = planned.document
        with transaction.atomic():
            page = None
            if planned.existing:
                page = Page.objects.filter(pk=planned.existing[0]).first()
            if page is None:
                # A new page joins the menu, unless another part of the site answers its
                # address (an old contact page lives on as the contact form); she can untick it.
                page = Page(show_in_menu=is_free_page_address(planned.slug))
            elif page.slug != planned.slug:
                # Saving leaves the page's old address to it (blog.signals): a redirect_from
                # naming that address finds it taken, rather than inserting it twice.
                self.taken_paths.add(page.get_absolute_url())
            page.title = document.title[:TITLE_LENGTH]
            page.slug = planned.slug
            page.body = planned.body
            page.description = document.description[:300]
            page.hard_wrap = document.hard_wrap
            page.markdown = document.is_markdown
            page.is_published = document.published
            page.source_path = document.source.key
            page.source_hash = planned.hash
            page.front_matter = document.front_matter
            page.save()
            self._add_old_urls(planned, page=page)

    def _add_old_urls(self, planned: _Planned, *, post: Post | None = None, page=None) -> None:
        rows, conflicts = self._keep_old_paths(
            planned.document.old_paths(), planned, post=post, page=page
        )
        OldURL.objects.bulk_create(rows)
        self.report.old_urls_added += len(rows)
        for message in conflicts:
            self.report.note(planned.key, "conflict", message)

    def _keep_old_paths(
        self, paths: list[str], planned: _Planned, *, post: Post | None = None, page=None
    ) -> tuple[list[OldURL], list[str]]:
        """The new OldURL rows for a post's or page's old addresses (rows that lead elsewhere
        are pointed at it here), and a message for each address another post already has.

        Old addresses point at the post or page itself, so a later change of slug still
        lands right. Rows are never deleted here: the admin keeps addresses of moved posts."""
        paths = [path for path in paths if path != planned.new_url]
        if not paths:
            return [], []
        # Paths no row had when the run started, and no earlier post of this run took, need
        # no lookup (the common case: a first import).
        taken = [path for path in paths if path in self.taken_paths]
        existing = {row.path: row for row in OldURL.objects.filter(path__in=taken)} if taken else {}
        self.taken_paths.update(paths)
        new_rows, conflicts = [], []
        for path in paths:
            if self._answered_by_the_site(path, page):
                conflicts.append(
                    _(
                        "old address %(path)s is a page of the new site: readers who follow it "
                        "land there, not here"
                    )
                    % {"path": path}
                )
            row = existing.get(path)
            if row is None:
                new_rows.append(OldURL(path=path, post=post, page=page))
            elif (post and row.post_id == post.pk) or (page and row.page_id == page.pk):
                continue
            elif row.post_id or row.page_id:
                conflicts.append(_conflict(path))
            else:
                row.post, row.page, row.target = post, page, ""
                row.save(update_fields=["post", "page", "target"])
        return new_rows, conflicts

    def _answered_by_the_site(self, path: str, page: Page | None) -> bool:
        """Whether another part of the new site answers this old address itself (the contact
        form at /contact/, the archives, another page): old addresses only answer a 404."""
        try:
            match = resolve(path)
        except Resolver404:
            return False
        if match.view_name in ("blog:post", "blog:year", "blog:month", "blog:day"):
            return False  # answered only when that post or month exists: rare, and then right
        if match.view_name == "blog:page":
            if self.page_slugs is None:
                self.page_slugs = set(Page.objects.values_list("slug", flat=True))
                self.page_slugs.update(planned.slug for planned in self.pages)
            slug = match.kwargs.get("slug")
            return slug in self.page_slugs and not (page and page.slug == slug)
        return True

    # --- addresses that lead to lists, files and the search ---------------------------

    def collect_archive_targets(self) -> None:
        """Old tag and category pages, for the tags and categories of published posts only
        (jekyll-archives made no page for the others)."""
        if self.dry_run:
            return
        listed: set[tuple[int, str, str]] = set()  # (site, kind, name): a tag has many posts
        posts = [
            (planned, planned.document.tags, planned.document.categories)
            for planned in self.posts
            if planned.document.is_published
        ]
        for item, tags, categories in posts + self._unchanged_terms():
            site = item.source.site
            for name in tags:
                tag = self.tags.get(name.lower())
                target = self._reverse("blog:tag", tag.slug if tag else "", item)
                if target and (id(site), "tag", name) not in listed:
                    listed.add((id(site), "tag", name))
                    for path in jekyll.archive_paths(site, "tag", self.tag_dir, name):
                        self.targets.setdefault(path, target)
            for key in categories:
                target = self._reverse("blog:category", category_slug(key), item)
                if target and (id(site), "category", key) not in listed:
                    listed.add((id(site), "category", key))
                    for path in jekyll.archive_paths(site, "category", self.category_dir, key):
                        self.targets.setdefault(path, target)

    def collect_term_pages(self) -> None:
        """Hand-made pages of one tag or category (`tag: ess`, no text) lead to its new page,
        or home when no published post carries it."""
        if self.dry_run:
            return
        for document in self.term_pages:
            kind, name = document.old_target.split(":", 1)
            target = None
            if kind == "tag" and (tag := self.tags.get(name.lower())) is not None:
                if Post.objects.published().filter(tags=tag).exists():
                    target = reverse("blog:tag", kwargs={"slug": tag.slug})
            elif kind == "category":
                slug = category_slug(name)
                if Post.objects.published().filter(categories__slug=slug).exists():
                    target = reverse("blog:category", kwargs={"slug": slug})
            document.old_target = target or reverse("blog:home")
            self.skipped_page_target(document)

    def _unchanged_terms(self) -> list[tuple[_Unchanged, list[str], list[str]]]:
        """The tags and categories of published posts this run did not read again, as the
        database has them: a run with other `--tag-dir` or `--category-dir`, or one after an
        interrupted import, redirects their old tag and category pages too."""
        by_pk = {item.pk: item for item in self.unchanged}
        terms: dict[int, tuple[list[str], list[str]]] = {}
        post_type = ContentType.objects.get_for_model(Post)
        for chunk in _chunks(list(by_pk)):
            published = list(
                Post.objects.published().filter(pk__in=chunk).values_list("pk", flat=True)
            )
            terms.update((pk, ([], [])) for pk in published)
            for pk, name in TaggedItem.objects.filter(
                content_type=post_type, object_id__in=published
            ).values_list("object_id", "tag__name"):
                terms[pk][0].append(name)
            for pk, slug, name in Post.categories.through.objects.filter(
                post_id__in=published
            ).values_list("post_id", "category__slug", "category__name"):
                # The key as the old site wrote it, while the category's name still says it.
                terms[pk][1].append(name if category_slug(name) == slug else slug)
        return [(by_pk[pk], tags, categories) for pk, (tags, categories) in sorted(terms.items())]

    def _reverse(self, name: str, slug: str, planned: _Planned | _Unchanged) -> str | None:
        if (name, slug) in self.reversed:
            return self.reversed[(name, slug)]
        try:
            url = self.reversed[(name, slug)] = reverse(name, kwargs={"slug": slug})
            return url
        except NoReverseMatch:
            self.report.note(
                planned.key,
                "site",
                _("no address on the new site for %(slug)r; its old page is not redirected")
                % {"slug": slug},
            )
            return None

    def skipped_page_target(self, document: jekyll.Document) -> None:
        named = {
            "home": "blog:home",
            "rss": "blog:feed",
            "atom": "blog:atom",
            "tags": "blog:tags",
            "categories": "blog:categories",
            "archives": "blog:archives",
        }
        if document.is_published and document.data.get("redirect_to"):
            self.redirect_posts += 1  # a redirect_to post, still on the old home page's pages
        if document.old_target.startswith(("tag:", "category:")):
            self.term_pages.append(document)  # its tag or category exists once terms are in
            return
        if document.old_target == "search":
            target = SEARCH_PATH
        elif document.old_target in named:
            target = reverse(named[document.old_target])
        else:
            target = document.old_target
        if target:
            for path in document.old_paths():
                if path != target:
                    self.targets.setdefault(path, target)

    def collect_paginated_pages(self, sites: list[jekyll.SiteConfig]) -> None:
        """The old home page's pages (`/page2/`…) lead to the new home page showing their
        first post, though the two sites put a different number of posts on a page."""
        if self.dry_run:
            return
        published = None
        for site in sites:
            if not site.paginate:
                continue
            if published is None:
                published = Post.objects.published().count()
            home = reverse("blog:home")
            # Jekyll's paginator also counted the redirect_to posts, which are not imported.
            listed = published + self.redirect_posts
            last = max(1, math.ceil(published / POSTS_PER_PAGE))
            for number in range(2, math.ceil(listed / site.paginate) + 1):
                first = (number - 1) * site.paginate
                page = min(first // POSTS_PER_PAGE + 1, last)
                path = jekyll.old_path(
                    site.baseurl + site.paginate_path.replace(":num", str(number))
                )
                self.targets.setdefault(path, home + (f"?page={page}" if page > 1 else ""))

    def collect_static_files(self, found: jekyll.Discovery) -> None:
        """Every image and document the old site served, linked from a post or not (from
        other sites, from search engines): copied to media storage, its address leading
        there. Files posts link to were copied with them."""
        if self.dry_run:
            return
        for site, path, rel in found.static_files:
            if rel not in self.copied:
                try:
                    self.copied[rel], written = copy_to_storage(path, rel)
                except OSError as error:
                    self.report.add(rel, jekyll.PAGE, FAILED, str(error))
                    continue
                self.report.files_copied += written
            url = self.copied[rel]
            for old in jekyll.with_and_without_baseurl(site, f"/{rel}"):
                self.targets.setdefault(old, url)

    def collect_date_archives(self, sites: list[jekyll.SiteConfig]) -> None:
        """Old year, month and day pages (jekyll-archives) where the new site does not answer
        them itself: under a baseurl, or at the plugin's own permalinks. With a baseurl, the
        sitemap and robots.txt Jekyll wrote there too."""
        if self.dry_run:
            return
        dates: set[date] | None = None
        for site in sites:
            for name, view in (("sitemap.xml", "blog:sitemap"), ("robots.txt", "blog:robots")):
                if site.baseurl:
                    self.targets.setdefault(f"{site.baseurl}/{name}", reverse(view))
            patterns = {
                kind: site.archive_permalinks.get(kind) or DATE_ARCHIVES[kind]
                for kind in site.date_archives
            }
            if not patterns or (
                not site.baseurl and all(DATE_ARCHIVES[k] == p for k, p in patterns.items())
            ):
                continue
            if dates is None:
                dates = {
                    timezone.localtime(published_at, site.timezone).date()
                    for published_at in Post.objects.published().values_list(
                        "published_at", flat=True
                    )
                }
            for day in sorted(dates):
                year, month = f"{day:%Y}", f"{day:%m}"
                month_page = reverse("blog:month", kwargs={"year": year, "month": month})
                targets = {
                    "year": reverse("blog:year", args=[day.year]),
                    "month": month_page,
                    "day": month_page,
                }
                for kind, pattern in patterns.items():
                    filled = (
                        pattern.replace(":year", year)
                        .replace(":month", month)
                        .replace(":day", f"{day:%d}")
                    )
                    # Links in posts lost the baseurl with `{{ site.baseurl }}`: both forms.
                    for path in jekyll.with_and_without_baseurl(site, filled):
                        # The new site's own addresses (/2019/03/04/) answer themselves.
                        if path != targets[kind] and not _answered_as_an_archive(path):
                            self.targets.setdefault(path, targets[kind])

    def collect_plugin_feeds(self, sites: list[jekyll.SiteConfig]) -> None:
        """The feeds jekyll-feed generated (Atom) have no file: their addresses are the
        plugin's, for the site and for the categories and tags it was told to follow."""
        if self.dry_run:
            return
        for site in sites:
            if site.feed_plugin_path:
                path = jekyll.old_path(f"{site.baseurl}/{site.feed_plugin_path}")
                self.targets.setdefault(path, reverse("blog:atom"))
            for name in site.feed_categories:
                slug = category_slug(name)
                if Category.objects.filter(slug=slug).exists():
                    path = jekyll.old_path(f"{site.baseurl}/feed/{name}.xml")
                    self.targets.setdefault(path, reverse("blog:category-atom", args=[slug]))
            if site.feed_tags_path:
                for tag in Tag.objects.filter(post__isnull=False).distinct():
                    path = jekyll.old_path(f"{site.baseurl}{site.feed_tags_path}{tag.name}.xml")
                    self.targets.setdefault(path, reverse("blog:tag-atom", args=[tag.slug]))

    def refresh_renamed_terms(self) -> None:
        """New posts' entries show the category and tag names read when the import began: a
        category or tag renamed meanwhile (in the admin) is shown as it is now."""
        if self.dry_run:
            return
        renamed: dict[type, list[int]] = {Category: [], Tag: []}
        for model, read in ((Category, self.categories), (Tag, self.tags)):
            known = {term.pk: (term.name, term.slug) for term in read.values() if term.pk}
            for chunk in _chunks(list(known)):
                renamed[model] += [
                    pk
                    for pk, name, slug in model.objects.filter(pk__in=chunk).values_list(
                        "pk", "name", "slug"
                    )
                    if known[pk] != (name, slug)
                ]
        posts = set(
            Post.categories.through.objects.filter(category_id__in=renamed[Category]).values_list(
                "post_id", flat=True
            )
        )
        posts.update(
            Post.tags.through.objects.filter(
                tag_id__in=renamed[Tag], content_type=ContentType.objects.get_for_model(Post)
            ).values_list("object_id", flat=True)
        )
        refresh_summaries(posts)

    def collect_site_redirects(self, sites: list[jekyll.SiteConfig]) -> None:
        """`_data/redirects.yml` from an export: the site's word, over any address computed."""
        for site in sites:
            self.targets.update(site.redirects)

    def keep_targets(self) -> None:
        """Create or update the fixed-target old addresses in a few bulk queries."""
        targets = {path: target for path, target in self.targets.items() if path != target}
        if self.dry_run or not targets:
            return
        existing: dict[str, OldURL] = {}
        for chunk in _chunks(list(targets)):
            existing.update((row.path, row) for row in OldURL.objects.filter(path__in=chunk))
        new_rows = [
            OldURL(path=path, target=target)
            for path, target in targets.items()
            if path not in existing
        ]
        changed = []
        for path, row in existing.items():
            if not row.post_id and not row.page_id and row.target != targets[path]:
                row.target = targets[path]
                changed.append(row)
        OldURL.objects.bulk_create(new_rows, batch_size=CHUNK)
        OldURL.objects.bulk_update(changed, ["target"], batch_size=CHUNK)
        self.report.old_urls_added += len(new_rows)


def _conflict(path: str) -> str:
    return _("old address %(path)s already leads to another post or page") % {"path": path}


def default_workers() -> int:
    """The cores this process may use: an import is the machine's main job while it runs."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# What `_render` gives instead of a post's fields when its text cannot be rendered.
RENDER_ERROR = "render_error"


def _render(task: tuple[RenderInput, EntryInput | None]) -> dict[str, object]:
    """`render_post_and_entry`, or the reason the post cannot be: one such post fails alone."""
    try:
        return render_post_and_entry(task)
    except RenderError as error:
        return {RENDER_ERROR: str(error)}


@contextmanager
def rendered_posts(
    sources: list[tuple[RenderInput, EntryInput | None]], workers: int
) -> Iterator[Iterator[dict]]:
    """Each source's generated fields (`render_post_and_entry`), in order.

    With enough posts, `workers` processes render them while this one writes the first ones;
    otherwise they are rendered here, one at a time as they are asked for.
    """
    if (
        workers < 2
        or len(sources) < PARALLEL_MIN_POSTS
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        yield map(_render, sources)
        return
    # Forked workers start at once, already set up (settings, URLs, any Markdown instance
    # built). They only render: the database connection they inherit is never used.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool.map(_render, sources, chunksize=16)
    finally:
        pool.shutdown(cancel_futures=True)


def category_slug(key: str) -> str:
    """The Category.slug for a Jekyll key: the key as Jekyll lower-cases it for URLs
    (`good_job`), made URL-safe when it is not (`Données` → `donnees`)."""
    lowered = jekyll.nfc(key).lower()
    if re.fullmatch(r"[a-z0-9_-]+", lowered):
        return lowered[:100]
    return jekyll.ascii_slug(lowered, 100) or "categorie-" + jekyll.content_hash(lowered)[:8]


def copy_to_storage(path: os.PathLike, name: str) -> tuple[str, bool]:
    """Copy a file into media storage under `name`: its media URL, and whether it was written
    (an identical file already there is kept)."""
    size = os.path.getsize(path)
    if default_storage.exists(name):
        if default_storage.size(name) == size:
            if _copied_after(name, path):
                # Same size, and copied after the file last changed: a re-run reads no image.
                return default_storage.url(name), False
            if _same_content(name, path):
                return default_storage.url(name), False
        default_storage.delete(name)
    with open(path, "rb") as source:
        saved = default_storage.save(name, File(source))
    return default_storage.url(saved), True


def _same_content(name: str, path: os.PathLike) -> bool:
    """Compared in chunks; when equal, the copy is marked as newer than its source, so that
    the next run takes the shortcut (a fresh clone or an rsync makes every source newer)."""
    try:
        stored = default_storage.path(name)
    except NotImplementedError:
        with default_storage.open(name, "rb") as copy, open(path, "rb") as source:
            return copy.read() == source.read()
    if not filecmp.cmp(stored, path, shallow=False):
        return False
    marked = max(time.time(), os.path.getmtime(path) + 0.001)
    os.utime(stored, (marked, marked))
    return True


def _answered_as_an_archive(path: str) -> bool:
    """Whether the new site answers this path with a date page of its own (/2019/03/04/)."""
    try:
        return resolve(path).view_name in ("blog:year", "blog:month", "blog:day")
    except Resolver404:
        return False


def _copied_after(name: str, path: os.PathLike) -> bool:
    try:
        copied = default_storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        return False
    return copied > os.path.getmtime(path)


def import_site(
    paths: Iterable[str | os.PathLike],
    *,
    dry_run: bool = False,
    tag_dir: str | None = None,
    category_dir: str | None = None,
    stdout: TextIO | OutputWrapper | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import Jekyll sites, `_posts` folders or single files; see ../shared/JEKYLL.md.

    `tag_dir` and `category_dir` say where the old site served its tag and category pages;
    None means: the site's jekyll-archives permalinks, else jekyll-archives' `tag`/`category`.
    A file that cannot be read is reported and the others imported; each post is written in
    its own transaction. With `dry_run`, everything is read and reported, nothing written.
    Posts are rendered in `workers` processes (default: one per core) when there are many.
    """
    report = ImportReport(dry_run=dry_run)
    found = jekyll.discover(paths)
    for site in found.sites:
        for message in site.notes:
            report.note(str(site.root), "site", message)
    for left in found.skipped:
        report.add(left.path, left.kind, SKIPPED, left.reason)
    for left in found.failed:
        report.add(left.path, left.kind, FAILED, left.reason)

    run = _Import(
        report,
        dry_run=dry_run,
        tag_dir=tag_dir,
        category_dir=category_dir,
        stdout=stdout,
        workers=default_workers() if workers is None else workers,
    )
    run.load_existing_posts()
    posts, pages = [], []
    for source in found.sources:
        if run.is_unchanged(source):
            report.add(source.key, source.kind, UNCHANGED)
            continue
        try:
            document = jekyll.read_document(source)
        except jekyll.JekyllError as error:
            report.add(source.key, source.kind, FAILED, str(error))
            continue
        if document is None:
            # No front matter outside _posts: a static file, as in Jekyll. A page written
            # in full by hand (cv.html) is no post nor page text: said, not imported.
            if PurePosixPath(source.name).suffix.lower() in jekyll.HTML_EXTENSIONS:
                report.add(source.key, source.kind, SKIPPED, _(STATIC_HTML))
            continue
        if document.skip_reason:
            report.add(source.key, source.kind, SKIPPED, document.skip_reason)
            run.skipped_page_target(document)
        elif source.kind == jekyll.PAGE:
            pages.append(document)
        else:
            posts.append(document)

    run.plan_posts(posts)
    run.plan_pages(pages)
    for planned in list(run.posts + run.pages):
        try:
            run.resolve(planned)
        except Exception as error:  # noqa: BLE001 - one post's text must not stop the import
            # Liquid or markup no rule foresaw: this file fails alone, with its reason.
            logger.exception("Import of %s failed while reading its text", planned.key)
            (run.posts if planned in run.posts else run.pages).remove(planned)
            report.add(
                planned.key,
                planned.document.source.kind,
                FAILED,
                _("its text could not be read (%(error)s)") % {"error": type(error).__name__},
            )
    # Cached pages are invalidated once, at the end, rather than on every save of the import.
    with nullcontext() if dry_run else one_bump():
        run.prepare_terms()
        run.write_all()
        run.refresh_renamed_terms()
        run.collect_archive_targets()
        run.collect_term_pages()
        run.collect_plugin_feeds(found.sites)
        run.collect_paginated_pages(found.sites)
        run.collect_date_archives(found.sites)
        run.collect_static_files(found)
        run.collect_site_redirects(found.sites)
        run.keep_targets()
        if not dry_run:
            fill_identity(found.sites)
    if not dry_run and report.count(CREATED):
        refresh_query_statistics()
    return report


def refresh_query_statistics() -> None:
    """Let SQLite's planner see the new data after a bulk load.

    Without statistics, SQLite walks posts by date and checks each one's tags on a tag page
    (2.7x slower at 10,000 posts than at 100); PostgreSQL's autovacuum analyses by itself.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def fill_identity(sites: list[jekyll.SiteConfig]) -> None:
    """The site's title, description and author from `_config.yml`, where the author has not
    set them in the admin yet; her own words are never overwritten."""
    values: dict[str, str] = {}
    for site in sites:
        for key, value in site.identity.items():
            values.setdefault(key, value)
    if not values:
        return
    identity = SiteIdentity.objects.first() or SiteIdentity()
    changed = False
    for key, value in values.items():
        model_field = SiteIdentity._meta.get_field(key)
        if not getattr(identity, key):
            setattr(identity, key, value[: model_field.max_length])
            changed = True
    if changed:
        identity.save()
