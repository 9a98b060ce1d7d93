"""The author's desk: writing, scheduling and owning her posts, tags and categories in the admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.forms import Media, Script
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from blog import admin_views
from blog.admin_history import HistoryInFrench
from blog.forms import (
    PageAdminForm,
    PostAdminForm,
    TagAdminForm,
    TagMergeForm,
    UploadAdminForm,
)
from blog.models import (
    Category,
    OldURL,
    Page,
    Post,
    PostRevision,
    SiteIdentity,
    Upload,
    every_word_in,
)
from blog.revisions import record_revision, restore_revision, revision_diff
from blog.taxonomy import merge_tags, record_category_rename, record_tag_rename


def desk_header() -> str:
    return gettext("%(site)s: the author’s desk") % {"site": SiteIdentity.current().title}


# Evaluated on each page, so a new site title shows at once (read from the cache).
admin.site.site_header = lazy(desk_header, str)()
admin.site.site_title = lazy(lambda: SiteIdentity.current().title, str)()
admin.site.index_title = _("At your desk")

CARNET_MEDIA = Media(
    css={"all": ["admin/carnet/carnet.css"]},
    js=[Script("admin/carnet/carnet.js", defer=True)],
)


def publish_posts(posts: Iterable[Post], now=None) -> int:
    """Publish at once: a draft or a scheduled post gets `now` as its date; a past date stays."""
    now = now or timezone.now()
    count = 0
    # One save per post rather than a bulk update: saving is what renders, and what
    # tells the page cache that the home page changed.
    for post in posts:
        post.status = Post.Status.PUBLISHED
        if post.published_at is None or post.published_at > now:
            post.published_at = now
        post.save()
        count += 1
    return count


def unpublish_posts(posts: Iterable[Post]) -> int:
    count = 0
    for post in posts:
        post.status = Post.Status.DRAFT
        post.save()
        count += 1
    return count


class PostStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("scheduled", _("Scheduled")),
            ("published", _("Published")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.drafts()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "published":
            return queryset.published()
        return queryset


class MostUsedTagsFilter(admin.RelatedFieldListFilter):
    """The tags posts use most, and the one chosen: with thousands of tags, all of them would
    make a list nobody reads (the tag list has them all, each with a link to its posts)."""

    LIMIT = 30

    def field_choices(self, field, request, model_admin):
        post_type = ContentType.objects.get_for_model(Post)
        used = (
            Tag.objects.filter(taggit_taggeditem_items__content_type=post_type)
            .annotate(uses=Count("taggit_taggeditem_items"))
            .order_by("-uses", "name")
        )
        choices = [(tag.pk, tag.name) for tag in used[: self.LIMIT]]
        shown = {str(pk) for pk, _name in choices}
        chosen = [value for value in self.lookup_val or () if value not in shown]
        if chosen:
            choices += list(
                Tag.objects.filter(pk__in=[v for v in chosen if v.isdigit()]).values_list(
                    "pk", "name"
                )
            )
        return choices


class PostRevisionInline(admin.TabularInline):
    """The post's previous versions, newest first, each with a link to compare and restore."""

    model = PostRevision
    extra = 0
    can_delete = False
    fields = ["created_at", "saved_by", "title", "restore_link"]
    readonly_fields = fields
    verbose_name = _("previous version")
    verbose_name_plural = _("previous versions")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description=_("saved by"))
    def saved_by(self, revision: PostRevision) -> str:
        return str(revision.author or "-")

    @admin.display(description=_("compare and restore"))
    def restore_link(self, revision: PostRevision) -> str:
        url = reverse("admin:blog_post_revision", args=[revision.post_id, revision.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("See this version"))


@admin.register(Post)
class PostAdmin(HistoryInFrench):
    form = PostAdminForm
    list_display = [
        "title",
        "is_published",
        "state",
        "published_at",
        "category_list",
        "tag_list",
    ]
    list_display_links = ["title"]
    list_filter = [PostStateFilter, "categories", ("tags", MostUsedTagsFilter), "published_at"]
    search_fields = ["title", "slug", "description", "body"]
    date_hierarchy = "published_at"

    def get_search_results(self, request, queryset, search_term):
        """As the readers' search: accents and case aside (`cooperative` finds `Coopérative`,
        `ÉTÉ` finds `été`), every word in the title, description or text, or in the slug."""
        folded = every_word_in("search_document", search_term)
        if folded is None:
            return queryset, False
        return queryset.filter(folded | Q(slug__icontains=search_term.strip())), False

    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["word_count", "reading_time", "source_path"]
    actions = ["publish_now", "unpublish"]
    inlines = [PostRevisionInline]
    list_per_page = 50
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        (
            _("Image"),
            {
                "fields": ["image", "image_alt"],
                "description": _("Upload an image and get the markdown line that shows it."),
            },
        ),
        (
            _("Publication"),
            {"fields": ["status", "published_at", "updated_at", "word_count", "reading_time"]},
        ),
        (_("Filing"), {"fields": ["categories", "tags"]}),
        (_("Description and excerpt"), {"fields": ["description", "excerpt"]}),
        (
            _("Advanced"),
            {
                "classes": ["collapse"],
                "fields": [
                    "excerpt_separator",
                    "hard_wrap",
                    "markdown",
                    "old_permalink",
                    "old_feed_id",
                    "source_path",
                    "front_matter",
                ],
            },
        ),
    ]

    @property
    def media(self):
        return super().media + CARNET_MEDIA

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # A post not yet saved has no counts, no history, no source file to show.
        computed = {"word_count", "reading_time", "source_path"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in computed]})
            for name, options in self.fieldsets
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == "blog_post_changelist":
            # The list shows categories and tags of every row: two queries, whatever the page size.
            return queryset.for_lists()
        return queryset

    def get_urls(self):
        own = [
            path("preview/", admin_views.preview_post, name="blog_post_preview"),
            path("upload/", admin_views.upload_image, name="blog_post_upload"),
            path(
                "<path:object_id>/revisions/<int:revision_id>/",
                self.admin_site.admin_view(self.revision_view),
                name="blog_post_revision",
            ),
        ]
        return own + super().get_urls()

    @admin.display(description=_("state"), ordering="status")
    def state(self, post: Post) -> str:
        if post.status == Post.Status.DRAFT:
            return gettext("Draft")
        if post.is_scheduled():
            return gettext("Scheduled")
        return gettext("Published")

    @admin.display(description=_("categories"))
    def category_list(self, post: Post) -> str:
        return ", ".join(category.name for category in post.categories.all())

    @admin.display(description=_("tags"))
    def tag_list(self, post: Post) -> str:
        return ", ".join(sorted(tag.name for tag in post.tags.all()))

    @admin.action(description=_("Publish the selected posts now"), permissions=["change"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        # The posts saved are the ones logged: read again, a list filtered on their state
        # would have changed under the action.
        posts = list(queryset)
        count = publish_posts(posts)
        for post in posts:
            self.log_change(request, post, gettext("Published now."))
        self.message_user(
            request,
            ngettext("%(count)d post published.", "%(count)d posts published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected posts"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        posts = list(queryset)
        count = unpublish_posts(posts)
        for post in posts:
            self.log_change(request, post, gettext("Back to draft."))
        self.message_user(
            request,
            ngettext("%(count)d post back to draft.", "%(count)d posts back to draft.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        image = form.cleaned_data.get("image")
        if image:
            upload = admin_views.create_upload(image, form.cleaned_data.get("image_alt", ""))
            markdown = admin_views.upload_markdown(upload)
            obj.body = f"{obj.body.rstrip()}\n\n{markdown}\n" if obj.body.strip() else markdown
            self.message_user(
                request,
                gettext("Image added at the end of the text: %(markdown)s")
                % {"markdown": markdown},
                messages.INFO,
            )
        if change:
            record_revision(Post.objects.get(pk=obj.pk), obj, request.user)
        super().save_model(request, obj, form, change)

    def revision_view(self, request: HttpRequest, object_id: str, revision_id: int):
        post = get_object_or_404(Post, pk=object_id)
        revision = get_object_or_404(PostRevision, pk=revision_id, post=post)
        if not self.has_change_permission(request, post):
            raise PermissionDenied
        change_url = reverse("admin:blog_post_change", args=[post.pk])
        if request.method == "POST":
            post = restore_revision(revision, request.user)
            date = timezone.localtime(revision.created_at).strftime("%d/%m/%Y %H:%M")
            message = gettext("Version of %(date)s restored.") % {"date": date}
            self.log_change(request, post, message)
            self.message_user(
                request,
                gettext("The version of %(date)s is back; the text it replaced is kept.")
                % {"date": date},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "post": post,
            "revision": revision,
            "diff": revision_diff(revision, post),
            "change_url": change_url,
            "title": gettext("Version of %(title)s") % {"title": post.title},
        }
        return TemplateResponse(request, "admin/blog/post/revision.html", context)


@admin.register(Category)
class CategoryAdmin(HistoryInFrench):
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_total=Count("posts", distinct=True))

    @admin.display(description=_("posts"), ordering="post_total")
    def post_count(self, category: Category) -> int:
        return category.post_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "slug" in form.changed_data:
            record_category_rename(form.initial["slug"], obj.slug)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(HistoryInFrench):
    """Taggit's tags, with post counts, renames that keep old pages alive, and merging."""

    form = TagAdminForm
    list_display = ["name", "slug", "post_count"]
    ordering = ["name"]
    search_fields = ["name", "slug"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        post_type = ContentType.objects.get_for_model(Post)
        return (
            super()
            .get_queryset(request)
            .annotate(
                post_total=Count(
                    "taggit_taggeditem_items",
                    filter=Q(taggit_taggeditem_items__content_type=post_type),
                )
            )
        )

    @admin.display(description=_("posts"), ordering="post_total")
    def post_count(self, tag: Tag) -> int:
        return tag.post_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.initial.get("slug") != obj.slug:
            record_tag_rename(form.initial["slug"], obj.slug)

    @admin.action(description=_("Merge the selected tags"), permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Tag]):
        tags = queryset.order_by("name")
        if tags.count() < 2:
            self.message_user(
                request, gettext("Select at least two tags to merge."), messages.WARNING
            )
            return None
        form = TagMergeForm(request.POST if "keep" in request.POST else None, tags=tags)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            merged = [tag for tag in tags if tag.pk != keep.pk]
            names = ", ".join(tag.name for tag in merged)
            merge_tags(keep, merged)
            self.message_user(
                request,
                gettext("%(names)s merged into %(keep)s; their pages lead to it.")
                % {"names": names, "keep": keep.name},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Merge tags"),
            "form": form,
            "tags": tags,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)


@admin.register(Upload)
class UploadAdmin(HistoryInFrench):
    form = UploadAdminForm
    list_display = ["thumbnail", "file", "alt_text", "markdown", "uploaded_at"]
    list_display_links = ["thumbnail", "file"]
    search_fields = ["file", "alt_text"]
    fields = ["file", "alt_text", "markdown", "uploaded_at"]
    readonly_fields = ["markdown", "uploaded_at"]
    date_hierarchy = "uploaded_at"

    @property
    def media(self):
        return super().media + CARNET_MEDIA

    @admin.display(description=_("preview"))
    def thumbnail(self, upload: Upload) -> str:
        if not admin_views.is_image(upload.file.name):
            return "-"
        return format_html(
            '<img src="{}" alt="" class="carnet-thumbnail" loading="lazy">', upload.file.url
        )

    @admin.display(description=_("markdown to paste"))
    def markdown(self, upload: Upload) -> str:
        if not upload.pk:
            return "-"
        return format_html(
            '<input type="text" readonly value="{}" class="carnet-copy vTextField" '
            'aria-label="{}" data-copy-label="{}" data-copied-label="{}">',
            admin_views.upload_markdown(upload),
            gettext("Markdown to paste in a post"),
            gettext("Copy"),
            gettext("Copied"),
        )


@admin.register(SiteIdentity)
class SiteIdentityAdmin(HistoryInFrench):
    """One row: the list leads straight to it; it cannot be added twice nor deleted."""

    fields = ["title", "tagline", "author_name", "contact_intro", "links"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteIdentity.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {
            "title": settings.SITE_TITLE,
            "tagline": settings.SITE_DESCRIPTION,
            "author_name": settings.SITE_AUTHOR,
        }

    def changelist_view(self, request, extra_context=None):
        identity = SiteIdentity.objects.first()
        if identity is not None:
            return redirect("admin:blog_siteidentity_change", identity.pk)
        return redirect("admin:blog_siteidentity_add")


@admin.register(Page)
class PageAdmin(HistoryInFrench):
    form = PageAdminForm
    list_display = ["title", "slug", "is_published", "show_in_menu", "menu_order"]
    list_filter = ["is_published", "show_in_menu"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(OldURL)
class OldURLAdmin(HistoryInFrench):
    list_display = ["path", "post", "page", "target"]
    search_fields = ["path", "target", "post__title", "page__title"]
    list_select_related = ["post", "page"]
    raw_id_fields = ["post", "page"]
