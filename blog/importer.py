"""Writing a Jekyll site into the blog: posts, pages, categories, tags, files and old addresses.

blog/jekyll.py reads the files; this module decides what is new, changed or unchanged and writes
it, one transaction per post. `import_site` is what `manage.py import_posts` runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TextIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import OutputWrapper
from django.db import DatabaseError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from taggit.models import Tag

from blog import jekyll
from blog.cache import one_bump
from blog.models import Category, OldURL, Page, Post, SiteIdentity

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"
STATUSES = (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)

# Top-level addresses of the new site that a page slug must not shadow. (`contact` is left
# out on purpose: an old /contact/ page is best answered by the new contact form.)
RESERVED_PAGE_SLUGS = frozenset({"search", "archives", "categories", "tags", "draft", "media"})
# Rows per query when looking up many old addresses (SQLite's variable limit, PostgreSQL's
# statement size).
CHUNK = 500
SEARCH_PATH = "/search/"


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
    new_url: str | None = None
    body: str = ""
    excerpt: str = ""
    files: list[jekyll.LocalFile] = field(default_factory=list)
    hash: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.document.source.key


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
    ) -> None:
        self.report = report
        self.dry_run = dry_run
        self.tag_dir = tag_dir
        self.category_dir = category_dir
        self.stdout = stdout
        isatty = getattr(stdout, "isatty", None)
        self.progress = bool(isatty and isatty())
        self.posts: list[_Planned] = []
        self.pages: list[_Planned] = []
        self.targets: dict[str, str] = {}  # old path → fixed new address
        self.copied: dict[str, str] = {}  # storage name → media URL, once per run
        self.by_rel: dict[tuple[str, str], str] = {}  # (site root, relative path) → new URL
        self.by_name: dict[tuple[str, str], str] = {}  # (site root, post name) → new URL
        self.by_any_name: dict[str, str] = {}
        self.categories: dict[str, Category] = {}
        self.tags: dict[str, Tag] = {}
        self.taken_paths: set[str] = set()  # old paths that already have an OldURL row
        self.reversed: dict[tuple[str, str], str] = {}

    # --- planning ---------------------------------------------------------------------

    def plan_posts(self, documents: list[jekyll.Document]) -> None:
        existing: dict[str, tuple[int, str, str]] = {}
        taken: set[str] = set()
        for pk, slug, source_path, source_hash in Post.objects.values_list(
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
            if document.date is not None:
                planned.new_url = Post(slug=slug, published_at=document.date).get_absolute_url()
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
            planned.new_url = reverse("blog:page", kwargs={"slug": slug})
            self.pages.append(planned)
            self._index(planned)

    def _index(self, planned: _Planned) -> None:
        """Where `{% link %}` and `{% post_url %}` find a document's new address."""
        if planned.new_url is None:
            return
        source = planned.document.source
        root = str(source.site.root or "")
        if source.rel:
            self.by_rel[(root, source.rel)] = planned.new_url
        if source.kind != jekyll.PAGE:
            name = source.name.rsplit(".", 1)[0]
            for key in {name, name.rsplit("/", 1)[-1]}:
                self.by_name[(root, key)] = planned.new_url
                self.by_any_name.setdefault(key, planned.new_url)

    def _context(self, document: jekyll.Document) -> jekyll.LiquidContext:
        site = document.source.site
        root = str(site.root or "")

        def post_url(name: str) -> str | None:
            name = name.strip().lstrip("/")
            for key in (name, name.rsplit(".", 1)[0]):
                url = self.by_name.get((root, key)) or self.by_any_name.get(key)
                if url:
                    return url
            return None

        def link(path: str) -> str | None:
            path = jekyll.nfc(path.strip().lstrip("/"))
            url = self.by_rel.get((root, path))
            if url:
                return url
            # A static file: its old address, which the file step then copies and rewrites.
            files_root = site.files_root
            if files_root is not None and (files_root / path).is_file():
                return site.baseurl + "/" + path
            return None

        return jekyll.LiquidContext(site_url=settings.SITE_URL, post_url=post_url, link=link)

    # --- resolving: Liquid, files, hash ---------------------------------------------------

    def resolve(self, planned: _Planned) -> None:
        document = planned.document
        body, excerpt = document.body, document.excerpt
        if document.render_liquid:
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
            }
            seen: set[tuple[str, str]] = set()
            for kind, tag in problems:
                if (kind, tag) not in seen:
                    seen.add((kind, tag))
                    code = "link" if kind == jekyll.UNRESOLVED else "liquid"
                    planned.notes.append((code, messages[kind] % {"tag": tag}))
        planned.body = self._rewrite_files(body, planned)
        planned.excerpt = self._rewrite_files(excerpt, planned)
        self._front_matter_image(planned)
        site = document.source.site
        planned.hash = jekyll.content_hash(
            document.raw, site.fingerprint, planned.slug, planned.body, planned.excerpt
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
            url = default_storage.url(local.name) + local.suffix
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
        wanted = [
            path for planned in self.posts + self.pages for path in planned.document.old_paths()
        ]
        for chunk in _chunks(wanted):
            self.taken_paths.update(
                OldURL.objects.filter(path__in=chunk).values_list("path", flat=True)
            )
        todo = []
        for planned in self.posts + self.pages:
            kind = planned.document.source.kind
            if planned.existing and planned.existing[2] == planned.hash:
                self.report.add(planned.key, kind, UNCHANGED)
            else:
                todo.append(planned)
        for number, planned in enumerate(todo, 1):
            if self.progress:
                self._progress(number, len(todo))
            status = UPDATED if planned.existing else CREATED
            kind = planned.document.source.kind
            for code, message in planned.document.notes + planned.notes:
                self.report.note(planned.key, code, message)
            if self.dry_run:
                self.report.add(planned.key, kind, status)
                continue
            try:
                self._copy_files(planned)
                if kind == jekyll.PAGE:
                    self._write_page(planned)
                else:
                    self._write_post(planned)
            except (DatabaseError, OSError) as error:
                self.report.add(planned.key, kind, FAILED, str(error))
            else:
                self.report.add(planned.key, kind, status)
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
            self.copied[local.name] = copy_to_storage(local.path, local.name)
            self.report.files_copied += 1

    def _write_post(self, planned: _Planned) -> None:
        document = planned.document
        site = document.source.site
        with transaction.atomic():
            post = None
            if planned.existing:
                post = Post.objects.filter(pk=planned.existing[0]).first()
            post = post or Post()
            post.title = document.title[:300]
            post.slug = planned.slug
            post.body = planned.body
            post.excerpt = planned.excerpt
            post.excerpt_separator = document.excerpt_separator[:50]
            post.hard_wrap = site.hard_wrap
            post.description = document.description[:300]
            post.status = Post.Status.PUBLISHED if document.is_published else Post.Status.DRAFT
            post.published_at = document.date
            post.updated_at = document.updated_at
            post.source_path = document.source.key
            post.source_hash = planned.hash
            post.old_permalink = document.old_permalink[:500]
            post.front_matter = document.front_matter
            post.save()
            # `MixedCase` and `Mixedcase` are one category: one row.
            categories = list(
                {
                    category_slug(key): self.categories[category_slug(key)]
                    for key in document.categories
                }.values()
            )
            if planned.existing:
                post.categories.set(categories)
            else:  # a new post has no rows yet: one insert, no lookups
                through = Post.categories.through
                through.objects.bulk_create(
                    through(post_id=post.pk, category_id=category.pk) for category in categories
                )
            self._set_tags(post, [self.tags[name.lower()] for name in document.tags], planned)
            self._keep_old_paths(document.old_paths(), planned, post=post)

    def _set_tags(self, post: Post, tags: list[Tag], planned: _Planned) -> None:
        """taggit's `set` costs a get_or_create per tag; the rows are written in bulk here
        (nothing but the page cache listens to them, and the import bumps it once)."""
        through = Post.tags.through
        content_type = ContentType.objects.get_for_model(Post)
        items = through.objects.filter(content_type=content_type, object_id=post.pk)
        wanted = {tag.pk: tag for tag in tags}
        existing = set(items.values_list("tag_id", flat=True)) if planned.existing else set()
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
            page = page or Page()
            page.title = document.title[:300]
            page.slug = planned.slug
            page.body = planned.body
            page.description = document.description[:300]
            page.hard_wrap = document.source.site.hard_wrap
            page.is_published = document.published
            page.source_path = document.source.key
            page.source_hash = planned.hash
            page.front_matter = document.front_matter
            page.save()
            self._keep_old_paths(document.old_paths(), planned, page=page)

    def _keep_old_paths(
        self, paths: list[str], planned: _Planned, *, post: Post | None = None, page=None
    ) -> None:
        """Old addresses point at the post or page itself, so a later change of slug still
        lands right. Rows are never deleted here: the admin keeps addresses of moved posts."""
        paths = [path for path in paths if path != planned.new_url]
        if not paths:
            return
        # Paths no row had when the run started, and no earlier post of this run took, need
        # no lookup (the common case: a first import).
        taken = [path for path in paths if path in self.taken_paths]
        existing = {row.path: row for row in OldURL.objects.filter(path__in=taken)} if taken else {}
        self.taken_paths.update(paths)
        new_rows = []
        for path in paths:
            row = existing.get(path)
            if row is None:
                new_rows.append(OldURL(path=path, post=post, page=page))
            elif (post and row.post_id == post.pk) or (page and row.page_id == page.pk):
                continue
            elif row.post_id or row.page_id:
                self.report.note(
                    planned.key,
                    "conflict",
                    _("old address %(path)s already leads to another post or page")
                    % {"path": path},
                )
            else:
                row.post, row.page, row.target = post, page, ""
                row.save(update_fields=["post", "page", "target"])
        OldURL.objects.bulk_create(new_rows)
        self.report.old_urls_added += len(new_rows)

    # --- addresses that lead to lists, files and the search ---------------------------

    def collect_archive_targets(self) -> None:
        """Old tag and category pages, for the tags and categories of published posts only
        (jekyll-archives made no page for the others)."""
        if self.dry_run:
            return
        for planned in self.posts:
            document = planned.document
            if not document.is_published:
                continue
            site = document.source.site
            for name in document.tags:
                tag = self.tags.get(name.lower())
                target = self._reverse("blog:tag", tag.slug if tag else "", planned)
                if target:
                    for path in jekyll.archive_paths(site, "tag", self.tag_dir, name):
                        self.targets.setdefault(path, target)
            for key in document.categories:
                target = self._reverse("blog:category", category_slug(key), planned)
                if target:
                    for path in jekyll.archive_paths(site, "category", self.category_dir, key):
                        self.targets.setdefault(path, target)

    def _reverse(self, name: str, slug: str, planned: _Planned) -> str | None:
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
        if document.old_target == "search":
            target = SEARCH_PATH
        elif document.old_target == "home":
            target = reverse("blog:home")
        else:
            target = document.old_target
        if target:
            for path in document.old_paths():
                if path != target:
                    self.targets.setdefault(path, target)

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


def category_slug(key: str) -> str:
    """The Category.slug for a Jekyll key: the key as Jekyll lower-cases it for URLs
    (`good_job`), made URL-safe when it is not (`Données` → `donnees`)."""
    lowered = jekyll.nfc(key).lower()
    if re.fullmatch(r"[a-z0-9_-]+", lowered):
        return lowered[:100]
    return jekyll.ascii_slug(lowered, 100) or "categorie-" + jekyll.content_hash(lowered)[:8]


def copy_to_storage(path: os.PathLike, name: str) -> str:
    """Copy a file into media storage under `name`; an identical file already there is kept."""
    size = os.path.getsize(path)
    if default_storage.exists(name):
        if default_storage.size(name) == size:
            with default_storage.open(name, "rb") as stored, open(path, "rb") as source:
                if stored.read() == source.read():
                    return default_storage.url(name)
        default_storage.delete(name)
    with open(path, "rb") as source:
        saved = default_storage.save(name, File(source))
    return default_storage.url(saved)


def import_site(
    paths: Iterable[str | os.PathLike],
    *,
    dry_run: bool = False,
    tag_dir: str | None = None,
    category_dir: str | None = None,
    stdout: TextIO | OutputWrapper | None = None,
) -> ImportReport:
    """Import Jekyll sites, `_posts` folders or single files; see ../shared/JEKYLL.md.

    `tag_dir` and `category_dir` say where the old site served its tag and category pages;
    None means: the site's jekyll-archives permalinks, else jekyll-archives' `tag`/`category`.
    A file that cannot be read is reported and the others imported; each post is written in
    its own transaction. With `dry_run`, everything is read and reported, nothing written.
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
        report, dry_run=dry_run, tag_dir=tag_dir, category_dir=category_dir, stdout=stdout
    )
    posts, pages = [], []
    for source in found.sources:
        try:
            document = jekyll.read_document(source)
        except jekyll.JekyllError as error:
            report.add(source.key, source.kind, FAILED, str(error))
            continue
        if document is None:
            continue  # no front matter outside _posts: a static file, as in Jekyll
        if document.skip_reason:
            report.add(source.key, source.kind, SKIPPED, document.skip_reason)
            run.skipped_page_target(document)
        elif source.kind == jekyll.PAGE:
            pages.append(document)
        else:
            posts.append(document)

    run.plan_posts(posts)
    run.plan_pages(pages)
    for planned in run.posts + run.pages:
        run.resolve(planned)
    # Cached pages are invalidated once, at the end, rather than on every save of the import.
    with nullcontext() if dry_run else one_bump():
        run.prepare_terms()
        run.write_all()
        run.collect_archive_targets()
        run.keep_targets()
        if not dry_run:
            fill_identity(found.sites)
    return report


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
