"""RSS 2.0 and Atom feeds of the newest published posts: all of them, by category, by tag.

Items carry the full text with absolute links, and keep an imported post's old permalink as
their guid, so subscribers of the old blog see no old post come back as new.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from taggit.models import Tag

from blog.models import Category, Post, PostQuerySet, SiteIdentity

FEED_ITEMS = 20
# nh3 writes every attribute in double quotes, so this finds every link and image address.
URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def absolute_links(html: str, base: str) -> str:
    """`html` with relative href and src made absolute against `base` (a feed has no base)."""

    def replace(match: re.Match) -> str:
        url = urljoin(base, unescape(match.group(2)))
        return f"{match.group(1)}{escape(url)}{match.group(3)}"

    return URL_ATTRIBUTE.sub(replace, html)


def feed_posts() -> PostQuerySet:
    return (
        Post.objects.published()
        .prefetch_related("categories", "tags")
        .defer("body", "search_document", "front_matter")
    )


class FullContentAtomFeed(Atom1Feed):
    """Atom with the whole post in <content>, the excerpt staying in <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestPostsFeed(Feed):
    feed_type = Rss201rev2Feed

    def title(self, obj=None) -> str:
        return SiteIdentity.current().title

    def description(self, obj=None) -> str:
        return SiteIdentity.current().tagline

    def link(self, obj=None) -> str:
        return settings.SITE_URL + reverse("blog:home")

    def feed_url(self, obj=None) -> str:
        return settings.SITE_URL + reverse("blog:feed")

    def author_name(self, obj=None) -> str:
        return SiteIdentity.current().author_name

    def posts(self, obj) -> PostQuerySet:
        return feed_posts()

    def items(self, obj=None):
        return self.posts(obj)[:FEED_ITEMS]

    def item_title(self, post: Post) -> str:
        return post.title

    def item_link(self, post: Post) -> str:
        return settings.SITE_URL + post.get_absolute_url()

    def item_description(self, post: Post) -> str:
        return absolute_links(post.body_html, self.item_link(post))

    def item_guid(self, post: Post) -> str:
        return post.guid

    def item_guid_is_permalink(self, post: Post) -> bool:
        # jekyll-feed's ids (`post.id`) look like addresses but name no page.
        return not post.old_feed_id and post.guid.startswith(("http://", "https://"))

    def item_pubdate(self, post: Post):
        return post.published_at

    def item_updateddate(self, post: Post):
        return post.updated_at or post.published_at

    def item_author_name(self, post: Post) -> str:
        return SiteIdentity.current().author_name

    def item_categories(self, post: Post) -> list[str]:
        return [category.name for category in post.categories.all()] + [
            tag.name for tag in post.tags.all()
        ]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = FullContentAtomFeed

    def feed_url(self, obj=None) -> str:
        return settings.SITE_URL + reverse("blog:atom")

    def subtitle(self, obj=None) -> str:
        return self.description(obj)

    def item_description(self, post: Post) -> str:
        return absolute_links(post.excerpt_html, self.item_link(post))

    def item_extra_kwargs(self, post: Post) -> dict:
        return {"content": absolute_links(post.body_html, self.item_link(post))}


class TermFeedMixin:
    """A category's or tag's feed: like its page, it does not exist while no published post
    carries the term (a tag only drafts carry must not show its name)."""

    def items(self, obj):
        posts = list(self.posts(obj)[:FEED_ITEMS])
        if not posts:
            raise Http404
        return posts


class CategoryFeedMixin(TermFeedMixin):
    feed_name = "blog:category-feed"

    def get_object(self, request, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Category) -> str:
        return _("%(site)s: %(category)s") % {
            "site": SiteIdentity.current().title,
            "category": obj.name,
        }

    def description(self, obj: Category) -> str:
        return obj.description or self.title(obj)

    def link(self, obj: Category) -> str:
        return settings.SITE_URL + obj.get_absolute_url()

    def feed_url(self, obj: Category) -> str:
        return settings.SITE_URL + reverse(self.feed_name, kwargs={"slug": obj.slug})

    def posts(self, obj: Category) -> PostQuerySet:
        return feed_posts().filter(categories=obj)


class CategoryFeed(CategoryFeedMixin, LatestPostsFeed):
    pass


class CategoryAtomFeed(CategoryFeedMixin, LatestPostsAtomFeed):
    feed_name = "blog:category-atom"


class TagFeedMixin(TermFeedMixin):
    feed_name = "blog:tag-feed"

    def get_object(self, request, slug: str) -> Tag:
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj: Tag) -> str:
        return _("%(site)s: posts tagged %(tag)s") % {
            "site": SiteIdentity.current().title,
            "tag": obj.name,
        }

    def description(self, obj: Tag) -> str:
        return self.title(obj)

    def link(self, obj: Tag) -> str:
        return settings.SITE_URL + reverse("blog:tag", kwargs={"slug": obj.slug})

    def feed_url(self, obj: Tag) -> str:
        return settings.SITE_URL + reverse(self.feed_name, kwargs={"slug": obj.slug})

    def posts(self, obj: Tag) -> PostQuerySet:
        return feed_posts().filter(tags=obj)


class TagFeed(TagFeedMixin, LatestPostsFeed):
    pass


class TagAtomFeed(TagFeedMixin, LatestPostsAtomFeed):
    feed_name = "blog:tag-atom"
