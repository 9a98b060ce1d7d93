"""The blog's content: posts, categories, tags, pages, old addresses, revisions, site identity."""

from __future__ import annotations

import math
import re
import time
import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from blog import rendering

WORDS_PER_MINUTE = 200


def default_hard_wrap() -> bool:
    return settings.MARKDOWN_HARD_WRAP


def plain_search_text(*parts: str) -> str:
    """Lower-cased text without accents or tags, so that `cooperative` finds `coopérative`."""
    return folded(" ".join(strip_tags(part) for part in parts if part))


def folded(text: str) -> str:
    """`text` lower-cased, without accents."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    if decomposed.isascii():
        return decomposed
    # A text has a handful of distinct accents: removing each at once is 4x faster than
    # testing every character.
    for mark in {char for char in set(decomposed) if unicodedata.combining(char)}:
        decomposed = decomposed.replace(mark, "")
    return decomposed


def every_word_in(field: str, search_term: str) -> models.Q | None:
    """Rows whose `field`, a folded text, holds every word of `search_term`, accents and case
    aside, a quoted phrase as one word (as Django's admin search); None when there is none.

    The admin's searches: Django's own is case-sensitive for accented letters on SQLite.
    """
    words = []
    for bit in smart_split(search_term):
        if len(bit) > 1 and bit[0] in "\"'" and bit[-1] == bit[0]:
            bit = unescape_string_literal(bit)
        if bit.strip():
            words.append(folded(bit))
    if not words:
        return None
    found = models.Q()
    for word in words:
        found &= models.Q(**{f"{field}__contains": word})
    return found


ALNUM_RE = re.compile(r"[^\W_]")  # a character str.isalnum accepts


def count_words(text: str) -> int:
    """Words have at least one letter or digit: French typography puts a (no-break) space
    before : ; ! ?, which split() alone would count as words."""
    return sum(1 for word in text.split() if word.isalnum() or ALNUM_RE.search(word))


class RenderInput(NamedTuple):
    """What a post's generated fields depend on (with the rendering settings)."""

    title: str
    description: str
    body: str
    excerpt: str
    separator: str
    hard_wrap: bool
    markdown: bool = True


def render_post_fields(source: RenderInput) -> dict[str, object]:
    """A post's generated fields: HTML of the body and excerpt, word count, search text.

    A plain function of its input, so that the importer can run it in other processes.
    """
    options = rendering.RenderOptions(hard_wrap=source.hard_wrap, markdown=source.markdown)
    if source.excerpt:
        body_html = rendering.render_markdown(source.body, options)
        excerpt_html, has_more = rendering.render_markdown(source.excerpt, options), True
    else:
        body_html, excerpt_html, has_more = rendering.render_with_excerpt(
            source.body, source.separator, options
        )
    # The HTML is sanitised (well-formed, `<` escaped in text): removing its tags with a
    # regular expression gives what strip_tags gives, ten times faster.
    text = rendering.TAG_RE.sub("", body_html)
    word_count = count_words(text)
    return {
        "body_html": body_html,
        "excerpt_html": excerpt_html,
        "has_more": has_more,
        "word_count": word_count,
        "reading_time": max(1, math.ceil(word_count / WORDS_PER_MINUTE)),
        "search_document": plain_search_text(source.title, source.description, text),
    }


class Category(models.Model):
    slug = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:category", kwargs={"slug": self.slug})


class PostQuerySet(models.QuerySet):
    def published(self, now=None) -> PostQuerySet:
        """The only way public code asks for posts: published, and due."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def drafts(self) -> PostQuerySet:
        return self.filter(status=Post.Status.DRAFT)

    def scheduled(self, now=None) -> PostQuerySet:
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def for_lists(self) -> PostQuerySet:
        """What list pages show of each post, in a fixed number of queries."""
        return self.prefetch_related("categories", "tags").defer("body", "body_html")


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=False)
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    excerpt = models.TextField(
        _("custom excerpt"),
        blank=True,
        help_text=_("Markdown. Empty: the text before the excerpt separator."),
    )
    excerpt_html = models.TextField(editable=False, blank=True)
    has_more = models.BooleanField(editable=False, default=False)
    # The post's entry in lists, rendered when it changes (blog.summaries).
    summary_html = models.TextField(editable=False, blank=True)
    summary_key = models.CharField(max_length=32, editable=False, blank=True)
    excerpt_separator = models.CharField(
        _("excerpt separator"),
        max_length=50,
        blank=True,
        help_text=_("Empty: the site's separator."),
    )
    hard_wrap = models.BooleanField(
        _("line breaks kept"),
        default=default_hard_wrap,
        help_text=_("A single line break inside a paragraph becomes a <br>."),
    )
    markdown = models.BooleanField(
        _("markdown"),
        default=True,
        help_text=_("Off for a text written in HTML (Jekyll’s .html posts): shown as written."),
    )
    description = models.CharField(_("meta description"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True)
    updated_at = models.DateTimeField(
        _("last updated"), null=True, blank=True, help_text=_("Shown to readers when set.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    word_count = models.PositiveIntegerField(_("words"), default=0, editable=False)
    reading_time = models.PositiveIntegerField(
        _("reading time (minutes)"), default=1, editable=False
    )
    categories = models.ManyToManyField(
        Category, related_name="posts", blank=True, verbose_name=_("categories")
    )
    tags = TaggableManager(_("tags"), blank=True)
    search_document = models.TextField(editable=False, blank=True)

    # Where the post came from, when it was imported from Jekyll.
    source_path = models.CharField(
        _("source file"), max_length=500, null=True, blank=True, unique=True, editable=False
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    old_permalink = models.CharField(
        _("old permalink"),
        max_length=500,
        blank=True,
        help_text=_("Absolute address on the old site; kept as the feed guid."),
    )
    old_feed_id = models.CharField(
        _("old feed identifier"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the old feed gave as this post's identifier when it was not its permalink "
            "(the jekyll-feed plugin); kept as the feed guid."
        ),
    )
    front_matter = models.JSONField(
        _("other front matter"), default=dict, blank=True, help_text=_("Kept from the import.")
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="post_status_published_idx"),
            models.Index(fields=["-published_at", "-id"], name="post_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.render()
        super().save(*args, **kwargs)

    def render(self) -> None:
        """Turn the markdown into stored HTML, once per save, never per request."""
        source = self.render_input()
        rendered = self.__dict__.pop("_rendered", None)
        if rendered is None or rendered[0] != source:
            rendered = (source, render_post_fields(source))
        for name, value in rendered[1].items():
            setattr(self, name, value)

    def render_input(self) -> RenderInput:
        return RenderInput(
            self.title,
            self.description,
            self.body,
            self.excerpt,
            self.excerpt_separator or settings.EXCERPT_SEPARATOR,
            self.hard_wrap,
            self.markdown,
        )

    def use_rendered(self, source: RenderInput, fields: dict[str, object]) -> None:
        """Fields `render_post_fields(source)` computed elsewhere (the importer's worker
        processes): the next save uses them if the post's text is still `source`, once."""
        self._rendered = (source, fields)

    def get_absolute_url(self) -> str:
        if self.published_at is None:
            return reverse("blog:draft", kwargs={"pk": self.pk})
        local = timezone.localtime(self.published_at)
        return reverse(
            "blog:post",
            kwargs={
                "year": local.year,
                "month": f"{local.month:02d}",
                "day": f"{local.day:02d}",
                "slug": self.slug,
            },
        )

    def is_published(self, now=None) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= (now or timezone.now())
        )

    is_published.boolean = True
    is_published.short_description = _("published")

    def is_scheduled(self, now=None) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > (now or timezone.now())
        )

    @property
    def guid(self) -> str:
        """The feed identifier: the old feed's for imported posts, so no post comes back."""
        old = self.old_feed_id or self.old_permalink
        if old.startswith("/"):  # the old site had no `url`: its ids were paths
            return settings.SITE_URL + old
        return old or settings.SITE_URL + self.get_absolute_url()


