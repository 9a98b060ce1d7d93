"""Every post and page written back as a Jekyll site, with the media they use: no lock-in.

The folder this writes is what `import_posts` reads, so exporting then importing into an empty
site gives back the same posts (titles, dates, categories, tags, bodies, old addresses).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

import yaml
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from blog.jekyll import protect_liquid
from blog.models import Category, OldURL, Page, Post, SiteIdentity

# The pattern of the new site's post addresses (blog:post), in Jekyll's words.
CARNET_PERMALINK = "/:year/:month/:day/:title/"
# The front matter keys this module writes; kept keys from the import never override them.
MANAGED_KEYS = {
    "title",
    "date",
    "categories",
    "category",
    "tags",
    "tag",
    "published",
    "description",
    "excerpt_separator",
    "excerpt",
    "last_modified_at",
    "permalink",
    "redirect_from",
    "hard_wrap",
    "feed_id",
}


@dataclass
class ExportReport:
    posts: list[Path] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    pages: list[Path] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)


def jekyll_date(value) -> str:
    """`2017-01-03 09:12:00 +0100`: the form Jekyll writes, in the site's time zone."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %z")


def escape_liquid(text: str) -> str:
    """Jekyll runs Liquid over the body first: literal `{{` or `{%` must not run on re-import."""
    return protect_liquid(text)


class MediaCollector:
    """Finds links to media storage in markdown, copies those files, and rewrites the links.

    `/media/img/posts/x.jpg` becomes `/img/posts/x.jpg`, the file copied to `img/posts/x.jpg`
    in the export: the place a Jekyll site serves it from.
    """

    def __init__(self, destination: Path, report: ExportReport):
        self.destination = destination
        self.report = report
        media_url = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else "/"
        prefixes = [re.escape(settings.SITE_URL + media_url), re.escape(media_url)]
        alternatives = "|".join(prefixes)
        self.pattern = re.compile(rf"(?:{alternatives})([^\s)\"'<>\]]+)")

    def rewrite(self, text: str) -> str:
        return self.pattern.sub(self._replace, text or "")

    def _replace(self, match: re.Match) -> str:
        encoded = match.group(1)
        relative = PurePosixPath(unquote(encoded.split("?")[0].split("#")[0]))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return match.group(0)
        name = str(relative)
        if name not in self.report.media and name not in self.report.missing_media:
            self._copy(name)
        return "/" + encoded

    def copy_the_rest(self) -> None:
        """Every other media file too: images no post links any more still have an address
        (linked from elsewhere, imported from the old site), and uploads she may use again."""
        for name in _storage_files(""):
            if name not in self.report.media:
                self._copy(name)

    def _copy(self, name: str) -> None:
        if not default_storage.exists(name):
            self.report.missing_media.append(name)
            return
        target = self.destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        self.report.media.append(name)


