"""Keeping old addresses alive when a post or a page moves, the SQLite search index and the
permissions' names after migrations, and each post's entry in lists in step with its post,
categories and tags (blog.summaries)."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from django.utils import translation
from django.utils.autoreload import file_changed
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag, TaggedItem

from blog import cache as page_cache
from blog import frame, summaries
from blog.models import Category, OldURL, Page, Post, SiteIdentity
from blog.search import repair_search_index
from blog.taxonomy import addressable_tag_slug


@receiver(pre_save, sender=Post, dispatch_uid="blog-remember-old-address")
def remember_old_address(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    """A published post whose address changes (slug or date) leaves a 301 behind.

    The old address points at the post itself, not at a fixed URL, so a second move
    still lands on the right page without a chain of redirects.
    """
    if raw or instance.pk is None:
        return
    before = Post.objects.filter(pk=instance.pk).only("slug", "status", "published_at").first()
    if before is None or not before.is_published():
        return
    old_path = before.get_absolute_url()
    if instance.published_at is None or old_path == instance.get_absolute_url():
        return
    OldURL.objects.update_or_create(
        path=old_path, defaults={"post": instance, "page": None, "target": ""}
    )


@receiver(pre_save, sender=Page, dispatch_uid="blog-remember-old-page-address")
def remember_old_page_address(sender, instance: Page, raw: bool = False, **kwargs) -> None:
    """A published page whose slug changes leaves a 301 behind, pointing at the page, as a
    post does. (An imported page the old site served at its slug had no old address yet.)"""
    if raw or instance.pk is None:
        return
    before = Page.objects.filter(pk=instance.pk).only("slug", "is_published").first()
    if before is None or not before.is_published or before.slug == instance.slug:
        return
    OldURL.objects.update_or_create(
        path=before.get_absolute_url(), defaults={"post": None, "page": instance, "target": ""}
    )


def repair_search_after_migrate(using: str = "default", **kwargs) -> None:
    repair_search_index(connections[using])


def refresh_summaries_after_migrate(using: str = "default", apps=None, **kwargs) -> None:
    """A deploy runs `migrate`: entries rendered by the previous templates are redone here.

    Only when the database holds the posts table as this code knows it: not after migrating
    back (`migrate blog zero`, or to before a field existed).
    """
    if using != "default" or apps is None:
        return
    try:
        migrated = apps.get_model("blog", "Post")
    except LookupError:
        return
    if {f.column for f in migrated._meta.concrete_fields} == {
        f.column for f in Post._meta.concrete_fields
    }:
        summaries.refresh_stale_summaries()


DEFAULT_PERMISSION_NAMES = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def name_permissions_in_french(app_config, using: str = "default", apps=global_apps, **kwargs):
    """Django stores the default permissions' names in English ("Can add post"), and the user
    and group forms show them as stored: after each migrate, they are named in the site's
    language from the models' verbose names (those of every app, so the list reads in one
    language). Runs after Django's create_permissions, connected before it."""
    try:
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    if not app_config.models_module or not router.allow_migrate_model(using, Permission):
        return
    # The verbose names of the models as they are now: historical ones are not translated.
    models = {model._meta.model_name: model for model in app_config.get_models()}
    permissions = Permission.objects.using(using).filter(
        content_type__app_label=app_config.label, content_type__model__in=models
    )
    with translation.override(settings.LANGUAGE_CODE):
        for pk, codename, model_name, name in permissions.values_list(
            "pk", "codename", "content_type__model", "name"
        ):
            opts = models[model_name]._meta
            for action, label in DEFAULT_PERMISSION_NAMES.items():
                if codename != get_permission_codename(action, opts):
                    continue
                wanted = (label % {"name": opts.verbose_name})[:255]
                if wanted != name:
                    Permission.objects.using(using).filter(pk=pk).update(name=wanted)