# The table Django makes for Post.categories, named in French for the admin's delete summary
# (which read "Relations post-category: 1" and "Post_categories object (14)"). A through model
# of our own would take the categories' checkboxes out of the post form (admin.E013).
PostCategory = Post.categories.through
PostCategory._meta.verbose_name = _("category of a post")
PostCategory._meta.verbose_name_plural = _("categories of posts")


def _post_category_str(self) -> str:
    return gettext("“%(post)s” filed under “%(category)s”") % {
        "post": self.post,
        "category": self.category,
    }


PostCategory.__str__ = _post_category_str


class PostRevision(models.Model):
    """A previous version of a post, kept on every save that changes its text."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    excerpt = models.TextField(_("custom excerpt"), blank=True)
    description = models.CharField(_("meta description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        # In the site's time zone, as the admin shows the date beside it.
        return f"{self.title} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


class Page(models.Model):
    """A stand-alone page the author edits: about, legal notice…"""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    description = models.CharField(_("meta description"), max_length=300, blank=True)
    hard_wrap = models.BooleanField(_("line breaks kept"), default=default_hard_wrap)
    markdown = models.BooleanField(
        _("markdown"),
        default=True,
        help_text=_("Off for a text written in HTML (Jekyll’s .html pages): shown as written."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    show_in_menu = models.BooleanField(_("in the menu"), default=False)
    menu_order = models.PositiveSmallIntegerField(_("menu order"), default=0)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    source_path = models.CharField(
        _("source file"), max_length=500, null=True, blank=True, unique=True, editable=False
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    front_matter = models.JSONField(_("other front matter"), default=dict, blank=True)

    class Meta:
        ordering = ["menu_order", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        options = rendering.RenderOptions(hard_wrap=self.hard_wrap, markdown=self.markdown)
        self.body_html = rendering.render_markdown(self.body, options)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:page", kwargs={"slug": self.slug})


# Page slugs neither the import nor the admin gives, though the URL map would send them to
# the page: the web server answers /media/ in production, and /draft/ is the previews'.
# (The import keeps an old page at an address another view answers, such as an old /contact/
# page, best answered by the new contact form; the admin refuses such a slug.)
RESERVED_PAGE_SLUGS = frozenset({"search", "archives", "categories", "tags", "draft", "media"})


def is_free_page_address(slug: str) -> bool:
    """Whether /<slug>/ reaches the page view, rather than another part of the site."""
    try:
        match = resolve(reverse("blog:page", kwargs={"slug": slug}))
    except (NoReverseMatch, Resolver404):
        return False
    return match.view_name == "blog:page"


class OldURL(models.Model):
    """An address the old site served, answered with a 301 to where the content lives now.

    It points at a post or a page when it can, so a later change of slug or date still
    lands in the right place; otherwise at a fixed target (tag and category pages, files).
    """

    path = models.CharField(_("old path"), max_length=1000, unique=True)
    post = models.ForeignKey(
        Post,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="old_urls",
        verbose_name=_("post"),
    )
    page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="old_urls",
        verbose_name=_("page"),
    )
    target = models.CharField(_("new address"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self) -> str:
        return self.path

    def destination(self) -> str | None:
        if self.post_id:
            return self.post.get_absolute_url() if self.post.is_published() else None
        if self.page_id:
            return self.page.get_absolute_url() if self.page.is_published else None
        return self.target or None


class Upload(models.Model):
    """A file the author uploaded from the admin, to use in a post."""

    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/")
    alt_text = models.CharField(_("alternative text"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.file.name


LINK_SCHEMES = ("https://", "http://", "mailto:")


def _link_lines(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        label, _sep, url = line.partition("|")
        if url.strip():
            pairs.append((label.strip(), url.strip()))
    return pairs


def _is_link_address(url: str) -> bool:
    return url.lower().startswith(LINK_SCHEMES) or (
        url.startswith("/") and not url.startswith("//")
    )


def validate_links(text: str) -> None:
    """Each line is `label | address`, the address a web page, an e-mail or a page of this
    site, never a script. A line with no address would be left out of the site unsaid."""
    errors = [
        ValidationError(
            _("“%(line)s”: write each link as “label | address”."),
            params={"line": line.strip()},
            code="link_line",
        )
        for line in text.splitlines()
        if line.strip() and not line.partition("|")[2].strip()
    ]
    wrong = [url for _label, url in _link_lines(text) if not _is_link_address(url)]
    if wrong:
        errors.append(
            ValidationError(
                _("Only https://, http://, mailto: or /page addresses: %(addresses)s"),
                params={"addresses": ", ".join(wrong)},
                code="link_address",
            )
        )
    if errors:
        raise ValidationError(errors)


class SiteIdentity(models.Model):
    """The site's identity as the author edits it; one row, defaults from the settings."""

    title = models.CharField(_("site title"), max_length=200, blank=True)
    tagline = models.CharField(_("tagline"), max_length=300, blank=True)
    author_name = models.CharField(_("author's name"), max_length=200, blank=True)
    contact_intro = models.TextField(_("contact form introduction"), blank=True)
    links = models.TextField(
        _("links to other sites"),
        blank=True,
        help_text=_("One a line: label | https://address"),
        validators=[validate_links],
    )
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    # The layout around every page, and the home page's own, rendered from this row and the
    # menu (blog.frame).
    frame = models.JSONField(default=dict, editable=False)
    frame_key = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("site identity")
        verbose_name_plural = _("site identity")

    def __str__(self) -> str:
        return self.title or settings.SITE_TITLE

    CACHE_KEY = "carnet:site-identity"
    # This process's copy of `current()`: (cache key, until when, identity). Every page asks
    # for it; the cache would unpickle (a shared one, fetch) it again on each request.
    _shown: tuple[str, float, SiteIdentity] | None = None

    def save(self, *args, **kwargs):
        from blog import frame

        with transaction.atomic():
            self._lock()
            self.frame, self.frame_key = frame.rendered_for_storage(self)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "frame", "frame_key"}
            super().save(*args, **kwargs)
        self.forget_current()

    def _lock(self) -> SiteIdentity | None:
        # Before the menu is read for the frame: two edits committed side by side (PostgreSQL
        # runs them so) each wait for the other, rather than one storing a menu without the
        # other's page.
        if self.pk is None:
            return None
        return type(self).objects.select_for_update().filter(pk=self.pk).first()

    @classmethod
    def cache_key(cls) -> str:
        # On the content stamp, which every server process reads: an edit made through one
        # is seen by all, where a fixed key would be dropped from one local cache only. On
        # the frame's fingerprint too: while old and new code overlap in a deploy, each keeps
        # its own copy, rather than each storing its frame over the other's on every request.
        from blog import frame
        from blog.cache import content_stamp

        return f"{cls.CACHE_KEY}:{frame.current_key()}:{content_stamp().token}"

    @classmethod
    def current(cls) -> SiteIdentity:
        """The identity as readers see it (defaults from the settings), with its frame.

        Read once per content change. A frame rendered with other templates, a deploy ago,
        is rendered and stored again here.
        """
        from blog import frame

        key = cls.cache_key()
        shown = cls._shown
        if shown is not None and shown[0] == key and time.monotonic() < shown[1]:
            return shown[2]
        identity = cache.get(key)
        if identity is None:
            identity = cls.objects.first() or cls()
            if identity.frame_key != frame.current_key():
                identity.refresh_frame()
            identity = frame.with_defaults(identity)
            cache.set(key, identity, settings.CACHE_PAGE_SECONDS)
        cls._shown = (key, time.monotonic() + settings.CACHE_PAGE_SECONDS, identity)
        return identity

    @classmethod
    def forget_current(cls) -> None:
        """Drop the copies `current()` reads, in this process and in the cache."""
        cls._shown = None
        cache.delete(cls.cache_key())

    def refresh_frame(self) -> None:
        """Render the frame again (the menu changed, or a deploy); not a save: it changes no
        content, and sends no signal."""
        from blog import frame

        if self.pk is None:
            self.frame, self.frame_key = frame.rendered_for_storage(self)
            return
        with transaction.atomic():
            row = self._lock()
            if row is None:
                return
            self.frame, self.frame_key = frame.rendered_for_storage(row)
            type(self).objects.filter(pk=self.pk).update(frame=self.frame, frame_key=self.frame_key)
        self.forget_current()

    def link_list(self) -> list[tuple[str, str]]:
        # Only addresses a link may lead to, whatever a raw save or an old row holds.
        return [(label, url) for label, url in _link_lines(self.links) if _is_link_address(url)]
