"""The sitemap: home, every published post, category, tag and page, each with its lastmod."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from taggit.models import Tag

from blog.models import Category, Page, Post


def latest_published(**filters) -> Subquery:
    """The date of the newest published post matching `filters` (an OuterRef inside)."""
    return Subquery(
        Post.objects.published()
        .filter(**filters)
        .order_by("-published_at")
        .values("published_at")[:1]
    )


class SiteURLSitemap(Sitemap):
    """Addresses built on SITE_URL, not on whatever host the request came through."""

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")


class HomeSitemap(SiteURLSitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        latest = Post.objects.published().order_by("-published_at").first()
        return [latest.updated_at or latest.published_at] if latest else []

    def location(self, item) -> str:
        return reverse("blog:home")

    def lastmod(self, item):
        return item


class PostSitemap(SiteURLSitemap):
    priority = 0.8

    def items(self):
        return Post.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, post: Post):
        # The dates the author gives (an update she announces), not every technical save.
        return max(filter(None, [post.published_at, post.updated_at]))


class CategorySitemap(SiteURLSitemap):
    priority = 0.5

    def items(self):
        return (
            Category.objects.annotate(latest=latest_published(categories=OuterRef("pk")))
            .filter(latest__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, category: Category):
        return category.latest


class TagSitemap(SiteURLSitemap):
    priority = 0.4

    def items(self):
        return (
            Tag.objects.annotate(latest=latest_published(tags=OuterRef("pk")))
            .filter(latest__isnull=False)
            .order_by("slug")
        )

    def location(self, tag: Tag) -> str:
        return reverse("blog:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag: Tag):
        return tag.latest


class PageSitemap(SiteURLSitemap):
    priority = 0.5

    def items(self):
        return Page.objects.filter(is_published=True).only("slug", "modified_at")

    def lastmod(self, page: Page):
        return page.modified_at


SITEMAPS = {
    "home": HomeSitemap,
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "pages": PageSitemap,
}
