"""Keeping old addresses alive when a post moves, and the SQLite search index after migrations."""

from __future__ import annotations

from django.db import connections
from django.db.models.signals import post_migrate, pre_save
from django.dispatch import receiver

from blog.models import OldURL, Post
from blog.search import repair_search_index


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


def repair_search_after_migrate(using: str = "default", **kwargs) -> None:
    repair_search_index(connections[using])


def connect_signals(app_config) -> None:
    """Called from BlogConfig.ready (the receivers above connect on import)."""
    post_migrate.connect(
        repair_search_after_migrate, sender=app_config, dispatch_uid="blog-repair-search-index"
    )
