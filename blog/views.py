"""Public pages of the blog: lists of posts, a post, categories, tags, archives, search, pages.

Every view asks for posts through `Post.objects.published()`; staff who may read posts in the
admin alone may open a draft or a scheduled post, never cached and marked noindex. Pages show
stored HTML: no markdown is rendered here.
"""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.cache import add_never_cache_headers
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    RedirectView,
    TemplateView,
    YearArchiveView,
)
from taggit.models import Tag

from blog import search
from blog.models import Category, Page, Post, PostQuerySet, SiteIdentity, plain_search_text
from blog.pagination import UncountedPaginator
from blog.prepared import PreparedQuery
from blog.summaries import Entry, with_summaries

POSTS_PER_PAGE = 10
RELATED_POSTS = 3
# What a link to a post needs: lists of titles load nothing else.
LINK_FIELDS = ("title", "slug", "published_at")


def listed_posts() -> PostQuerySet:
    """Published posts as lists show them: their stored entries (blog.summaries)."""
    return Post.objects.published().only("summary_html", "summary_key")


# The home page's one query, compiled once (blog.prepared).
NEWEST_ENTRIES = PreparedQuery(
    lambda now: Post.objects.published(now).values_list("pk", "summary_html", "summary_key"),
    row=Entry,
)


class PostListMixin:
    """Published posts, 10 a page; a list with nothing to show is a 404."""

    paginate_by = POSTS_PER_PAGE
    template_name = "blog/post_list.html"
    context_object_name = "posts"
    allow_empty_list = True

    def get_queryset(self):
        return listed_posts()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Checked on the paginator's count, which the page needs anyway: no extra query.
        if not self.allow_empty_list and context["paginator"].count == 0:
            raise Http404
        context["posts"] = with_summaries(context["posts"])
        return context


class HomeView(PostListMixin, ListView):
    # The busiest page: it never counts the posts (blog.pagination), its query is compiled
    # once (blog.prepared), and its first page is its stored layout around its stored
    # entries (blog.frame): no template is rendered for it.
    paginator_class = UncountedPaginator

    def get_queryset(self):
        return NEWEST_ENTRIES

    def get(self, request, *args, **kwargs):
        site = SiteIdentity.current()
        layout = site.frame.get("home")
        if (
            layout is None
            or request.path != layout["path"]
            or request.GET.get("page", "1") != "1"
            or layout.get("identity") != [site.title, site.tagline]
        ):
            return super().get(request, *args, **kwargs)
        rows = NEWEST_ENTRIES[0 : POSTS_PER_PAGE + 1]
        if not rows:
            # "Nothing published yet", from the template.
            return super().get(request, *args, **kwargs)
        before, between, after = layout["more" if len(rows) > POSTS_PER_PAGE else "last"]
        entries = with_summaries(rows[:POSTS_PER_PAGE])
        return HttpResponse(before + between.join(entry.summary_html for entry in entries) + after)


class CategoryView(PostListMixin, ListView):
    template_name = "blog/category_detail.html"
    allow_empty_list = False

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(categories=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class TagView(PostListMixin, ListView):
    template_name = "blog/tag_detail.html"
    # A tag only drafts carry does not exist for readers.
    allow_empty_list = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


def neighbours(post: Post) -> tuple[Post | None, Post | None]:
    """The published posts just before and just after `post` (ties broken by id)."""
    posts = Post.objects.published().only(*LINK_FIELDS)
    at = post.published_at
    older = (
        posts.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=post.pk))
        .order_by("-published_at", "-pk")
        .first()
    )
    newer = (
        posts.filter(Q(published_at__gt=at) | Q(published_at=at, pk__gt=post.pk))
        .order_by("published_at", "pk")
        .first()
    )
    return older, newer


def related_posts(post: Post, limit: int = RELATED_POSTS) -> list[Post]:
    """Published posts sharing the most tags with `post`, newest first among equals.

    One query whatever the number of tags; it reads the post's tags from its prefetch.
    """
    tag_ids = [tag.pk for tag in post.tags.all()]
    if not tag_ids:
        return []
    return list(
        Post.objects.published()
        .exclude(pk=post.pk)
        .filter(tags__in=tag_ids)
        .annotate(shared_tags=Count("pk"))
        .order_by("-shared_tags", "-published_at", "-pk")
        .only(*LINK_FIELDS)[:limit]
    )


def may_preview(user) -> bool:
    """Drafts and scheduled posts are for staff who may read posts in the admin, as its
    preview is; a staff account for the inbox alone reads what readers read."""
    return user.is_staff and (user.has_perm("blog.view_post") or user.has_perm("blog.change_post"))


