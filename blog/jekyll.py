"""A Jekyll site read into plain data: files, front matter, dates, categories and tags,
permalinks, Liquid and the local files a text points at. Nothing here writes to the database
(blog/importer.py does); every rule follows Jekyll 4's own code (see ../shared/JEKYLL.md)."""

from __future__ import annotations

import email.utils
import fnmatch
import hashlib
import html
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from glob import glob, has_magic
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext as _
from unidecode import unidecode

from blog.markdown_ext import FENCE_RE

# libyaml when PyYAML was built with it: reading 5,000 front matters is then several times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Every scalar as the text written, to give `on` or `2017.10` back as tags.
YAML_TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

# Bumped when the importer's output for the same file changes, so a re-run rewrites every post.
IMPORTER_VERSION = "3"

POST = "post"
DRAFT = "draft"
PAGE = "page"
FILE = "file"  # a file named on the command line, whatever its name

# Jekyll's Document::DATE_FILENAME_MATCHER and DATELESS_FILENAME_MATCHER.
POST_NAME = re.compile(r"\A(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)\Z")
DATELESS_NAME = re.compile(r"\A(?:.+/)*(.*)(\.[^.]+)\Z")
# Jekyll's Document::YAML_FRONT_MATTER_REGEXP.
FRONT_MATTER = re.compile(r"\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)", re.M | re.S)

PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
DEFAULT_MARKDOWN_EXTENSIONS = ("markdown", "mkdown", "mkdn", "mkd", "md")
HTML_EXTENSIONS = (".html", ".htm")
# Files with front matter that produce no page a reader reads: feeds, JSON indexes, robots.
GENERATED_EXTENSIONS = (".xml", ".json", ".txt", ".rss", ".atom", ".webmanifest")
# A feed's root element, as a Liquid template writes it.
RSS_FEED = re.compile(r"<(?:rss|rdf:RDF)\b")
ATOM_FEED = re.compile(r"<feed\b[^>]*\bxmlns=[\"']http://www\.w3\.org/2005/Atom")
# Folders Jekyll never renders (leading `_` or `.`) plus the usual homes of static files.
ASSET_FOLDERS = frozenset(
    {"assets", "img", "images", "image", "css", "js", "fonts", "static", "media", "files"}
)
ALWAYS_EXCLUDED = frozenset({"node_modules", "vendor", "gemfiles"})
SEARCH_NAMES = frozenset({"search", "recherche", "rechercher", "chercher"})
LISTING = re.compile(
    r"\{%-?\s*for\s+[\w, ]+\s+in\s+(?:site\.(?:posts|tags|categories|pages)|paginator\.posts)"
)
# Keys that become model fields; every other key is kept in Post.front_matter.
CONSUMED_KEYS = frozenset(
    {
        "title",
        "date",
        "category",
        "categories",
        "tag",
        "tags",
        "published",
        "excerpt",
        "excerpt_separator",
        "description",
        "last_modified_at",
        "hard_wrap",
        "feed_id",
    }
)
# What a link or an `src` may point at that the old site served as a file.
FILE_EXTENSIONS = frozenset(
    {
        *(".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".avif", ".bmp", ".ico", ".tif"),
        *(".pdf", ".odt", ".ods", ".odp", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx"),
        *(".epub", ".csv", ".txt", ".rtf", ".zip", ".gz", ".tgz", ".tar", ".7z", ".tiff"),
        *(".mp3", ".ogg", ".oga", ".wav", ".flac", ".m4a", ".mp4", ".webm", ".ogv", ".mov"),
        *(".avi", ".vtt", ".gpx", ".kml", ".json", ".geojson", ".ics"),
    }
)
PAGE_LIKE_EXTENSIONS = frozenset({"", ".html", ".htm", ".php", ".xml", ".md", ".markdown"})

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS += ("September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class JekyllError(Exception):
    """A file or site the importer cannot take; the message says why, in the reader's language."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- Site ----------------------------------------------------------------------------------


@dataclass
class SiteConfig:
    """What `_config.yml` and `_data/categories.yml` say, with Jekyll's defaults filled in."""

    root: Path | None
    timezone: ZoneInfo
    permalink: str
    permalink_style: str
    excerpt_separator: str  # "" means: the new site's EXCERPT_SEPARATOR
    hard_wrap: bool
    # kramdown's parse_block_html: markdown inside HTML blocks is read as markdown.
    parse_block_html: bool = False
    url: str = ""
    baseurl: str = ""
    defaults: list = field(default_factory=list)
    categories: dict[str, dict[str, str]] = field(default_factory=dict)
    markdown_extensions: tuple[str, ...] = DEFAULT_MARKDOWN_EXTENSIONS
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    archive_permalinks: dict[str, str] = field(default_factory=dict)
    # Where the jekyll-feed plugin wrote the site's feed ("feed.xml"), when it did; the
    # categories it wrote a feed for (feed/<category>.xml), and where its tag feeds were.
    feed_plugin_path: str = ""
    # A hand-written feed's entry id, when built from `post.id` (Octopress, Jekyll Bootstrap:
    # `{{ site.url }}{{ post.id }}`): the Liquid inside its <id> or <guid>.
    feed_id_template: str = ""
    # The date pages jekyll-archives made (`enabled:`): year, month, day.
    date_archives: tuple[str, ...] = ()
    # _config.yml's text settings, as `{{ site.NAME }}` gives them (production_url…).
    site_values: dict[str, object] = field(default_factory=dict)
    feed_categories: tuple[str, ...] = ()
    feed_tags_path: str = ""
    # Jekyll 4's `collections_dir`: the folder holding _posts and _drafts, not a category.
    collections_dir: str = ""
    # Collections other than posts that the old site published (`output: true`).
    collections: tuple[str, ...] = ()
    # jekyll-paginate (v1 or v2): posts a page, and where page N was ("/page:num/").
    paginate: int = 0
    paginate_path: str = ""
    # `_data/redirects.yml`, as Carnet's export writes it: old address → where it leads now.
    redirects: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    identity: dict[str, str] = field(default_factory=dict)  # title, tagline, author_name
    # For lone files inside a Jekyll folder: where `/img/…` is found. Nothing else is read there.
    asset_root: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def files_root(self) -> Path | None:
        return self.root or self.asset_root

    @property
    def absolute_base(self) -> str:
        """What Jekyll's `absolute_url` put before a path: the site's `url` and `baseurl`.

        With no `url`, Jekyll wrote paths alone; so do old ids and permalinks here, and the
        feed puts the site's address before them when it is served (`Post.guid`), not the
        address in force at the import (`127.0.0.1:8000` before SITE_URL is set).
        """
        return (self.url or "").rstrip("/") + self.baseurl

    @property
    def local_hosts(self) -> frozenset[str]:
        hosts = {urlsplit(settings.SITE_URL).netloc.lower()}
        if self.url:
            hosts.add(urlsplit(self.url).netloc.lower())
        return frozenset(host for host in hosts if host)

    def is_markdown(self, extension: str) -> bool:
        return extension.lower().lstrip(".") in self.markdown_extensions

    def is_excluded(self, rel: str) -> bool:
        return any(
            rel == pattern or rel.startswith(pattern + "/") or fnmatch.fnmatch(rel, pattern)
            for pattern in self.exclude
        )

    def is_included(self, rel: str) -> bool:
        return any(rel == pattern or fnmatch.fnmatch(rel, pattern) for pattern in self.include)

    def category_info(self, key: str) -> dict[str, str]:
        return self.categories.get(nfc(key).lower(), {})

    def defaults_for(self, rel: str, kind: str) -> dict:
        """Front matter `defaults` whose scope matches this file, in the order they are written."""
        types = {POST: {"posts"}, DRAFT: {"posts", "drafts"}, PAGE: {"pages"}}.get(kind, set())
        values: dict = {}
        for entry in self.defaults:
            if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
                continue
            scope = entry.get("scope") or {}
            if not isinstance(scope, dict):
                continue
            scope_type = scope.get("type")
            if scope_type and str(scope_type) not in types:
                continue
            # Jekyll's applies_path?: a glob, else a plain prefix of the relative path.
            scope_path = str(scope.get("path") or "").lstrip("/")
            if scope_path and not (
                fnmatch.fnmatch(rel, scope_path)
                if "*" in scope_path
                else rel.startswith(scope_path)
            ):
                continue
            values.update(entry["values"])
        return values


def _site_timezone(value, notes: list[str]) -> ZoneInfo:
    if value:
        try:
            zone = ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            notes.append(
                _("Unknown time zone %(zone)s in _config.yml; %(default)s is used instead.")
                % {"zone": value, "default": settings.TIME_ZONE}
            )
        else:
            if str(zone) != settings.TIME_ZONE:
                # Addresses keep the old days, but pages show dates in TIME_ZONE: a post written
                # late in the evening shows the next day, and its new address too.
                notes.append(
                    _(
                        "The old site's dates are in %(zone)s, the new site shows them in "
                        "%(default)s: set TIME_ZONE=%(zone)s to show the same days."
                    )
                    % {"zone": zone, "default": settings.TIME_ZONE}
                )
            return zone
    else:
        # Jekyll then used the clock of the machine that built the site: GitHub Pages' is UTC.
        notes.append(
            _(
                "No timezone in _config.yml: dates without an offset are read in %(default)s. "
                "If the site was built on GitHub Pages (UTC), add `timezone: UTC` to _config.yml "
                "and import again, or the addresses of posts written late at night may change."
            )
            % {"default": settings.TIME_ZONE}
        )
    return ZoneInfo(settings.TIME_ZONE)


def _load_yaml_file(path: Path) -> tuple[object, bytes]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise JekyllError(
            _("%(file)s cannot be read: %(error)s")
            % {"file": path.name, "error": error.strerror or error}
        ) from error
    try:
        text = raw.decode("utf-8-sig")
        check_yaml_nesting(text)
        return yaml.load(text, Loader=YAML_LOADER), raw  # noqa: S506
    except UnicodeDecodeError as error:
        raise JekyllError(_("%(file)s is not UTF-8 text.") % {"file": path.name}) from error
    except yaml.YAMLError as error:
        raise JekyllError(
            _("%(file)s is not valid YAML: %(error)s") % {"file": path.name, "error": error}
        ) from error


def _site_redirects(root: Path, notes: list[str]) -> dict[str, str]:
    """`_data/redirects.yml` (written by `export_posts`): addresses of this site that lead
    elsewhere on it, such as a merged tag's page. Not part of the fingerprint: no post
    depends on it."""
    path = root / "_data" / "redirects.yml"
    if not path.is_file():
        return {}
    try:
        data, _raw = _load_yaml_file(path)
    except JekyllError as error:
        notes.append(str(error))
        return {}
    redirects: dict[str, str] = {}
    for old, new in (data or {}).items() if isinstance(data, dict) else ():
        # Only addresses of this site, both ways: an imported file opens no redirect elsewhere.
        if all(isinstance(value, str) and _is_local_path(value) for value in (old, new)):
            redirects[old] = new
        else:
            notes.append(
                _("_data/redirects.yml: %(old)r → %(new)r is not a redirect within the site")
                % {"old": old, "new": new}
            )
    return redirects


def _is_local_path(value: str) -> bool:
    return value.startswith("/") and not value.startswith("//") and "\\" not in value


def _category_data(data: object) -> dict[str, dict[str, str]]:
    """`_data/categories.yml`, as a mapping key → {title, description} or a list of such."""
    found: dict[str, dict[str, str]] = {}
    if isinstance(data, dict):
        items = [(key, value) for key, value in data.items()]
    elif isinstance(data, list):
        items = []
        for entry in data:
            if isinstance(entry, dict):
                key = entry.get("key") or entry.get("slug") or entry.get("id") or entry.get("name")
                if key is not None:
                    items.append((key, entry))
    else:
        items = []
    for key, value in items:
        info: dict[str, str] = {}
        if isinstance(value, dict):
            name = value.get("title") or value.get("name")
            if name:
                info["name"] = str(name).strip()
            if value.get("description"):
                info["description"] = str(value["description"]).strip()
        elif isinstance(value, str):
            info["name"] = value.strip()
        found[nfc(str(key)).lower()] = info
    return found


def permalink_template(style: object) -> str:
    text = str(style or "date")
    return PERMALINK_STYLES.get(text, text)


def load_site(root: Path) -> SiteConfig:
    """The site's settings; a `_config.yml` that cannot be read stops the import of that site."""
    config: object = {}
    raw_parts: list[bytes] = []
    for name in ("_config.yml", "_config.yaml"):
        path = root / name
        if path.is_file():
            config, raw = _load_yaml_file(path)
            raw_parts.append(raw)
            break
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise JekyllError(_("_config.yml is not a mapping of settings."))
    notes: list[str] = []
    categories: dict[str, dict[str, str]] = {}
    for name in ("categories.yml", "categories.yaml"):
        path = root / "_data" / name
        if path.is_file():
            try:
                data, raw = _load_yaml_file(path)
            except JekyllError as error:
                notes.append(str(error))
            else:
                raw_parts.append(raw)
                categories = _category_data(data)
            break
    redirects = _site_redirects(root, notes)
    kramdown = config.get("kramdown") if isinstance(config.get("kramdown"), dict) else {}
    markdown_ext = config.get("markdown_ext")
    extensions = (
        tuple(part.strip().lower() for part in str(markdown_ext).split(",") if part.strip())
        if markdown_ext
        else DEFAULT_MARKDOWN_EXTENSIONS
    )
    archives = config.get("jekyll-archives")
    enabled = archives.get("enabled") if isinstance(archives, dict) else None
    date_archives = tuple(
        kind
        for kind in ("year", "month", "day")
        if "jekyll-archives" in _plugins(config)
        and (enabled == "all" or kind in {_text(item) for item in _flatten(enabled or [])})
    )
    archive_permalinks = {}
    if isinstance(archives, dict) and isinstance(archives.get("permalinks"), dict):
        archive_permalinks = {
            str(kind): str(pattern) for kind, pattern in archives["permalinks"].items() if pattern
        }
    separator = config.get("excerpt_separator")
    paginate, paginate_path = _pagination(config)
    feed_categories, feed_tags_path = _plugin_feeds_by_term(config)
    feed_id_template = _feed_id_template(root)
    raw_parts.append(feed_id_template.encode())
    site = SiteConfig(
        feed_plugin_path=_feed_plugin_path(root, config),
        feed_id_template=feed_id_template,
        site_values={
            f"site.{key}": value
            for key, value in config.items()
            if isinstance(value, str | int | float | bool | list | dict | date)
        },
        feed_categories=feed_categories,
        feed_tags_path=feed_tags_path,
        paginate=paginate,
        paginate_path=paginate_path,
        collections_dir=_text(config.get("collections_dir")).strip("/"),
        collections=_published_collections(config.get("collections")),
        root=root,
        timezone=_site_timezone(config.get("timezone"), notes),
        permalink=permalink_template(config.get("permalink")),
        permalink_style=str(config.get("permalink") or "date"),
        excerpt_separator="" if separator is None else str(separator),
        # kramdown's own default, hence Jekyll's, is no hard wrap.
        hard_wrap=bool(kramdown.get("hard_wrap", False)),
        parse_block_html=bool(kramdown.get("parse_block_html", False)),
        url=str(config.get("url") or "").rstrip("/"),
        baseurl=_clean_baseurl(config.get("baseurl")),
        defaults=config.get("defaults") if isinstance(config.get("defaults"), list) else [],
        categories=categories,
        markdown_extensions=extensions,
        include=tuple(str(item).strip("/") for item in config.get("include") or ()),
        exclude=tuple(str(item).strip("/") for item in config.get("exclude") or ()),
        archive_permalinks=archive_permalinks,
        date_archives=date_archives,
        redirects=redirects,
        notes=notes,
    )
    site.fingerprint = _fingerprint(b"\0".join(raw_parts), settings.TIME_ZONE)
    author = config.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    for key, value in (
        ("title", config.get("title")),
        ("tagline", config.get("description")),
        ("author_name", author),
    ):
        if isinstance(value, str) and value.strip():
            site.identity[key] = " ".join(value.split())
    return site


def lone_site(path: Path) -> SiteConfig:
    """Settings for a file named on its own: the new site's, nothing read from a `_config.yml`."""
    site = SiteConfig(
        root=None,
        timezone=ZoneInfo(settings.TIME_ZONE),
        permalink=PERMALINK_STYLES["date"],
        permalink_style="date",
        excerpt_separator="",
        hard_wrap=settings.MARKDOWN_HARD_WRAP,
        asset_root=_enclosing_site(path),
    )
    site.fingerprint = _fingerprint(
        b"lone", settings.TIME_ZONE, str(settings.MARKDOWN_HARD_WRAP), str(site.asset_root)
    )
    return site


def _clean_baseurl(value: object) -> str:
    text = str(value or "").strip().rstrip("/")
    if text and not text.startswith("/"):
        text = "/" + text
    return text


def _fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256(IMPORTER_VERSION.encode())
    for part in (*parts, settings.SITE_URL):
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else str(part).encode())
    return digest.hexdigest()


def _enclosing_site(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if (parent / "_config.yml").is_file() or (parent / "_posts").is_dir():
            return parent
    return None


def is_site(path: Path) -> bool:
    return (
        (path / "_config.yml").is_file()
        or (path / "_config.yaml").is_file()
        or (path / "_posts").is_dir()
    )


# --- Finding the files ---------------------------------------------------------------------


@dataclass
class Source:
    """One file to read, and what the folder it sits in already says about it."""

    path: Path
    key: str  # Post.source_path: relative to the site folder, or absolute for a lone file
    kind: str
    site: SiteConfig
    rel: str = ""  # relative to the site folder ("" for a lone file outside any site)
    name: str = ""  # relative to its _posts or _drafts folder, or the file name
    dir_categories: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.key


@dataclass
class LeftOut:
    """A file that is not imported, and why."""

    path: str
    reason: str
    kind: str = FILE


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    skipped: list[LeftOut] = field(default_factory=list)
    failed: list[LeftOut] = field(default_factory=list)
    sites: list[SiteConfig] = field(default_factory=list)
    # Images and documents a site serves as they are (Jekyll's static files): (site, file,
    # path from the site's root). Linked from posts or not, their addresses must live on.
    static_files: list[tuple[SiteConfig, Path, str]] = field(default_factory=list)


def _rel(path: Path, root: Path) -> str:
    return nfc(path.relative_to(root).as_posix())


def _jekyll_ignores(name: str) -> bool:
    """Jekyll's EntryFilter: hidden, `_`, `#`, `~` names, backup files, names ending in a dot."""
    base = name.rsplit("/", 1)[-1]
    return (
        name.startswith((".", "_", "#", "~"))
        or base.startswith((".", "_", "#", "~"))
        or (name.endswith(("~", ".")))
    )


def _categories_from_path(rel: str, special: str) -> tuple[str, ...]:
    """`foo/_posts/x.md` is in category `foo`; `_posts/foo/x.md` is not (Jekyll's rule)."""
    parts = rel.split("/")
    if special not in parts:
        return ()
    return tuple(part for part in parts[: parts.index(special)] if part)


def _in_collections(rel: str, site: SiteConfig) -> str:
    """A path as Jekyll reads it for categories: from inside `collections_dir`, if any."""
    prefix = site.collections_dir + "/"
    return rel[len(prefix) :] if site.collections_dir and rel.startswith(prefix) else rel


def _walk(folder: Path, root: Path, found: Discovery, kind: str):
    """os.walk, with each folder it cannot read reported as failed: its posts would be lost
    without a word otherwise."""

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        found.failed.append(
            LeftOut(
                _rel(where, root) if where.is_relative_to(root) else str(where),
                _("folder cannot be read: %(error)s") % {"error": error.strerror or error},
                kind,
            )
        )

    return os.walk(folder, onerror=unreadable)


def _walk_files(folder: Path, root: Path, found: Discovery, kind: str) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in _walk(folder, root, found, kind):
        dirnames.sort()
        files.extend(Path(dirpath) / name for name in sorted(filenames))
    return files


def _read_special_folder(folder: Path, site: SiteConfig, kind: str, found: Discovery) -> None:
    assert site.root is not None
    for path in _walk_files(folder, site.root, found, kind):
        _read_special_file(path, folder, site, kind, found)


def _read_special_file(
    path: Path, folder: Path, site: SiteConfig, kind: str, found: Discovery
) -> None:
    assert site.root is not None
    name = nfc(path.relative_to(folder).as_posix())
    rel = _rel(path, site.root)
    if _jekyll_ignores(name) or site.is_excluded(rel):
        found.skipped.append(LeftOut(rel, _("hidden or backup file, which Jekyll ignores"), kind))
        return
    matcher = POST_NAME if kind == POST else DATELESS_NAME
    if not matcher.match(name):
        reason = (
            _("name is not YYYY-MM-DD-title.ext: Jekyll does not publish it")
            if kind == POST
            else _("file has no extension: Jekyll does not read it")
        )
        found.skipped.append(LeftOut(rel, reason, kind))
        return
    found.sources.append(
        Source(
            path=path,
            key=rel,
            kind=kind,
            site=site,
            rel=rel,
            name=name,
            dir_categories=_categories_from_path(_in_collections(rel, site), folder.name),
        )
    )


def _special_folder_of(path: Path) -> tuple[Path, Path, str] | None:
    """(site root, folder, kind) when `path` lies in a Jekyll site's `_posts` or `_drafts`
    and has the name Jekyll reads there; None for any other file, read on its own."""
    folder = next((up for up in path.parents if up.name in ("_posts", "_drafts")), None)
    if folder is None:
        return None
    kind = POST if folder.name == "_posts" else DRAFT
    matcher = POST_NAME if kind == POST else DATELESS_NAME
    if not matcher.match(nfc(path.relative_to(folder).as_posix())):
        return None  # JEKYLL.md: a file named on its own is imported whatever its name
    # The site is where its _config.yml is (above `voyages/_posts`, say), else the folder's.
    root = next(
        (
            up
            for up in folder.parents
            if (up / "_config.yml").is_file() or (up / "_config.yaml").is_file()
        ),
        folder.parent,
    )
    return root, folder, kind


def _page_candidate(name: str, site: SiteConfig) -> bool:
    extension = PurePosixPath(name).suffix.lower()
    return (
        site.is_markdown(extension)
        or extension in HTML_EXTENSIONS
        or extension in GENERATED_EXTENSIONS
    )


def _read_site(root: Path, site: SiteConfig, found: Discovery) -> None:
    """Posts, drafts and pages of a site, where Jekyll's reader looks for them."""
    for dirpath, dirnames, filenames in _walk(root, root, found, PAGE):
        here = Path(dirpath)
        rel_dir = "" if here == root else _rel(here, root)
        kept = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.startswith("_") and name[1:] in site.collections:
                reason = _("collection %(name)s: only posts and pages are imported") % {
                    "name": name[1:]
                }
                found.skipped.extend(
                    LeftOut(_rel(path, root), reason, PAGE)
                    for path in _walk_files(here / name, root, found, PAGE)
                )
            elif name == "_posts":
                _read_special_folder(here / name, site, POST, found)
            elif name == "_drafts":
                _read_special_folder(here / name, site, DRAFT, found)
            elif rel == "_pages" or site.is_included(rel):
                kept.append(name)
            elif (
                name.startswith((".", "_", "#", "~"))
                or name in ALWAYS_EXCLUDED
                or site.is_excluded(rel)
            ):
                continue
            elif not rel_dir and name in ASSET_FOLDERS:
                # No pages in there, but the images and documents it serves.
                for path in _walk_files(here / name, root, found, PAGE):
                    _add_static_file(path, root, site, found)
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            rel = nfc(rel)
            if name.startswith((".", "_", "#", "~")) or site.is_excluded(rel):
                continue
            if _page_candidate(name, site):
                found.sources.append(
                    Source(path=here / name, key=rel, kind=PAGE, site=site, rel=rel, name=name)
                )
            else:
                _add_static_file(here / name, root, site, found)


def _add_static_file(path: Path, root: Path, site: SiteConfig, found: Discovery) -> None:
    rel = _rel(path, root)
    hidden = any(part.startswith((".", "_", "#", "~")) for part in rel.split("/"))
    if hidden or site.is_excluded(rel) or path.suffix.lower() not in FILE_EXTENSIONS:
        return
    found.static_files.append((site, path, rel))


def discover(paths: Iterable[str | os.PathLike]) -> Discovery:
    """Every file to import from the paths given: site folders, `_posts` folders, files."""
    found = Discovery()
    for raw in paths:
        text = os.fspath(raw)
        path = Path(text).expanduser()
        if not path.exists():
            matches = sorted(glob(text)) if has_magic(text) else []
            if matches:
                _discover_one_of(matches, found)
            else:
                found.failed.append(LeftOut(text, _("no such file or folder")))
            continue
        _discover_one_of([text], found)
    seen: set[Path] = set()
    unique = []
    for source in found.sources:
        if not _is_text(str(source.path)):
            # Bytes that are not UTF-8 in its name (an old Latin-1 file): the name cannot be
            # stored or shown, and the rest of the site must not fail for it.
            reason = _("file name is not UTF-8: rename it")
            found.failed.append(LeftOut(_printable(source.path), reason, source.kind))
            continue
        resolved = source.path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(source)
    found.sources = unique
    for left in (*found.skipped, *found.failed):
        left.path = _printable(left.path)
    return found


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(path: str | os.PathLike) -> str:
    """A file name as it can be shown: bytes that are not UTF-8 as \\xNN escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _files_pattern(text: str, folder: Path) -> str:
    """`DIR/*.txt`: the files a folder holds, as the shell would name them."""
    try:
        suffixes = {child.suffix for child in folder.iterdir() if child.is_file()}
    except OSError:
        suffixes = set()
    suffix = next(iter(suffixes)) if len(suffixes) == 1 else ""
    return f"{text.rstrip('/')}/*{suffix}"


def _discover_one_of(texts: list[str], found: Discovery) -> None:
    sites: dict[Path, SiteConfig] = {}  # of the files named on their own
    for text in texts:
        path = Path(text).expanduser()
        if path.is_dir():
            posts_only = path.name == "_posts" and not is_site(path)
            if posts_only or is_site(path):
                root = path.resolve().parent if posts_only else path.resolve()
                try:
                    site = load_site(root)
                except JekyllError as error:
                    found.failed.append(LeftOut(text, str(error)))
                    continue
                found.sites.append(site)
                if posts_only:
                    _read_special_folder(path.resolve(), site, POST, found)
                else:
                    _read_site(root, site, found)
            else:
                found.failed.append(
                    LeftOut(
                        text,
                        _(
                            "neither a Jekyll site (no _config.yml, no _posts) nor a _posts "
                            "folder; to import the files it holds, name them (%(example)s)"
                        )
                        % {"example": _files_pattern(text, path)},
                    )
                )
        elif path.is_file():
            resolved = path.resolve()
            special = _special_folder_of(resolved)
            if special is not None:
                # A post of a site named on its own: keyed and read as the site's import reads
                # it, so importing the site later updates it rather than adding it again.
                root, folder, kind = special
                if root not in sites:
                    try:
                        sites[root] = load_site(root)
                    except JekyllError as error:
                        found.failed.append(LeftOut(text, str(error)))
                        continue
                    found.sites.append(sites[root])
                _read_special_file(resolved, folder, sites[root], kind, found)
                continue
            found.sources.append(
                Source(
                    path=resolved,
                    key=nfc(str(resolved)),
                    kind=FILE,
                    site=lone_site(resolved),
                    name=nfc(resolved.name),
                )
            )


# --- Front matter --------------------------------------------------------------------------


@dataclass
class FrontMatter:
    data: dict
    body: str
    text: str  # the YAML as written, for a second reading as plain text
    present: bool


# A front matter is a handful of keys; deeper or larger YAML is an accident or an attack.
# PyYAML's C composer recurses once per level (100,000 `[` crash the whole process), a value
# may contain itself (`tags: &t [*t]`), and a few lines of aliases may expand to billions.
MAX_YAML_DEPTH = 50
MAX_YAML_VALUES = 10_000
# Each level of nesting takes at least one character, and the composer takes 20,000 levels
# (in a thread too): a text this short needs no scan before loading (a scan doubles the cost).
SHALLOW_YAML_LENGTH = 5000


def check_yaml_nesting(yaml_text: str) -> None:
    """Refuse YAML nested too deep before PyYAML builds it: its events come without recursion."""
    if len(yaml_text) <= SHALLOW_YAML_LENGTH:
        return
    depth = 0
    for event in yaml.parse(yaml_text, Loader=YAML_LOADER):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _too_deep()
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def _too_deep() -> JekyllError:
    return JekyllError(
        _("YAML nested more than %(depth)d levels deep, or an alias that contains itself")
        % {"depth": MAX_YAML_DEPTH}
    )


def _check_values(data: object) -> None:
    """Refuse loaded YAML that nests too deep, holds too many values once aliases are expanded,
    or holds a NUL character (`"\\0"`), which no text needs and PostgreSQL refuses."""
    budget = MAX_YAML_VALUES
    # Each value travels with the top-level key it sits under, to name it in an error.
    stack: list[tuple[object, int, object]] = [(data, 0, None)]
    while stack:
        value, depth, field = stack.pop()
        budget -= 1
        if depth > MAX_YAML_DEPTH:
            raise _too_deep()
        if budget < 0:
            raise JekyllError(
                _("more than %(count)d YAML values once its aliases are expanded")
                % {"count": MAX_YAML_VALUES}
            )
        if isinstance(value, dict):
            stack.extend(
                (part, depth + 1, item[0] if field is None else field)
                for item in value.items()
                for part in item
            )
        elif isinstance(value, list | tuple | set | frozenset):
            stack.extend((item, depth + 1, field) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            if field is None or field == value:
                raise JekyllError(_("a NUL character (\\0) in the YAML"))
            raise JekyllError(
                _("a NUL character (\\0) in the YAML, in “%(field)s”")
                % {"field": str(field).replace("\x00", "\\0")}
            )


def split_front_matter(text: str) -> FrontMatter:
    """The YAML between the two `---` lines (or `...` to close) and the body after it."""
    match = FRONT_MATTER.match(text)
    if not match:
        return FrontMatter({}, text, "", False)
    yaml_text = match.group(1)
    try:
        check_yaml_nesting(yaml_text)
        data = yaml.load(yaml_text, Loader=YAML_LOADER)  # noqa: S506
    except RecursionError as error:  # the pure-Python loader, where libyaml is missing
        raise _too_deep() from error
    except ValueError as error:  # PyYAML's timestamps: `date: 2017-13-01`
        raise JekyllError(_("impossible date: %(date)s") % {"date": error}) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if mark is not None:
            raise JekyllError(
                _("invalid YAML front matter, line %(line)d: %(problem)s")
                % {"line": mark.line + 1, "problem": problem}
            ) from error
        raise JekyllError(
            _("invalid YAML front matter: %(problem)s") % {"problem": problem}
        ) from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise JekyllError(_("the front matter is not a list of keys and values"))
    _check_values(data)
    data = {str(key): value for key, value in data.items()}
    return FrontMatter(data, text[match.end() :], yaml_text, True)


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _published_collections(value: object) -> tuple[str, ...]:
    if isinstance(value, list):  # `collections: [recettes]`: Jekyll renders none of them
        return ()
    if not isinstance(value, dict):
        return ()
    return tuple(
        str(name)
        for name, options in value.items()
        if str(name) not in ("posts", "drafts")
        and isinstance(options, dict)
        and options.get("output")
    )


def _pagination(config: dict) -> tuple[int, str]:
    """Posts a page of the home page and the path of its page N, as jekyll-paginate (`paginate`,
    `paginate_path`) or jekyll-paginate-v2 (`pagination`) set them; (0, "") without."""
    v2 = config.get("pagination")
    if isinstance(v2, dict) and v2.get("enabled"):
        per_page, path = v2.get("per_page", 10), v2.get("permalink") or "/page/:num/"
    else:
        per_page, path = config.get("paginate"), config.get("paginate_path") or "/page:num/"
    try:
        per_page = int(per_page or 0)
    except (TypeError, ValueError):
        return 0, ""
    path = _text(path)
    if per_page <= 0 or ":num" not in path:
        return 0, ""
    return per_page, "/" + path.lstrip("/")


def _feed_plugin_path(root: Path, config: dict) -> str:
    """The feed jekyll-feed generated: `feed.path`, else feed.xml; none when the plugin is not
    used or a file of the site stands at that path (the plugin then leaves it alone)."""
    if "jekyll-feed" not in _plugins(config):
        return ""
    feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
    path = _text(feed.get("path")).strip("/") or "feed.xml"
    return "" if (root / path).is_file() else path


FEED_LOOP = re.compile(
    r"\{%-?\s*for\s+(\w+)\s+in\s+(?:site\.posts|paginator\.posts)\b.*?%\}(.*?)\{%-?\s*endfor",
    re.S,
)
FEED_ENTRY_ID = re.compile(r"<(id|guid)\b[^>]*>(.*?)</\1>", re.S)
FEED_FILE_SUFFIXES = (".xml", ".atom", ".rss")


def _feed_id_template(root: Path) -> str:
    """The Liquid a hand-written feed at the site's root put in each entry's id, when built
    from `post.id`; "" otherwise (the permalink, which every post keeps anyway)."""
    for path in sorted(root.iterdir()) if root.is_dir() else ():
        if path.suffix.lower() not in FEED_FILE_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not (ATOM_FEED.search(text) or RSS_FEED.search(text)):
            continue
        for loop in FEED_LOOP.finditer(text):
            name, body = loop.groups()
            entry = FEED_ENTRY_ID.search(body)
            if entry is None:
                continue
            template = re.sub(rf"\b{re.escape(name)}\.", "post.", entry.group(2))
            template = template.replace("<![CDATA[", "").replace("]]>", "").strip()
            if "post.id" in template:
                return template
    return ""


def normalized_path(path: str) -> str:
    """A path as Jekyll's `relative_url` and `absolute_url` gave it (Addressable's normalize):
    what needs escaping escaped once (`été` → `%C3%A9t%C3%A9`), what is escaped kept."""
    return quote(unquote(path), safe="/:@!$&'()*+,;=-._~")


def old_feed_value(template: str, site: SiteConfig, post_id: str, url: str) -> str | None:
    """What the old site's Liquid made of a feed id template for one post; None when it uses
    anything else than the site's url and baseurl and the post's id and url."""
    variables = {
        **site.site_values,
        "site.url": site.url,
        "site.baseurl": site.baseurl,
        "post.id": post_id,
        "post.url": url,
    }

    def atom(token: str) -> str | None:
        token = token.strip()
        if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
            return token[1:-1]
        value = variables.get(token)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        return str(value)

    out: list[str] = []
    position = 0
    for match in re.finditer(r"\{\{-?(.*?)-?\}\}", template, re.S):
        out.append(template[position : match.start()])
        position = match.end()
        parts = _split_filters(match.group(1))
        value = atom(parts[0])
        for part in parts[1:]:
            if value is None:
                break
            name, _colon, argument = part.partition(":")
            name = name.strip()
            if name in ("relative_url", "absolute_url"):
                if not urlsplit(value).scheme:
                    value = normalized_path(site.baseurl + "/" + value.lstrip("/"))
                    if name == "absolute_url":
                        value = site.url + value
            elif name in ("prepend", "append"):
                extra = atom(argument)
                value = (
                    None
                    if extra is None
                    else (extra + value if name == "prepend" else value + extra)
                )
            elif name in ("xml_escape", "escape", "uri_escape", "cgi_escape", "strip"):
                value = value.strip() if name == "strip" else value
            else:
                value = None
        if value is None:
            return None
        out.append(value)
    out.append(template[position:])
    return html.unescape("".join(out)).strip()


def _plugins(config: dict) -> set[str]:
    return {_text(name) for name in _flatten(config.get("plugins") or config.get("gems") or [])}


def _plugin_feeds_by_term(config: dict) -> tuple[tuple[str, ...], str]:
    """jekyll-feed's `feed.categories` (a feed each) and `feed.tags` (where their feeds are)."""
    feed = config.get("feed")
    if "jekyll-feed" not in _plugins(config) or not isinstance(feed, dict):
        return (), ""
    categories = tuple(_text(name) for name in _flatten(feed.get("categories") or []) if name)
    tags = feed.get("tags")
    tags_path = ""
    if tags:
        path = tags.get("path") if isinstance(tags, dict) else None
        tags_path = "/" + (_text(path) or "feed/by_tag/").strip("/") + "/"
    return categories, tags_path


def _flatten(value) -> list:
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            items.extend(_flatten(item))
        return items
    return [value]


def _restore_text(typed, raw) -> list[str]:
    """Items as written: `on` stays `on` and `2017.10` stays `2017.10` (YAML made them a bool
    and a float); nulls are dropped, as Jekyll's `compact` does."""
    typed_items = _flatten(typed)
    raw_items = _flatten(raw) if raw is not None else []
    if len(raw_items) != len(typed_items):
        raw_items = [None] * len(typed_items)
    items = []
    for item, written in zip(typed_items, raw_items, strict=True):
        if item is None:
            continue
        if isinstance(item, str):
            items.append(item)
        elif isinstance(written, str) and written.strip():
            items.append(written)
        else:
            items.append(_as_text(item))
    return items


def terms(front: FrontMatter, data: dict, singular: str, plural: str) -> list[str]:
    """Categories or tags: both keys merged, a plural *string* split on white space, a singular
    string or a list item kept whole, duplicates dropped, values given back as text."""
    needs_raw = any(
        not isinstance(item, str) and item is not None
        for key in (singular, plural)
        for item in _flatten(data.get(key))
    )
    raw_data: dict = {}
    if needs_raw and front.text:
        try:
            loaded = yaml.load(front.text, Loader=YAML_TEXT_LOADER)  # noqa: S506
        except yaml.YAMLError:
            loaded = None
        raw_data = loaded if isinstance(loaded, dict) else {}
    found: list[str] = []
    for key in (plural, singular):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            items = value.split() if key == plural else [value]
        else:
            items = _restore_text(value, raw_data.get(key))
        for item in items:
            text = nfc(item.strip())
            if text and text not in found:
                found.append(text)
    return found


# --- Dates ---------------------------------------------------------------------------------

DATE_TEXT = re.compile(
    r"""^\s*(?P<year>\d{2,4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})
    (?:(?:[Tt]|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?
    \s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{1,2})?\s*$""",
    re.X,
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # Ruby's Date._parse: 69-99 are 19xx, the rest 20xx
        year += 1900 if year >= 69 else 2000
    return year


def _zone(text: str | None, site_zone: ZoneInfo):
    if not text:
        return site_zone
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date_text(text: str, site_zone: ZoneInfo) -> datetime:
    """A date written as text, as Ruby's Time.parse reads it: no offset means the site's zone."""
    match = DATE_TEXT.match(text)
    if match:
        parts = match.groupdict()
        fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
        try:
            return datetime(
                _year(parts["year"]),
                int(parts["month"]),
                int(parts["day"]),
                int(parts["hour"] or 0),
                int(parts["minute"] or 0),
                int(parts["second"] or 0),
                int(fraction),
                tzinfo=_zone(parts["zone"], site_zone),
            )
        except ValueError as error:
            raise JekyllError(_("impossible date: %(date)s") % {"date": text}) from error
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise JekyllError(_("unreadable date: %(date)s") % {"date": text})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=site_zone)


def to_datetime(value, site_zone: ZoneInfo) -> datetime:
    """A front matter date as Jekyll 4 reads it (Psych or SafeYAML, then Time.parse):

    - a YAML date (`2016-04-09`): midnight in the site's zone;
    - a YAML timestamp with an offset: that instant;
    - a YAML timestamp *without* an offset (`2010-01-10 13:07:09`, unquoted): UTC, because the
      YAML spec says so and Ruby follows it; Jekyll 4.3 shows that post at 14:07 in Paris;
    - text (`'2014-08-24 16:25:23'`, or `2016-04-09 15:35:44 +0200` which is not a YAML
      timestamp): parsed, in the site's zone when it has no offset.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=site_zone)
    if isinstance(value, str):
        return parse_date_text(value, site_zone)
    raise JekyllError(_("unreadable date: %(date)s") % {"date": value})


# --- Slugs and URLs ------------------------------------------------------------------------

PRETTY_KEPT = frozenset("._~!$&'()+,;=@")


def jekyll_slugify(text: str | None, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's Utils.slugify in its `default` and `pretty` modes: every run of characters that
    are not letters, marks or digits (nor, when pretty, `._~!$&'()+,;=@`) becomes one hyphen."""
    if text is None:
        return ""
    pieces: list[str] = []
    in_run = False
    for char in str(text):
        category = unicodedata.category(char)
        if category[0] in "LM" or category == "Nd" or (pretty and char in PRETTY_KEPT):
            pieces.append(char)
            in_run = False
        elif not in_run:
            pieces.append("-")
            in_run = True
    slug = "".join(pieces).removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()


def ascii_slug(text: str, max_length: int = 200) -> str:
    """A slug for the new site's URLs: ASCII letters, digits and hyphens."""
    return slugify(unidecode(nfc(str(text))))[:max_length].strip("-_")


def titleize(slug: str) -> str:
    """Jekyll's title for a file without one: `my-post` → `My Post`."""
    return " ".join(word.capitalize() for word in slug.split("-"))


def escape_path(value: str) -> str:
    """Jekyll's URL.escape_path: what a placeholder's value looks like inside a link."""
    if not value or re.fullmatch(r"[a-zA-Z0-9./-]+", value):
        return value
    return quote(value, safe="/!$&'()*+,;=:@-._~")


def sanitize_url(url: str) -> str:
    """Jekyll's URL#sanitize_url: one leading slash, no `..`, no `./`, no doubled slashes."""
    result = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", result)


def fill_template(template: str, placeholders: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        for key in pool:
            if key in placeholders:
                return escape_path(placeholders[key]) + match.group(0)[len(key) + 1 :]
        raise JekyllError(_("unknown placeholder :%(name)s in the permalink") % {"name": name})

    return sanitize_url(re.sub(r":([a-z_]+)", replace, template))


def old_path(url: str) -> str:
    """An address as OldURL keeps it: percent-decoded, NFC, dot segments resolved."""
    text = nfc(unquote(url))
    trailing = text.endswith("/") or text.endswith("/.") or text.endswith("/..")
    stack: list[str] = []
    for segment in text.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if stack:
                stack.pop()
            continue
        stack.append(segment)
    path = "/" + "/".join(stack)
    return path + "/" if trailing and stack else path


def date_placeholders(moment: datetime) -> dict[str, str]:
    iso_year, iso_week, iso_day = moment.isocalendar()
    return {
        "year": f"{moment.year:04d}",
        "month": f"{moment.month:02d}",
        "i_month": str(moment.month),
        "day": f"{moment.day:02d}",
        "i_day": str(moment.day),
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
        "short_month": MONTHS[moment.month - 1][:3],
        "long_month": MONTHS[moment.month - 1],
        "short_year": f"{moment.year % 100:02d}",
        "y_day": f"{moment.timetuple().tm_yday:03d}",
        "week": f"{iso_week:02d}",
        "w_year": str(iso_year),
        "w_day": str(iso_day),
        "short_day": DAYS[moment.weekday()][:3],
        "long_day": DAYS[moment.weekday()],
    }


def archive_paths(site: SiteConfig, kind: str, folder: str | None, name: str) -> list[str]:
    """Where the old site may have served a tag or category page, in every shape: the name as
    written, lower-cased (Jekyll's post URLs) and slugified (jekyll-archives' `:name`)."""
    pattern = f"/{folder.strip('/')}/:name/" if folder is not None else None
    pattern = pattern or site.archive_permalinks.get(kind) or f"/{kind}/:name/"
    if pattern.startswith("//"):  # an empty folder: pages at the root
        pattern = pattern[1:]
    paths = []
    for form in (name, name.lower(), jekyll_slugify(name)):
        if not form:
            continue
        for path in with_and_without_baseurl(
            site, pattern.replace(":name", form).replace(":type", kind)
        ):
            if path not in paths and path != "/":
                paths.append(path)
    return paths


def with_and_without_baseurl(site: SiteConfig, path: str) -> list[str]:
    """An old address as the site served it, and, under a baseurl, as links in posts read
    once `{{ site.baseurl }}` is gone (the new site is served at its root)."""
    forms = [old_path(site.baseurl + path)]
    if site.baseurl and old_path(path) not in forms:
        forms.append(old_path(path))
    return forms


# --- Documents -----------------------------------------------------------------------------


def _json_safe(value):
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass
class Document:
    """One post or page, with everything Jekyll would have known about it."""

    source: Source
    raw: bytes
    data: dict  # defaults and front matter merged
    body: str
    front: FrontMatter
    title: str = ""
    jekyll_slug: str = ""
    slug: str = ""  # the new site's slug, before de-duplication
    date: datetime | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published: bool = True
    url: str | None = None  # Jekyll's URL: escaped, without the baseurl
    redirect_from: list[str] = field(default_factory=list)
    excerpt: str = ""
    excerpt_separator: str = ""
    description: str = ""
    updated_at: datetime | None = None
    front_matter: dict = field(default_factory=dict)
    render_liquid: bool = True
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    # Pages only: why a page is not imported, and where its old address should lead instead.
    skip_reason: str = ""
    old_target: str = ""  # "search", "home", "rss", "atom", or an absolute URL (redirect_to)

    @property
    def is_post(self) -> bool:
        return self.source.kind != PAGE

    @property
    def is_published(self) -> bool:
        """Published on the new site: not `published: false`, not a draft, and dated."""
        return self.published and self.date is not None and self.source.kind != DRAFT

    @property
    def old_permalink(self) -> str:
        """The absolute address the old feed gave as guid: `url` + `baseurl` + permalink."""
        return self.source.site.absolute_base + self.url if self.url else ""

    @property
    def hard_wrap(self) -> bool:
        """kramdown's `hard_wrap`: a site option in Jekyll. A Carnet export also writes it in
        the front matter of the posts that differ from its `_config.yml`."""
        value = self.data.get("hard_wrap")
        return value if isinstance(value, bool) else self.source.site.hard_wrap

    @property
    def is_markdown(self) -> bool:
        """Jekyll converts markdown files only: an .html post or page is HTML as written."""
        return PurePosixPath(self.source.name).suffix.lower() not in HTML_EXTENSIONS

    @property
    def old_feed_id(self) -> str:
        """The entry id the old feed gave the post, when not its permalink: `post.id` (the
        permalink's folder and the post's slug) as jekyll-feed made it absolute, or as a
        hand-written feed wrote it. A Carnet export writes the id a post kept as `feed_id`."""
        kept = self.data.get("feed_id")
        if isinstance(kept, str) and kept:
            return kept
        site = self.source.site
        if not (self.url and self.is_post):
            return ""
        # As Jekyll has it: the URL's folder as the URL wrote it, the slug as written.
        post_id = posixpath.join(posixpath.dirname(self.url.rstrip("/") or "/"), self.jekyll_slug)
        if site.feed_plugin_path:
            # `post.id | absolute_url`, which escapes as Addressable normalises (é → %C3%A9).
            return site.absolute_base + normalized_path(post_id)
        if site.feed_id_template:
            value = old_feed_value(site.feed_id_template, site, post_id, self.url)
            if value and value != self.old_permalink:
                return value
        return ""

    def old_paths(self) -> list[str]:
        """Every address the old site served this at, as OldURL keeps them."""
        site = self.source.site
        paths: list[str] = []
        if self.url:
            main = old_path(site.baseurl + self.url)
            paths.append(main)
            if self.source.kind == PAGE:
                if main.endswith(".html"):
                    paths.append(main.removesuffix(".html"))
                elif not main.endswith("/"):
                    paths.append(main + ".html")
            if site.baseurl:
                # What links in posts become once `{{ site.baseurl }}` is gone: the new site
                # is served at its root.
                paths.append(old_path(self.url))
        for entry in self.redirect_from:
            split = urlsplit(entry.strip())
            if not split.path:
                continue
            path = split.path if split.path.startswith("/") else "/" + split.path
            paths.append(old_path(site.baseurl + path))
        unique: list[str] = []
        for path in paths:
            if path not in unique:
                unique.append(path)
        return unique


def read_document(source: Source) -> Document | None:
    """Read one file; None for a would-be page with no front matter (Jekyll copies it as is)."""
    try:
        raw = source.path.read_bytes()
    except OSError as error:
        raise JekyllError(_("cannot be read: %(error)s") % {"error": error.strerror}) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise JekyllError(
            _("not UTF-8 text (byte %(position)d); save it as UTF-8 and import it again")
            % {"position": error.start}
        ) from error
    if "\x00" in text:
        # No text file holds one; PostgreSQL would refuse the post at the last step.
        raise JekyllError(
            _("NUL character at byte %(position)d: not a text file, or a damaged one")
            % {"position": raw.find(b"\x00")}
        )
    text = text.replace("\r\n", "\n")
    front = split_front_matter(text)
    if source.kind == PAGE and not front.present:
        return None
    site = source.site
    data = {**site.defaults_for(source.rel, source.kind), **front.data}
    document = Document(
        source=source, raw=raw, data=data, body=nfc(front.body), front=front, notes=[]
    )
    document.render_liquid = data.get("render_with_liquid", True) is not False
    document.front_matter = _json_safe(
        {key: value for key, value in front.data.items() if key not in CONSUMED_KEYS}
    )
    document.description = _text(data.get("description"))
    document.redirect_from = [
        _as_text(item) for item in _flatten(data.get("redirect_from")) if item not in (None, "")
    ]
    modified = data.get("last_modified_at")
    if modified not in (None, ""):
        try:
            document.updated_at = to_datetime(modified, site.timezone)
        except JekyllError as error:
            document.notes.append(
                ("date", _("last_modified_at ignored: %(error)s") % {"error": error})
            )
    if source.kind == PAGE:
        _read_page(document)
    else:
        _read_post(document)
        if document.is_published and document.date > datetime.now(UTC):
            # Jekyll leaves such a post out unless `future: true`; here it waits for its date.
            document.notes.append(
                ("scheduled", _("dated in the future: it appears on the site at that date"))
            )
        redirect_to = data.get("redirect_to")
        if redirect_to:
            # jekyll-redirect-from: the old site showed no post here, only sent readers on.
            document.skip_reason = _("redirect post (redirect_to): its addresses lead there")
            document.old_target = _as_text(_flatten(redirect_to)[0])
    return document


def _text(value) -> str:
    return "" if value is None else _as_text(value).strip()


def _read_post(document: Document) -> None:
    source, data, site = document.source, document.data, document.source.site
    date_text = None
    jekyll_named = True
    if source.kind == POST:
        date_text, file_slug, extension = POST_NAME.match(source.name).groups()
    elif source.kind == DRAFT:
        file_slug, extension = DATELESS_NAME.match(source.name).groups()
    else:
        match = POST_NAME.match(source.name)
        if match:
            date_text, file_slug, extension = match.groups()
        else:
            jekyll_named = False
            match = DATELESS_NAME.match(source.name)
            file_slug, extension = match.groups() if match else (source.name, "")
    # Jekyll: "slugs shouldn't end with a period".
    file_slug = file_slug.rstrip(".")
    document.jekyll_slug = _text(data.get("slug")) or file_slug
    document.title = _text(data.get("title")) or titleize(file_slug)

    value = data.get("date")
    if value not in (None, ""):
        document.date = to_datetime(value, site.timezone)
    elif date_text:
        try:
            year, month, day = date_text.split("-")
            document.date = datetime(_year(year), int(month), int(day), tzinfo=site.timezone)
        except ValueError as error:
            raise JekyllError(
                _("impossible date in the file name: %(date)s") % {"date": date_text}
            ) from error

    published = data.get("published", True)
    document.published = published is not None and published is not False
    if not document.published:
        document.notes.append(("unpublished", _("published: false: imported as a draft")))
    if document.date is None and source.kind == FILE:
        document.notes.append(
            ("undated", _("no date in its name or front matter: imported as a draft"))
        )

    # The new site's slug: the Jekyll slug, except for a file whose name says nothing (the
    # seeds are called 000_1f4b98a203fd6adf.txt): its title says more.
    base = document.jekyll_slug if (jekyll_named or data.get("slug")) else document.title
    document.slug = ascii_slug(base) or ascii_slug(document.title) or "billet"

    document.categories = list(source.dir_categories)
    for key in terms(document.front, data, "category", "categories"):
        if key not in document.categories:
            document.categories.append(key)
    document.tags = terms(document.front, data, "tag", "tags")

    excerpt = data.get("excerpt")
    document.excerpt = nfc(_as_text(excerpt)) if excerpt not in (None, "") else ""
    separator = data.get("excerpt_separator")
    document.excerpt_separator = site.excerpt_separator if separator is None else str(separator)

    # Drafts were never on the old site: they had no address to keep.
    if source.kind != DRAFT:
        document.url = _post_url(document, extension)


NEEDS_DATE = re.compile(r":(year|month|day|i_|short_|long_|y_day|week|w_|hour|minute|second)")


def _post_url(document: Document, extension: str) -> str | None:
    site, data = document.source.site, document.data
    permalink = data.get("permalink")
    template = _as_text(permalink) if permalink not in (None, "") else site.permalink
    if document.date is None and NEEDS_DATE.search(template):
        return None
    placeholders: dict[str, str] = {}
    if document.date is not None:
        placeholders.update(date_placeholders(document.date.astimezone(site.timezone)))
    basename = PurePosixPath(document.source.name).stem
    relative = document.source.name.rsplit(".", 1)[0] if "." in document.source.name else ""
    categories: list[str] = []
    slugified: list[str] = []  # Jekyll 4.1's :slugified_categories
    for category in document.categories:
        for names, name in ((categories, category.lower()), (slugified, jekyll_slugify(category))):
            if name not in names:
                names.append(name)
    placeholders.update(
        {
            "title": jekyll_slugify(document.jekyll_slug, pretty=True, cased=True),
            "slug": jekyll_slugify(document.jekyll_slug),
            "name": jekyll_slugify(basename),
            "categories": "/".join(categories),
            "slugified_categories": "/".join(slugified),
            "path": "/" + relative,
            "collection": "posts",
            "output_ext": _output_extension(site, extension),
        }
    )
    return fill_template(template, placeholders)


def _output_extension(site: SiteConfig, extension: str) -> str:
    if site.is_markdown(extension) or site.root is None:
        return ".html"
    return extension or ".html"


def _read_page(document: Document) -> None:
    source, data, site = document.source, document.data, document.source.site
    name = PurePosixPath(source.rel)
    extension = name.suffix
    basename = name.stem
    folder = name.parent.as_posix()
    folder = "" if folder == "." else folder
    document.title = _text(data.get("title")) or titleize(basename)
    published = data.get("published", True)
    document.published = published is not None and published is not False
    output_ext = ".html" if site.is_markdown(extension) else extension.lower()
    placeholders = {"path": folder, "basename": basename, "output_ext": output_ext}
    permalink = data.get("permalink")
    if permalink not in (None, ""):
        template = _as_text(permalink)
    elif output_ext not in HTML_EXTENSIONS:
        template = "/:path/:basename:output_ext"
    elif basename == "index":
        template = "/:path/"
    else:
        template = "/:path/:basename" + _permalink_suffix(site.permalink_style)
    document.url = fill_template(template, placeholders)

    decoded = old_path(document.url)
    last = decoded.rstrip("/").rsplit("/", 1)[-1]
    last_stem = last.rsplit(".", 1)[0] if "." in last else last
    layout = _text(data.get("layout")).lower()
    redirect_to = data.get("redirect_to")
    if redirect_to:
        document.skip_reason = _("redirect page (redirect_to)")
        document.old_target = _as_text(_flatten(redirect_to)[0])
    elif output_ext not in HTML_EXTENSIONS or last.endswith(GENERATED_EXTENSIONS):
        document.skip_reason = _("generated file (feed, JSON, robots): not a page")
        # A feed, under any name: its subscribers follow its address to the new feed.
        if ATOM_FEED.search(document.body):
            document.old_target = "atom"
        elif RSS_FEED.search(document.body):
            document.old_target = "rss"
    elif basename == "404" or last_stem == "404":
        document.skip_reason = _("error page: the new site has its own")
    elif layout == "search" or basename in SEARCH_NAMES or last_stem in SEARCH_NAMES:
        document.skip_reason = _("search page: its address now leads to the site's search")
        document.old_target = "search"
    elif basename == "index" and not folder:
        document.skip_reason = _("home page: the new site has its own")
        document.old_target = "home"  # under a baseurl, /blog/ leads home
    elif (listing := LISTING.search(document.body)) or not document.body.strip():
        # A tag page, an archive, a blog index: Liquid or its layout made it, and neither is
        # imported. A blank page would say nothing: its address leads to the new site's list.
        document.old_target = _listing_target(data, listing, {basename, last_stem})
        if listing:
            document.skip_reason = _(
                "list of posts built by Liquid: its address now leads to %(list)s"
            )
        else:
            document.skip_reason = _(
                "page with no text of its own (its layout built it): its address now leads "
                "to %(list)s"
            )
        document.skip_reason %= {"list": LISTING_NAMES[document.old_target.split(":")[0]]()}
    slug_source = "" if decoded in ("", "/") else last_stem
    if basename == "index" and decoded.endswith("/"):
        slug_source = last or folder.rsplit("/", 1)[-1]
    document.slug = ascii_slug(slug_source or basename) or "page"


# What the address of a page listing posts leads to, in the report's words.
LISTING_NAMES = {
    "home": lambda: _("the home page"),
    "tag": lambda: _("the tag's page"),
    "category": lambda: _("the category's page"),
    "tags": lambda: _("the list of tags"),
    "categories": lambda: _("the list of categories"),
    "archives": lambda: _("the archives"),
}


def _listing_target(data: dict, listing: re.Match | None, names: set[str]) -> str:
    """Where a page that listed posts leads now: "tag:NAME" or "category:NAME" for a page of
    one term (a `tag:` or `category:` in its front matter, as hand-made tag pages have), the
    lists of tags, categories or the archives, else the home page."""
    for key in ("tag", "category"):
        value = data.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            return f"{key}:{nfc(str(value))}"
    looped = listing.group(0) if listing else ""
    lowered = {name.lower() for name in names}
    if "site.tags" in looped or lowered & {"tags", "tag", "etiquettes", "mots-cles"}:
        return "tags"
    if "site.categories" in looped or lowered & {"categories", "category", "rubriques"}:
        return "categories"
    if lowered & {"archives", "archive"}:
        return "archives"
    return "home"


def _permalink_suffix(style: str) -> str:
    """Jekyll's Utils.add_permalink_suffix, for pages."""
    if style == "pretty":
        return "/"
    if style in ("date", "ordinal", "none", "weekdate"):
        return ":output_ext"
    if style.endswith("/"):
        return "/"
    if style.endswith(":output_ext"):
        return ":output_ext"
    return ""


# --- Liquid --------------------------------------------------------------------------------

TOKEN = re.compile(r"\{%(-?)(.*?)(-?)%\}|\{\{(-?)(.*?)(-?)\}\}", re.S)
# What Liquid's `-` strips: Ruby's white space, not the no-break spaces of French text.
LIQUID_SPACE = " \t\n\v\f\r"
UNSUPPORTED = "unsupported"
UNRESOLVED = "unresolved"
UNCLOSED = "unclosed"
UNKNOWN_CONDITION = "condition"
LOOP_REMOVED = "loop"
TOO_MUCH = "too-much"


def _end_tag(name: str) -> re.Pattern:
    return re.compile(r"\{%(-?)\s*" + name + r"\s*(-?)%\}", re.S)


END_RAW = _end_tag("endraw")
END_COMMENT = _end_tag("endcomment")
END_HIGHLIGHT = _end_tag("endhighlight")


@dataclass
class LiquidContext:
    """What the Liquid in a body may refer to: the new site's address and its posts' URLs."""

    site_url: str = ""
    post_url: Callable[[str], str | None] = lambda name: None
    link: Callable[[str], str | None] = lambda path: None
    # What `{{ page.title }}`, `{{ site.title }}` or an `assign`ed name gave on the old site
    # (text, numbers, true or false).
    variables: dict[str, object] = field(default_factory=dict)
    # The text of an include of the old site: (name, relative to the post?) -> text or None.
    include: Callable[[str, bool], str | None] = lambda name, relative: None


@dataclass
class LiquidResult:
    text: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, tag as written)


def _code_fence(language: str, code: str, before: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    lead = (
        "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    )
    return f"{lead}{ticks}{language}\n{code}\n{ticks}\n"


def _split_filters(expression: str) -> list[str]:
    parts, current, quote_char = [], [], ""
    for char in expression:
        if quote_char:
            current.append(char)
            if char == quote_char:
                quote_char = ""
        elif char in "'\"":
            quote_char = char
            current.append(char)
        elif char == "|":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _atom(token: str, context: LiquidContext) -> str | None:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    if token == "site.baseurl":
        return ""  # the new site is served at its root
    if token == "site.url":
        return context.site_url
    value = context.variables.get(token)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, list | dict | date):
        return None  # unknown, or data Liquid would print its own way: reported
    return str(value)  # nil prints nothing


def _is_nil(token: str, context: LiquidContext) -> bool:
    """A front matter key or setting the old site did not have: nil to Liquid."""
    token = token.strip()
    if token in context.variables or not re.fullmatch(r"(page|site)\.\w+", token):
        return False
    head, key = token.split(".")
    return key not in (JEKYLL_PAGE_DATA if head == "page" else JEKYLL_SITE_DATA)


def _evaluate(expression: str, context: LiquidContext) -> str | None:
    """The outputs whose value is known: site.baseurl, site.url, and literal paths through
    relative_url, absolute_url, prepend and append. Anything else is unknown (None)."""
    parts = _split_filters(expression)
    value = _atom(parts[0], context)
    if (
        value is None
        and len(parts) > 1
        and parts[1].startswith("default")
        and _is_nil(parts[0], context)
    ):
        value = ""  # `page.subtitle | default: page.title`, subtitle not written
    if value is None:
        return None
    for part in parts[1:]:
        name, _colon, argument = part.partition(":")
        name = name.strip()
        if name in ("relative_url", "absolute_url"):
            if not urlsplit(value).scheme and not value.startswith(SITE_URL_MARK):
                value = value if value.startswith("/") else "/" + value
                if name == "absolute_url":
                    value = context.site_url + value
        elif name in ("prepend", "append", "default"):
            extra = _atom(argument, context)
            if extra is None:
                return None
            if name == "default":
                value = extra if value in ("", "false") else value
            else:
                value = extra + value if name == "prepend" else value + extra
        elif name in ("escape", "xml_escape"):
            value = html.escape(value)
        elif name in ("strip", "downcase", "upcase"):
            value = {"strip": str.strip, "downcase": str.lower, "upcase": str.upper}[name](value)
        elif name in ("markdownify", "smartify"):
            pass  # the text goes on into the post's markdown, which the site renders
        else:
            return None
    return value


# Stands for `site.url` while Liquid is resolved (no file holds a NUL: such files are refused).
SITE_URL_MARK = "\x00site.url\x00"
# Where it opens a link's target before a path (`](`, `href=`, a reference definition): there,
# the path alone. In prose, code or an autolink, the address is text and stays whole.
LINKED_SITE_URL = re.compile(
    r"(\]\(\s*<?|\b(?:href|src|poster)\s*=\s*[\"']?|^ {0,3}\[[^\]\n]+\]:[ \t]*<?)"
    + re.escape(SITE_URL_MARK)
    + r"(?=/)",
    re.M | re.I,
)


def render_liquid(text: str, context: LiquidContext) -> LiquidResult:
    """Resolve the Liquid a Jekyll post may hold; report and drop what cannot be resolved.

    Output never shows a tag raw: `raw` blocks become their literal text, `highlight` a fenced
    code block, `link` and `post_url` the new URL; `comment` disappears; any other tag or
    output is reported and removed. Whitespace control (`{%-`, `-%}`) strips as Liquid does.

    The site's address before a path (`{{ site.url }}/a/`, `absolute_url`) becomes the path:
    a stored body names no host, so an import made before SITE_URL is set still links right,
    and feeds make links absolute when they are served. Alone, it is the new site's address.
    """
    marked = replace(context, site_url=SITE_URL_MARK, variables=dict(context.variables))
    flow = _ControlFlow(marked)
    result = _render_liquid(flow.run(text), marked)
    result.problems[:0] = flow.problems
    result.text = LINKED_SITE_URL.sub(r"\1", result.text).replace(SITE_URL_MARK, context.site_url)
    return result


# --- Liquid control flow: if, unless, case, for, capture, assign --------------------------

TAG = re.compile(r"\{%(-?)\s*(\w+)(.*?)(-?)%\}", re.S)
OUTPUT = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)
OPAQUE_BLOCKS = {"raw": END_RAW, "comment": END_COMMENT, "highlight": END_HIGHLIGHT}
# Each block, the tags that split it into branches.
FLOW_BLOCKS = {
    "if": ("elsif", "else"),
    "unless": ("elsif", "else"),
    "case": ("when", "else"),
    "for": ("else",),
    "capture": (),
}
LOOP_LIMIT = 100
INCLUDE_DEPTH = 5
# Loop iterations and includes one text may expand, in all: an include of itself or nested
# loops would otherwise grow a post without bound.
EXPANSION_BUDGET = 1000
INCLUDE_PARAMETER = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|[\w.-]+)""")
UNKNOWN = object()


class _Nil:
    """Liquid's nil as a value: prints nothing, is false."""

    def __str__(self) -> str:
        return ""


NIL = _Nil()
# What Jekyll gives `page` and `site` besides the front matter and _config.yml: unknown here.
JEKYLL_PAGE_DATA = frozenset(
    {"url", "date", "id", "categories", "category", "tags", "content", "excerpt", "path",
     "next", "previous", "collection", "relative_path", "dir", "name", "output", "slug"}
)  # fmt: skip
JEKYLL_SITE_DATA = frozenset(
    {"posts", "pages", "tags", "categories", "time", "data", "collections", "documents",
     "static_files", "html_pages", "html_files", "related_posts", "github", "drafts"}
)  # fmt: skip
CONDITION_RE = re.compile(r"\s+(==|!=|<>|<=|>=|<|>|contains)\s+")


class _Verbatim(str):
    """Text the control-flow pass leaves to the flat pass as it is: raw, comment and highlight
    blocks, tags it does not run (link, post_url, unknown ones), an unclosed block."""


@dataclass
class _Block:
    name: str
    branches: list[tuple[str, str, list]]  # (tag, its arguments, children)
    written: str


@dataclass
class _Action:
    name: str  # assign, include, include_relative
    arguments: str
    written: str


class _ControlFlow:
    """What Liquid's blocks showed, resolved before the rest of the Liquid, in the order the
    old site ran it: the branch of an `if` whose condition holds (literals, `page.*` from the
    front matter, `site.*` from _config.yml, assigned names), `assign` and `capture` where
    they stand, a `for` over a range repeated, an include filled in. Outputs are filled in as
    they are met, with the values of that moment. A condition it cannot know keeps its first
    branch, and a loop over site data is removed; both are reported."""

    def __init__(self, context: LiquidContext):
        self.context = context
        self.problems: list[tuple[str, str]] = []
        self.unknown_names: set[str] = set()
        self.depth = 0
        self.budget = EXPANSION_BUDGET

    def run(self, text: str) -> str:
        if "{%" not in text or not TAG.search(text):
            return text
        nodes, _end = self._parse(text, 0, ())
        return self._render(nodes)

    # Parsing: text, blocks and actions; raw, comment and highlight left whole.
    def _parse(self, text: str, position: int, stops: tuple[str, ...]):
        nodes: list = []
        strip_next = False
        while True:
            match = TAG.search(text, position)
            chunk = text[position : match.start() if match else len(text)]
            if strip_next:
                chunk = chunk.lstrip(LIQUID_SPACE)
            if match and match.group(1) == "-" and _is_flow_tag(match.group(2), stops):
                chunk = chunk.rstrip(LIQUID_SPACE)
            nodes.append(chunk)
            strip_next = False
            if match is None:
                return nodes, None
            name, arguments = match.group(2), match.group(3).strip()
            written = re.sub(r"\s+", " ", match.group(0))
            if name in OPAQUE_BLOCKS:
                closing = OPAQUE_BLOCKS[name].search(text, match.end())
                end = closing.end() if closing else match.end()
                nodes.append(_Verbatim(text[match.start() : end]))
                position = end
                continue
            if name in stops:
                return nodes, match
            strip_next = match.group(4) == "-"
            if name in FLOW_BLOCKS:
                block, position, strip_next = self._parse_block(text, match, name, arguments)
                nodes.append(block)
                continue
            if name in ("assign", "include", "include_relative"):
                nodes.append(_Action(name, arguments, written))
            elif name not in ("break", "continue"):
                # For the flat pass: link, post_url, and what nobody runs (reported there).
                nodes.append(_Verbatim(match.group(0)))
                strip_next = False
            position = match.end()

    def _parse_block(self, text: str, opening: re.Match, name: str, arguments: str):
        branches: list[tuple[str, str, list]] = []
        tag, position, first = name, opening.end(), opening
        stops = (*FLOW_BLOCKS[name], "end" + name)
        written = re.sub(r"\s+", " ", opening.group(0))
        while True:
            children, stop = self._parse(text, position, stops)
            if first.group(4) == "-" and children and isinstance(children[0], str):
                children[0] = children[0].lstrip(LIQUID_SPACE)
            branches.append((tag, arguments, children))
            if stop is None:
                # Never closed: Liquid refuses the template. Its text stays, tags removed
                # by the flat pass, as the report says.
                self.problems.append((UNCLOSED, written))
                return _Verbatim(text[opening.start() :]), len(text), False
            if stop.group(2) == "end" + name:
                return _Block(name, branches, written), stop.end(), stop.group(4) == "-"
            tag, arguments = stop.group(2), stop.group(3).strip()
            position, first = stop.end(), stop

    # Rendering, in the order of the text
    def _render(self, nodes: list) -> str:
        out = []
        for node in nodes:
            if isinstance(node, _Verbatim):
                out.append(node)
            elif isinstance(node, str):
                out.append(self._fill(node))
            elif isinstance(node, _Action):
                out.append(self._act(node))
            else:
                out.append(self._render_block(node))
        return "".join(out)

    def _fill(self, text: str) -> str:
        """Outputs whose value is known now, filled in; the others left to the flat pass."""
        if "{{" not in text:
            return text
        out: list[str] = []
        position = 0
        strip_next = False
        for match in OUTPUT.finditer(text):
            value = _evaluate(match.group(2), self.context)
            if value is None:
                continue
            chunk = text[position : match.start()]
            if strip_next:
                chunk = chunk.lstrip(LIQUID_SPACE)
            if match.group(1) == "-":
                chunk = chunk.rstrip(LIQUID_SPACE)
            # A value is text: Liquid-looking text in it (a title about `{% raw %}`) stays.
            out.append(chunk + protect_liquid(value))
            strip_next = match.group(3) == "-"
            position = match.end()
        rest = text[position:]
        out.append(rest.lstrip(LIQUID_SPACE) if strip_next else rest)
        return "".join(out)

    def _act(self, action: _Action) -> str:
        if action.name == "assign":
            self._assign(action.arguments)
            return ""
        included = self._include(action.name == "include_relative", action.arguments)
        if included is None:
            return _Verbatim(action.written)  # reported and removed by the flat pass
        return included

    def _spend(self, written: str) -> bool:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.problems.append((TOO_MUCH, written))
            return False
        return True

    def _render_block(self, block: _Block) -> str:
        if block.name == "capture":
            name = block.branches[0][1].split()[:1]
            # What it printed, final: raw text literal, its other Liquid resolved.
            captured = _render_liquid(self._render(block.branches[0][2]), self.context)
            self.problems.extend(captured.problems)
            if name:
                self._set(name[0], captured.text)
            return ""
        if block.name == "for":
            return self._render_loop(block)
        subject = self._value(block.branches[0][1]) if block.name == "case" else None
        for tag, arguments, children in block.branches:
            if tag == "else":
                return self._render(children)
            if block.name == "case":
                if tag == "case":
                    continue
                values = [self._value(part) for part in re.split(r"\s*,\s*|\s+or\s+", arguments)]
                if subject is UNKNOWN or any(value is UNKNOWN for value in values):
                    holds = UNKNOWN
                else:
                    holds = any(_equal(subject, value) for value in values)
            else:
                holds = self._condition(arguments)
                if tag == "unless" and holds is not UNKNOWN:
                    holds = not holds
            if holds is UNKNOWN:
                self.problems.append((UNKNOWN_CONDITION, f"{{% {tag} {arguments} %}}"))
                return self._render(children)
            if holds:
                return self._render(children)
        return ""

    def _render_loop(self, block: _Block) -> str:
        arguments = block.branches[0][1]
        loop = re.match(r"(\w+)\s+in\s+\(([\w.-]+)\.\.([\w.-]+)\)\s*(.*)$", arguments)
        options = _loop_options(loop.group(4)) if loop else None
        bounds = [self._value(loop.group(index)) for index in (2, 3)] if loop else []
        if options is None or not all(
            isinstance(b, int) and not isinstance(b, bool) for b in bounds
        ):
            # Over the old site's data (posts, tags…): removed, with what it showed.
            self.problems.append((LOOP_REMOVED, block.written))
            return ""
        # A range object, sliced: (1..99999999999) builds no list.
        numbers = range(bounds[0], bounds[1] + 1)
        if options["reversed"]:  # Liquid reverses before it limits
            numbers = numbers[::-1]
        numbers = numbers[options["offset"] :]
        if options["limit"] is not None:
            numbers = numbers[: options["limit"]]
        if not numbers:
            else_branch = [children for tag, _args, children in block.branches if tag == "else"]
            return self._render(else_branch[0]) if else_branch else ""
        if len(numbers) > LOOP_LIMIT:
            self.problems.append((TOO_MUCH, block.written))
            numbers = numbers[:LOOP_LIMIT]
        name = loop.group(1)
        saved = self.context.variables.get(name)
        out = []
        for number in numbers:
            if not self._spend(block.written):
                break
            self.context.variables[name] = number
            out.append(self._render(block.branches[0][2]))
        if saved is None:
            self.context.variables.pop(name, None)
        else:
            self.context.variables[name] = saved
        return "".join(out)

    def _include(self, relative: bool, arguments: str) -> str | None:
        """An include of the old site (`{% include figure.html image="…" caption="…" %}`),
        filled in as Jekyll did: the figure, the video, the note it made. None when the file
        or its name is not known: the flat pass then reports the tag and removes it."""
        words = arguments.split(None, 1)
        if not words or "{{" in words[0] or ".." in words[0].split("/"):
            return None  # a computed name, or one that climbs out (Jekyll refuses it too)
        if self.depth >= INCLUDE_DEPTH or not self._spend("{% include " + arguments + " %}"):
            return None
        text = self.context.include(words[0], relative)
        if text is None:
            return None
        # Parameters read in the caller's scope (a nested include passes `include.src` on);
        # the include sees only its own `include.*`, the rest of the scope is shared, as in
        # Jekyll (an `assign` in an include is seen after it).
        given = {
            f"include.{key}": self._value(value)
            for key, value in INCLUDE_PARAMETER.findall(words[1] if len(words) > 1 else "")
        }
        variables = self.context.variables
        outer = {key: value for key, value in variables.items() if key.startswith("include.")}
        outer_unknown = {name for name in self.unknown_names if name.startswith("include.")}
        for key in outer:
            del variables[key]
        self.unknown_names -= outer_unknown
        for key in set(re.findall(r"\binclude\.([\w-]+)", text)):
            variables[f"include.{key}"] = NIL  # not passed: nil, as in Liquid
        for key, value in given.items():
            self._set(key, value)
        self.depth += 1
        try:
            inner = _render_liquid(self.run(text), self.context)
        finally:
            self.depth -= 1
            for key in [key for key in variables if key.startswith("include.")]:
                del variables[key]
            self.unknown_names = {n for n in self.unknown_names if not n.startswith("include.")}
            variables.update(outer)
            self.unknown_names |= outer_unknown
        self.problems.extend(inner.problems)
        # Its output is text of the post now: no Liquid of it runs a second time.
        return _Verbatim(protect_liquid(inner.text))

    # Values and conditions
    def _set(self, name: str, value) -> None:
        if value is UNKNOWN:
            self.unknown_names.add(name)
            self.context.variables.pop(name, None)
        else:
            self.unknown_names.discard(name)
            self.context.variables[name] = NIL if value is None else value

    def _assign(self, arguments: str) -> None:
        name, _equals, expression = arguments.partition("=")
        name = name.strip()
        if re.fullmatch(r"\w+", name):
            known = _equals and "|" not in expression
            self._set(name, self._value(expression) if known else UNKNOWN)

    def _value(self, token: str):
        token = token.strip()
        if token in ("true", "false"):
            return token == "true"
        if token in ("nil", "null", "empty", "blank"):
            return None
        if re.fullmatch(r"-?\d{1,30}", token):
            return int(token)
        if re.fullmatch(r"-?\d{1,30}\.\d{1,30}", token):
            return float(token)
        if token in self.context.variables:
            value = self.context.variables[token]
            return None if value is NIL else value
        if token in self.unknown_names:
            return UNKNOWN
        value = _evaluate(token, self.context)
        if value is not None:
            return value
        if re.fullmatch(r"\w+(\.\w+)?", token):
            head, _dot, key = token.partition(".")
            # What Liquid had no value for is nil: a front matter key or setting not written,
            # a name never assigned. Jekyll's own page and site data stay unknown here.
            if (
                (head == "page" and key not in JEKYLL_PAGE_DATA)
                or (head == "site" and key not in JEKYLL_SITE_DATA)
                or (not key and head not in ("forloop", "include", "paginator", "layout"))
            ):
                return None
        return UNKNOWN

    def _condition(self, expression: str):
        # Liquid reads `and`/`or` right to left, without precedence.
        parts = re.split(r"\s+(and|or)\s+", expression.strip())
        result = self._comparison(parts[-1])
        for index in range(len(parts) - 3, -1, -2):
            left, operator = self._comparison(parts[index]), parts[index + 1]
            if UNKNOWN in (left, result):
                known = left if result is UNKNOWN else result
                if known is UNKNOWN or (operator == "and") == bool(known):
                    result = UNKNOWN
                    continue
                result = known
            else:
                result = (left and result) if operator == "and" else (left or result)
        return result

    def _comparison(self, expression: str):
        split = CONDITION_RE.split(expression.strip(), maxsplit=1)
        if len(split) == 1:
            value = self._value(split[0])
            return value if value is UNKNOWN else _truthy(value)
        left, operator, right = self._value(split[0]), split[1], self._value(split[2])
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        if operator in ("==", "!=", "<>"):
            return _equal(left, right) == (operator == "==")
        if operator == "contains":
            if isinstance(left, str):
                return isinstance(right, str) and right in left
            try:
                return isinstance(left, list | dict) and right in left
            except TypeError:  # an unhashable value asked of a dict
                return False
        try:
            return {
                "<": lambda: left < right,
                ">": lambda: left > right,
                "<=": lambda: left <= right,
                ">=": lambda: left >= right,
            }[operator]()
        except TypeError:
            return False


def _loop_options(text: str) -> dict | None:
    """`reversed`, `limit: n` and `offset: n` of a `for`; None for anything else."""
    options = {"reversed": False, "limit": None, "offset": 0}
    for index, word in enumerate(re.findall(r"reversed|\w+\s*:\s*\S+|\S+", text)):
        if word == "reversed":
            options["reversed"] = index == 0  # Liquid reads it only right after the range
        elif match := re.fullmatch(r"(limit|offset)\s*:\s*(\d+)", word):
            options[match.group(1)] = int(match.group(2))
        else:
            return None
    return options


def _truthy(value) -> bool:
    """Liquid's truth: everything but nil and false (0 and "" are true)."""
    return not (value is None or value is False)


def _equal(left, right) -> bool:
    """Liquid's ==: true is not 1, "1" is not 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def protect_liquid(text: str) -> str:
    """Text that must come out of Liquid as it is: in `raw` blocks. Those do not nest, so a
    literal `{% endraw %}` is written as `{%` at the end of a block and ` endraw %}` after it,
    which Liquid reads back as the literal tag."""
    if "{{" not in text and "{%" not in text:
        return text
    parts = []
    position = 0
    for match in END_RAW.finditer(text):
        literal = match.group(0)
        parts.append("{% raw %}" + text[position : match.start()] + "{%{% endraw %}" + literal[2:])
        position = match.end()
    parts.append("{% raw %}" + text[position:] + "{% endraw %}")
    return "".join(parts)


def liquid_variables(document: Document) -> dict[str, object]:
    """`site.*` (text settings of _config.yml) and `page.*` (the front matter, the title and
    the date) as Liquid gave them to this post; `site.url` and `site.baseurl` have their own
    handling (the new site's address, and none)."""
    site = document.source.site
    variables = {
        key: value
        for key, value in site.site_values.items()
        if key not in ("site.url", "site.baseurl")
    }
    for key, value in document.data.items():
        if isinstance(value, str | int | float | bool | list | dict | date):
            variables[f"page.{key}"] = value
    if document.title:
        variables["page.title"] = document.title
    if document.is_post:
        # As Jekyll splits them: `tags: python web` is two tags.
        variables["page.tags"] = list(document.tags)
        variables["page.categories"] = list(document.categories)
    return variables


def _is_flow_tag(name: str, stops: tuple[str, ...]) -> bool:
    return (
        name in FLOW_BLOCKS
        or name in stops
        or name.startswith("end")
        or name in ("assign", "include", "include_relative")
    )


def _render_liquid(text: str, context: LiquidContext) -> LiquidResult:
    result = LiquidResult(text="")
    out: list[str] = []
    position = 0
    strip_next = False

    def emitted() -> str:
        return "".join(out[-3:])

    while True:
        match = TOKEN.search(text, position)
        chunk = text[position : match.start() if match else len(text)]
        if strip_next:
            chunk = chunk.lstrip(LIQUID_SPACE)
            strip_next = False
        if match and "-" in (match.group(1) or "") + (match.group(4) or ""):
            chunk = chunk.rstrip(LIQUID_SPACE)
        out.append(chunk)
        if not match:
            break
        written = re.sub(r"\s+", " ", match.group(0))
        if match.group(2) is None:  # {{ output }}
            value = _evaluate(match.group(5), context)
            if value is None:
                result.problems.append((UNSUPPORTED, written))
            else:
                out.append(value)
            strip_next = match.group(6) == "-"
            position = match.end()
            continue
        words = match.group(2).split(None, 1)
        name = words[0] if words else ""
        arguments = " ".join(words[1].split()) if len(words) > 1 else ""
        strip_after = match.group(3) == "-"
        if name in ("raw", "comment", "highlight"):
            end = {"raw": END_RAW, "comment": END_COMMENT, "highlight": END_HIGHLIGHT}[name]
            closing = end.search(text, match.end())
            if closing is None:
                result.problems.append((UNCLOSED, written))
                position = match.end()
                strip_next = strip_after
                continue
            content = text[match.end() : closing.start()]
            if name == "raw":
                if strip_after:
                    content = content.lstrip(LIQUID_SPACE)
                if closing.group(1) == "-":
                    content = content.rstrip(LIQUID_SPACE)
                out.append(content)
            elif name == "highlight":
                inner_result = render_liquid(content, context)
                result.problems.extend(inner_result.problems)
                code = inner_result.text.strip("\r\n")
                language = arguments.split()[0] if arguments else ""
                out.append(_code_fence(language, code, emitted()))
                # The fence ends its line; a newline right after the tag would double it.
                if text[closing.end() : closing.end() + 1] == "\n":
                    position = closing.end() + 1
                    strip_next = closing.group(2) == "-"
                    continue
            position = closing.end()
            strip_next = closing.group(2) == "-"
            continue
        if name in ("post_url", "link"):
            target = arguments.strip("'\"")
            url = context.post_url(target) if name == "post_url" else context.link(target)
            if url is None:
                result.problems.append((UNRESOLVED, written))
            else:
                out.append(url)
        else:
            result.problems.append((UNSUPPORTED, written))
        strip_next = strip_after
        position = match.end()
    result.text = "".join(out)
    return result


# --- HTML blocks ---------------------------------------------------------------------------

# An HTML block's opening tag at the start of a line, with no `markdown` attribute yet.
BLOCK_HTML_START = re.compile(
    r"^( {0,3}<(?:address|article|aside|blockquote|dd|details|div|dl|dt|fieldset|figcaption"
    r"|figure|footer|form|h[1-6]|header|li|main|nav|ol|p|section|summary|table|tbody|td"
    r"|tfoot|th|thead|tr|ul))(?=[\s/>])(?![^>\n]*\bmarkdown\s*=)",
    re.I | re.M,
)


def mark_block_html(text: str) -> str:
    """kramdown's `parse_block_html`, written into the text: each HTML block gets
    `markdown="1"`, kramdown's own way to ask for it, which Python-Markdown reads too.
    Fenced code is left as it is."""
    pieces, position = [], 0
    for fenced in FENCE_RE.finditer(text):
        pieces.append(BLOCK_HTML_START.sub(r'\1 markdown="1"', text[position : fenced.start()]))
        pieces.append(fenced.group(0))
        position = fenced.end()
    pieces.append(BLOCK_HTML_START.sub(r'\1 markdown="1"', text[position:]))
    return "".join(pieces)


# --- Local files ---------------------------------------------------------------------------

# kramdown's link targets: `<…>`, or words with balanced parentheses and single spaces
# (`/img/vue mer.jpg`, `/img/photo(1).jpg`) up to a quoted title or the closing parenthesis.
# A word may hold an apostrophe (`l'été.jpg`), but not start with a quote: that is a title.
_TARGET_WORD = r"(?:[^\s()<>\"']|\([^\s()]*\))(?:[^\s()<>\"]|\([^\s()]*\))*"
MARKDOWN_TARGET = re.compile(rf"\]\(\s*(?:<([^<>\n]+)>|({_TARGET_WORD}(?: {_TARGET_WORD})*))")
MARKDOWN_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)>?", re.M)
HTML_ATTRIBUTE = re.compile(r"""\b(src|href|poster|data-src)\s*=\s*(["'])(.*?)\2""", re.I | re.S)
HTML_SRCSET = re.compile(r"""\bsrcset\s*=\s*(["'])(.*?)\1""", re.I | re.S)


@dataclass(frozen=True)
class Reference:
    """A URL inside a text, and where it is, to be rewritten in place."""

    start: int
    end: int
    url: str
    embedded: bool = False  # an src: a file whatever its extension


def find_references(text: str) -> list[Reference]:
    """Links and images in markdown and HTML, in order, never overlapping."""
    found: list[Reference] = []
    for match in MARKDOWN_TARGET.finditer(text):
        group = 1 if match.group(1) is not None else 2
        found.append(Reference(match.start(group), match.end(group), match.group(group)))
    for match in MARKDOWN_REFERENCE.finditer(text):
        found.append(Reference(match.start(1), match.end(1), match.group(1)))
    # The attribute patterns are the slow ones; most posts have no HTML to look at.
    lowered = text.lower()
    has_attributes = "src" in lowered or "href" in lowered or "poster" in lowered
    for match in HTML_ATTRIBUTE.finditer(text) if has_attributes else ():
        embedded = match.group(1).lower() != "href"
        found.append(Reference(match.start(3), match.end(3), match.group(3).strip(), embedded))
    for match in HTML_SRCSET.finditer(text) if "srcset" in lowered else ():
        offset = match.start(2)
        for candidate in re.finditer(r"[^\s,][^\s]*", match.group(2)):
            url = candidate.group(0).rstrip(",")
            if re.fullmatch(r"\d+(\.\d+)?[wx]", url):
                continue
            start = offset + candidate.start()
            found.append(Reference(start, start + len(url), url, True))
    found.sort(key=lambda reference: reference.start)
    unique: list[Reference] = []
    for reference in found:
        if unique and reference.start < unique[-1].end:
            continue
        unique.append(reference)
    return unique


@dataclass(frozen=True)
class LocalFile:
    """A file a post points at: where it is (None when missing), and where it goes."""

    url: str  # as written
    path: Path | None
    name: str  # storage name, the same relative layout as in the site
    old_path: str | None  # the address the old site served it at
    suffix: str  # ?query and #fragment, kept when the link is rewritten


def _existing(candidate: Path) -> Path | None:
    for form in (str(candidate), unicodedata.normalize("NFD", str(candidate))):
        path = Path(os.path.normpath(form))
        if path.is_file():
            return path
    return None


def locate_file(url: str, document: Document, *, embedded: bool = False) -> LocalFile | None:
    """The local file a link or an src points at, or None when it is not a local file."""
    site = document.source.site
    split = urlsplit(url)
    if (split.scheme or split.netloc) and (
        split.scheme not in ("http", "https", "") or split.netloc.lower() not in site.local_hosts
    ):
        return None
    if not split.path:
        return None
    extension = PurePosixPath(split.path).suffix.lower()
    if extension not in FILE_EXTENSIONS and not (
        embedded and extension not in PAGE_LIKE_EXTENSIONS
    ):
        return None
    suffix = ("?" + split.query if split.query else "") + (
        "#" + split.fragment if split.fragment else ""
    )
    written = nfc(unquote(split.path))
    root = site.files_root
    candidates: list[Path] = []
    if written.startswith("/"):
        relative = written
        if site.baseurl and relative.startswith(site.baseurl + "/"):
            relative = relative[len(site.baseurl) :]
        if root is not None:
            candidates.append(root / relative.lstrip("/"))
    else:
        candidates.append(document.source.path.parent / written)
        if root is not None and document.url:
            folder = old_path(document.url).rsplit("/", 1)[0]
            candidates.append(root / folder.lstrip("/") / written)
        if root is not None:
            candidates.append(root / written)
    found = next((path for path in map(_existing, candidates) if path), None)
    target = found or (candidates[0] if candidates else None)
    name, served = _storage_name(target, root, document) if target else (written.lstrip("/"), None)
    return LocalFile(url=url, path=found, name=name, old_path=served, suffix=suffix)


def _storage_name(path: Path, root: Path | None, document: Document) -> tuple[str, str | None]:
    resolved = Path(os.path.normpath(path.absolute()))
    if root is not None:
        root = root.resolve()
        if resolved.is_relative_to(root):
            relative = nfc(resolved.relative_to(root).as_posix())
            return relative, old_path(document.source.site.baseurl + "/" + relative)
    folder = document.source.path.parent.resolve()
    if resolved.is_relative_to(folder):
        return nfc(resolved.relative_to(folder).as_posix()), None
    return "imports/" + nfc(resolved.name), None


def content_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()
