"""Renaming and merging tags and categories without breaking the addresses of their pages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from taggit.models import Tag, TaggedItem

from blog.models import OldURL

# What the tag page's URL pattern (`<slug:slug>`) accepts.
ROUTABLE_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def addressable_tag_slug(name: str, slug: str) -> str:
    """`slug`, or one a page address can hold for a tag whose name slugifies to nothing
    (`{}`, `🙂`) or whose slug the URL cannot carry (`été`, set by hand or by an old version).

    taggit suffixes a taken slug with `_1`, `_2`…: an empty one becomes `_1`, kept at the end.
    """
    if ROUTABLE_SLUG.fullmatch(slug) and not re.fullmatch(r"_\d+", slug):
        return slug
    suffix = slug if re.fullmatch(r"_\d+", slug) else ""
    return f"tag-{hashlib.sha256(name.encode()).hexdigest()[:8]}{suffix}"


def repair_tag_addresses(tag_model, tagged_item_model, post_type_id: int | None) -> list[int]:
    """Give an address to every tag without one (rows an earlier version or a backup left);
    returns the posts that show those tags. Updates rows without signals: it also runs in
    a migration, on historical models."""
    repaired = []
    for pk, name, slug in tag_model.objects.values_list("pk", "name", "slug"):
        fixed = addressable_tag_slug(name, slug)
        if fixed != slug:
            tag_model.objects.filter(pk=pk).update(slug=fixed)
            repaired.append(pk)
    if not repaired or post_type_id is None:
        return []
    return list(
        tagged_item_model.objects.filter(
            tag_id__in=repaired, content_type_id=post_type_id
        ).values_list("object_id", flat=True)
    )


# A tag's or a category's page and its feeds (blog/urls.py): a rename or a merge moves them all.
TAG_ADDRESSES = ("blog:tag", "blog:tag-feed", "blog:tag-atom")
CATEGORY_ADDRESSES = ("blog:category", "blog:category-feed", "blog:category-atom")


def slug_path(url_name: str, slug: str) -> str | None:
    """The address `url_name` gives `slug`, or None when that slug cannot have had one."""
    try:
        return reverse(url_name, kwargs={"slug": slug})
    except NoReverseMatch:
        return None


def redirect_old_page(old_path: str | None, new_path: str | None) -> OldURL | None:
    """Make `old_path` answer a 301 to `new_path`, and repoint what led to `old_path`.

    Old addresses that led to the old page now lead straight to the new one, so a reader
    never goes through a chain of redirects, and one renamed back and forth never loops.
    """
    if not old_path or not new_path or old_path == new_path:
        return None
    for old in OldURL.objects.filter(target=old_path, post=None, page=None):
        old.target = new_path
        old.save(update_fields=["target"])
    # The new page is live from now on; a redirect stored under its address would shadow
    # nothing today but would send readers away if the page were renamed again.
    for stale in OldURL.objects.filter(path=new_path, post=None, page=None):
        stale.delete()
    redirect, _created = OldURL.objects.update_or_create(
        path=old_path, defaults={"target": new_path, "post": None, "page": None}
    )
    return redirect


def redirect_old_addresses(url_names: Iterable[str], old_slug: str, new_slug: str) -> OldURL | None:
    """Redirect each of the old slug's addresses to the new slug's; returns the page's."""
    redirects = [
        redirect_old_page(slug_path(name, old_slug), slug_path(name, new_slug))
        for name in url_names
    ]
    return redirects[0]


def record_tag_rename(old_slug: str, new_slug: str) -> OldURL | None:
    return redirect_old_addresses(TAG_ADDRESSES, old_slug, new_slug)


def record_category_rename(old_slug: str, new_slug: str) -> OldURL | None:
    return redirect_old_addresses(CATEGORY_ADDRESSES, old_slug, new_slug)


@transaction.atomic
def merge_tags(keep: Tag, merged: Iterable[Tag]) -> int:
    """Move every use of the `merged` tags to `keep`, delete them, redirect their pages.

    Returns how many tagged items were moved (an item that already had `keep` is dropped,
    so a post never carries the kept tag twice).
    """
    moved = 0
    for tag in merged:
        if tag.pk == keep.pk:
            continue
        already = set(
            TaggedItem.objects.filter(tag=keep).values_list("content_type_id", "object_id")
        )
        # One save or delete per item rather than a bulk update, so the signals that
        # keep cached pages fresh see the change.
        for item in TaggedItem.objects.filter(tag=tag):
            if (item.content_type_id, item.object_id) in already:
                item.delete()
            else:
                item.tag = keep
                item.save(update_fields=["tag"])
                moved += 1
        old_slug = tag.slug
        tag.delete()
        record_tag_rename(old_slug, keep.slug)
    return moved