@receiver(post_save, sender=Post, dispatch_uid="blog-summary-post")
def post_saved(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    if not raw:
        summaries.refresh_summaries([instance.pk])


@receiver(m2m_changed, sender=Post.categories.through, dispatch_uid="blog-summary-categories")
def post_categories_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            summaries.refresh_summaries([instance.pk])
    elif action == "pre_clear":
        # category.posts.clear() names no post: they are read before the links go.
        instance._summary_posts = list(instance.posts.values_list("pk", flat=True))
    elif action == "post_clear":
        summaries.refresh_summaries(getattr(instance, "_summary_posts", ()))
    elif action in ("post_add", "post_remove"):
        summaries.refresh_summaries(pk_set)


@receiver(pre_save, sender=Tag, dispatch_uid="blog-tag-address")
def give_tag_an_address(sender, instance: Tag, raw: bool = False, **kwargs) -> None:
    if not raw:
        instance.slug = addressable_tag_slug(instance.name, instance.slug)


def _tagged_posts(tag: Tag) -> list[int]:
    post_type = ContentType.objects.get_for_model(Post)
    return list(
        TaggedItem.objects.filter(tag=tag, content_type=post_type).values_list(
            "object_id", flat=True
        )
    )


@receiver(post_save, sender=TaggedItem, dispatch_uid="blog-summary-tagged-save")
@receiver(post_delete, sender=TaggedItem, dispatch_uid="blog-summary-tagged-delete")
def tagged_item_changed(
    sender, instance: TaggedItem, raw: bool = False, origin=None, **kwargs
) -> None:
    # Deleting posts deletes their tag links first: no entry to redo for a post on its way out.
    if isinstance(origin, Post) or getattr(origin, "model", None) is Post:
        return
    if not raw and instance.content_type_id == ContentType.objects.get_for_model(Post).pk:
        summaries.refresh_summaries([instance.object_id])


@receiver(post_save, sender=Category, dispatch_uid="blog-summary-category")
def category_saved(sender, instance: Category, created: bool, raw: bool = False, **kwargs):
    # A renamed category (or a new address) shows in every entry of its posts.
    if not (raw or created):
        summaries.refresh_summaries(instance.posts.values_list("pk", flat=True))


@receiver(post_save, sender=Tag, dispatch_uid="blog-summary-tag")
def tag_saved(sender, instance: Tag, created: bool, raw: bool = False, **kwargs) -> None:
    if not (raw or created):
        summaries.refresh_summaries(_tagged_posts(instance))


# Deleting a category or a tag deletes its links without a signal per link: the posts are
# read before, their entries redone after.
@receiver(pre_delete, sender=Category, dispatch_uid="blog-summary-category-pre-delete")
def category_deleting(sender, instance: Category, **kwargs) -> None:
    instance._summary_posts = list(instance.posts.values_list("pk", flat=True))


@receiver(pre_delete, sender=Tag, dispatch_uid="blog-summary-tag-pre-delete")
def tag_deleting(sender, instance: Tag, **kwargs) -> None:
    instance._summary_posts = _tagged_posts(instance)


@receiver(post_delete, sender=Category, dispatch_uid="blog-summary-category-delete")
@receiver(post_delete, sender=Tag, dispatch_uid="blog-summary-tag-delete")
def taxonomy_deleted(sender, instance, **kwargs) -> None:
    summaries.refresh_summaries(getattr(instance, "_summary_posts", ()))


@receiver(post_save, sender=Page, dispatch_uid="blog-frame-page-save")
@receiver(post_delete, sender=Page, dispatch_uid="blog-frame-page-delete")
def page_changed(sender, instance, raw=False, **kwargs) -> None:
    # The menu is part of the frame around every page (blog.frame).
    if raw:
        frame_loaded(sender, instance, raw=raw)
        return
    identity = SiteIdentity.objects.first()
    if identity is not None:
        identity.refresh_frame()


@receiver(post_save, sender=SiteIdentity, dispatch_uid="blog-frame-identity-loaded")
def frame_loaded(sender, instance, raw=False, **kwargs) -> None:
    # `loaddata` writes rows as they are, maybe before the identity or the menu it needs:
    # the frame is rendered at the next read instead.
    if raw:
        SiteIdentity.objects.update(frame_key="")


@receiver(file_changed, dispatch_uid="blog-summary-files")
def template_or_catalogue_changed(sender, file_path, **kwargs) -> None:
    # runserver reloads templates and translations without restarting: so does the fingerprint.
    if file_path.suffix in (".html", ".mo"):
        summaries.current_key.cache_clear()
        frame.current_key.cache_clear()
        page_cache.release.cache_clear()


# What tests change that renders entries, and the frame, differently.
ENTRY_SETTINGS = {"TEMPLATES", "LOCALE_PATHS", "LANGUAGE_CODE", "TIME_ZONE", "ROOT_URLCONF"}
FRAME_SETTINGS = ENTRY_SETTINGS | {
    "STORAGES",
    "STATIC_URL",
    "SITE_TITLE",
    "SITE_DESCRIPTION",
    "SITE_AUTHOR",
    "SITE_URL",
}


@receiver(setting_changed, dispatch_uid="blog-summary-settings")
def settings_changed(setting: str, **kwargs) -> None:
    # The fingerprints are computed again.
    if setting in ENTRY_SETTINGS:
        summaries.current_key.cache_clear()
    if setting in FRAME_SETTINGS:
        frame.current_key.cache_clear()
    if setting in ENTRY_SETTINGS | FRAME_SETTINGS:
        page_cache.release.cache_clear()


def connect_signals(app_config) -> None:
    """Called from BlogConfig.ready (the receivers above connect on import)."""
    post_migrate.connect(
        repair_search_after_migrate, sender=app_config, dispatch_uid="blog-repair-search-index"
    )
    post_migrate.connect(
        refresh_summaries_after_migrate, sender=app_config, dispatch_uid="blog-refresh-summaries"
    )
    post_migrate.connect(name_permissions_in_french, dispatch_uid="blog-permission-names")
