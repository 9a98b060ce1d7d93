"""A post's history: keeping the previous text on each save, and restoring an old version."""

from __future__ import annotations

import difflib

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext

from blog.models import Post, PostRevision

# The fields a revision keeps; a save that changes none of them (publishing, tagging) keeps none.
TRACKED_FIELDS = ("title", "body", "excerpt", "description")


def text_changed(before: Post, after: Post) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in TRACKED_FIELDS)


def record_revision(
    previous: Post, current: Post, author: AbstractBaseUser | None = None
) -> PostRevision | None:
    """Keep `previous` (the post as stored) when `current` (about to be saved) changes its text."""
    if previous.pk is None or not text_changed(previous, current):
        return None
    return PostRevision.objects.create(
        post_id=previous.pk,
        author=author if author is not None and author.is_authenticated else None,
        **{name: getattr(previous, name) for name in TRACKED_FIELDS},
    )


@transaction.atomic
def restore_revision(revision: PostRevision, author: AbstractBaseUser | None = None) -> Post:
    """Bring back an old version; the text it replaces is itself kept as a revision."""
    post = Post.objects.select_for_update().get(pk=revision.post_id)
    previous = Post.objects.get(pk=post.pk)
    for name in TRACKED_FIELDS:
        setattr(post, name, getattr(revision, name))
    record_revision(previous, post, author)
    post.save()
    return post


def revision_diff(revision: PostRevision, post: Post) -> str:
    """A unified diff from the revision to the current text, for the restore page."""
    lines = []
    this_version, current_version = gettext("this version"), gettext("current version")
    for name in TRACKED_FIELDS:
        old, new = getattr(revision, name) or "", getattr(post, name) or ""
        if old == new:
            continue
        label = Post._meta.get_field(name).verbose_name
        lines.extend(
            difflib.unified_diff(
                old.splitlines(),
                new.splitlines(),
                fromfile=f"{label} ({this_version})",
                tofile=f"{label} ({current_version})",
                lineterm="",
            )
        )
    return "\n".join(lines)