class PostDetailView(DetailView):
    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        # Staff may preview what readers cannot see yet; everyone else gets published posts.
        posts = Post.objects.all() if may_preview(self.request.user) else Post.objects.published()
        return posts.prefetch_related("categories", "tags").defer("body", "search_document")

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), slug=self.kwargs["slug"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if request.path != canonical:
            # A wrong or changed date in the address: send the reader to the post's own.
            return HttpResponsePermanentRedirect(canonical)
        response = self.render_to_response(self.get_context_data(object=self.object))
        if self.is_preview:
            add_never_cache_headers(response)
        return response

    @property
    def is_preview(self) -> bool:
        return not self.object.is_published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = self.object
        older = newer = None
        if post.published_at is not None:
            older, newer = neighbours(post)
        context.update(
            preview=self.is_preview,
            older=older,
            newer=newer,
            related=related_posts(post),
        )
        return context


class DraftPreviewView(PostDetailView):
    """A post that has no date yet has no address but this one, for staff who may read it."""

    def get_object(self, queryset=None):
        if not may_preview(self.request.user):
            raise Http404
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class PageView(DetailView):
    template_name = "blog/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.filter(is_published=True)


def french_order(name: str) -> tuple[str, str]:
    """A sort key putting « écoconception » among the e, where a reader looks for it.

    The database sorts by code point (every accented letter after z), whatever its language.
    """
    return plain_search_text(name), name


class CategoryListView(ListView):
    template_name = "blog/category_list.html"
    context_object_name = "categories"

    def get_queryset(self):
        published = Q(posts__in=Post.objects.published())
        categories = Category.objects.annotate(post_count=Count("posts", filter=published)).filter(
            post_count__gt=0
        )
        return sorted(categories, key=lambda category: french_order(category.name))


class TagListView(ListView):
    template_name = "blog/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        # Filtering before annotating makes the count that of published posts only.
        tags = Tag.objects.filter(post__in=Post.objects.published()).annotate(
            post_count=Count("post")
        )
        return sorted(tags, key=lambda tag: french_order(tag.name))


class ArchivesView(TemplateView):
    """Every published post's title and date, by year: one query, however long the blog."""

    template_name = "blog/archives.html"

    def get_context_data(self, **kwargs):
        posts = Post.objects.published().only(*LINK_FIELDS).order_by("-published_at", "-pk")
        return super().get_context_data(posts=posts, **kwargs)


class PostDateArchiveMixin:
    date_field = "published_at"
    make_object_list = True
    allow_empty = False
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().only(*LINK_FIELDS).order_by("-published_at", "-pk")

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except OverflowError as error:
            # /0001/01/: midnight in the site's zone comes before the first UTC datetime.
            raise Http404 from error


class PostYearArchiveView(PostDateArchiveMixin, YearArchiveView):
    template_name = "blog/archive_year.html"


class PostMonthArchiveView(PostDateArchiveMixin, MonthArchiveView):
    template_name = "blog/archive_month.html"
    month_format = "%m"


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def search_view(request: HttpRequest) -> HttpResponse:
    """Search at /search/?q=: ranked published posts, the matching passage highlighted."""
    query = request.GET.get("q", "")
    if not isinstance(query, str):
        query = ""
    # Control characters (`%00`) are no words, and HTML cannot carry them back in the field.
    query = " ".join(CONTROL_CHARACTERS.sub(" ", query).split())[: search.MAX_QUERY_LENGTH]
    terms = search.search_terms(query)
    page_obj = results = None
    if terms:
        ids = search.ranked_post_ids(terms)
        paginator = Paginator(ids, POSTS_PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        found = Post.objects.published().filter(pk__in=list(page_obj.object_list))
        posts = {
            post.pk: post
            for post in found.prefetch_related("categories", "tags").defer(
                "body", "search_document", "front_matter"
            )
        }
        # Keep the engine's ranking, which the query above does not.
        ordered = [posts[pk] for pk in page_obj.object_list if pk in posts]
        results = search.results_for(ordered, terms)
    context = {
        "query": query,
        "terms": terms,
        "results": results,
        "page_obj": page_obj,
        # A page with no result is falsy: compare with None.
        "paginator": page_obj.paginator if page_obj is not None else None,
        "is_paginated": page_obj is not None and page_obj.has_other_pages(),
    }
    return render(request, "blog/search.html", context)


class FaviconView(RedirectView):
    """Clients that ask /favicon.ico without reading the page get the site's icon."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        # Resolved per request: the hashed name exists only once static files are collected.
        return static("favicon.svg")


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