def _storage_files(folder: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{folder}/{name}" if folder else name for name in sorted(files)]
    for child in sorted(folders):
        names.extend(_storage_files(f"{folder}/{child}" if folder else child))
    return names


def site_url_for_export() -> str:
    """The `url` the exported site declares.

    Imported posts keep their old permalink as their feed guid; the importer rebuilds it from
    `url` and the post's permalink, so the old site's address is kept when all posts share it.
    """
    origins = Counter()
    for permalink in Post.objects.exclude(old_permalink="").values_list("old_permalink", flat=True):
        parts = urlsplit(permalink)
        if parts.scheme and parts.netloc:
            origins[f"{parts.scheme}://{parts.netloc}"] += 1
    if len(origins) == 1:
        return next(iter(origins))
    return settings.SITE_URL


def post_permalink(post: Post) -> str | None:
    """The address the post answers on the old site if it came from one, else its address here.

    Written as the old site escaped it (`%23` for `#`), which is also how the feed guid spells it.
    """
    if post.old_permalink:
        path = urlsplit(post.old_permalink).path
        if path:
            return path
    if post.published_at is None:
        return None
    return post.get_absolute_url()


def as_stored_path(url: str) -> str:
    """An address as OldURL keeps it: percent-decoded, NFC."""
    return unicodedata.normalize("NFC", unquote(url))


def as_link(path: str) -> str:
    """A stored (decoded) path escaped back, so `#`, `?` and `%` in it survive a re-import."""
    return quote(path, safe="/!$&'()*+,;=:@-._~")


def site_hard_wrap() -> bool:
    """kramdown's `hard_wrap` for the whole exported site: what most posts and pages use.

    Jekyll knows it only per site; the posts that differ carry `hard_wrap` in their front
    matter, which the importer reads (Jekyll itself renders them with the site's value).
    """
    votes = Counter(Post.objects.values_list("hard_wrap", flat=True))
    votes.update(Page.objects.values_list("hard_wrap", flat=True))
    if votes[True] == votes[False]:
        return settings.MARKDOWN_HARD_WRAP
    return votes[True] > votes[False]


def post_front_matter(post: Post, hard_wrap: bool | None = None) -> dict:
    permalink = post_permalink(post)
    data: dict = {"title": post.title}
    if post.published_at is not None:
        data["date"] = jekyll_date(post.published_at)
    data["categories"] = [category.slug for category in post.categories.all()]
    data["tags"] = sorted(tag.name for tag in post.tags.all())
    if post.status == Post.Status.DRAFT:
        data["published"] = False
    if post.description:
        data["description"] = post.description
    data["excerpt_separator"] = post.excerpt_separator or settings.EXCERPT_SEPARATOR
    if post.excerpt:
        data["excerpt"] = post.excerpt
    if post.old_feed_id:
        # The id the old feed gave the post (jekyll-feed's post.id): readers of the feed
        # must not see it again as a new entry after the round trip.
        data["feed_id"] = post.old_feed_id
    if hard_wrap is not None and post.hard_wrap != hard_wrap:
        data["hard_wrap"] = post.hard_wrap
    if post.updated_at is not None:
        data["last_modified_at"] = jekyll_date(post.updated_at)
    if permalink:
        data["permalink"] = permalink
    main = as_stored_path(permalink) if permalink else None
    redirects = sorted(as_link(old.path) for old in post.old_urls.all() if old.path != main)
    if redirects:
        data["redirect_from"] = redirects
    for key, value in (post.front_matter or {}).items():
        if key not in MANAGED_KEYS:
            data[key] = value
    return data


def as_document(front_matter: dict, body: str) -> str:
    header = yaml.safe_dump(
        front_matter, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )
    return f"---\n{header}---\n\n{body.rstrip()}\n"


def post_file(post: Post) -> Path:
    extension = "md" if post.markdown else "html"
    if post.published_at is None:
        return Path("_drafts") / f"{post.slug}.{extension}"
    local = timezone.localtime(post.published_at)
    return Path("_posts") / f"{local:%Y-%m-%d}-{post.slug}.{extension}"


def site_config(url: str, hard_wrap: bool) -> dict:
    identity = SiteIdentity.current()
    return {
        "title": identity.title,
        "description": identity.tagline,
        "author": identity.author_name,
        "lang": settings.LANGUAGE_CODE,
        "url": url,
        "baseurl": "",
        "timezone": settings.TIME_ZONE,
        "permalink": CARNET_PERMALINK,
        "excerpt_separator": settings.EXCERPT_SEPARATOR,
        "markdown": "kramdown",
        "kramdown": {"input": "GFM", "hard_wrap": hard_wrap},
        "include": ["_pages"],
        "plugins": ["jekyll-redirect-from"],
        "defaults": [
            {"scope": {"path": "", "type": "posts"}, "values": {"layout": "post"}},
        ],
    }


def export_site(destination: Path) -> ExportReport:
    """Write every post (drafts too), page, category and used media file under `destination`."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    media = MediaCollector(destination, report)
    hard_wrap = site_hard_wrap()

    posts = Post.objects.prefetch_related("categories", "tags", "old_urls").order_by(
        "published_at", "pk"
    )
    for post in posts:
        front_matter = post_front_matter(post, hard_wrap)
        if "excerpt" in front_matter:
            front_matter["excerpt"] = media.rewrite(front_matter["excerpt"])
        relative = post_file(post)
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            as_document(front_matter, escape_liquid(media.rewrite(post.body).rstrip())),
            encoding="utf-8",
        )
        (report.drafts if post.published_at is None else report.posts).append(relative)

    for page in Page.objects.prefetch_related("old_urls").order_by("slug"):
        front_matter = {"title": page.title, "permalink": page.get_absolute_url()}
        if page.description:
            front_matter["description"] = page.description
        if page.hard_wrap != hard_wrap:
            front_matter["hard_wrap"] = page.hard_wrap
        if not page.is_published:
            front_matter["published"] = False
        redirects = sorted(as_link(old.path) for old in page.old_urls.all())
        if redirects:
            front_matter["redirect_from"] = redirects
        for key, value in (page.front_matter or {}).items():
            front_matter.setdefault(key, value)
        relative = Path("_pages") / f"{page.slug}.{'md' if page.markdown else 'html'}"
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        (destination / relative).write_text(
            as_document(front_matter, escape_liquid(media.rewrite(page.body).rstrip())),
            encoding="utf-8",
        )
        report.pages.append(relative)
    media.copy_the_rest()

    categories = {
        category.slug: {"title": category.name, "description": category.description}
        for category in Category.objects.order_by("slug")
    }
    (destination / "_data").mkdir(exist_ok=True)
    (destination / "_data" / "categories.yml").write_text(
        yaml.safe_dump(categories, allow_unicode=True, sort_keys=False, width=1000),
        encoding="utf-8",
    )
    # Addresses that lead to a fixed place (old tag and category pages, merged or renamed
    # tags): not tied to a post, so kept here as data, readable by any tool.
    redirects = dict(
        OldURL.objects.filter(post=None, page=None)
        .exclude(target="")
        .order_by("path")
        .values_list("path", "target")
    )
    (destination / "_data" / "redirects.yml").write_text(
        "# Old address: where it leads now (301). Written by Carnet's export_posts.\n"
        + yaml.safe_dump(redirects, allow_unicode=True, sort_keys=False, width=1000),
        encoding="utf-8",
    )
    (destination / "_config.yml").write_text(
        "# Written by Carnet's export_posts.\n"
        + yaml.safe_dump(
            site_config(site_url_for_export(), hard_wrap),
            allow_unicode=True,
            sort_keys=False,
            width=1000,
        ),
        encoding="utf-8",
    )
    return report
