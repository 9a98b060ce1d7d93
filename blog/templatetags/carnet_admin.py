"""The admin index's summary: drafts, scheduled posts and unread messages at a glance."""

from __future__ import annotations

from django import template
from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from blog.models import Post

register = template.Library()

LISTED = 5


def unread_messages() -> tuple[int | None, str | None]:
    """How many contact messages wait, and where to read them; None when there is no inbox."""
    if not apps.is_installed("contact"):
        return None, None
    try:
        from contact.models import Message
    except ImportError:
        return None, None
    if not hasattr(Message.objects, "unread_count"):
        return None, None
    try:
        url = reverse("admin:contact_message_changelist") + "?status__exact=new"
    except NoReverseMatch:
        url = None
    return Message.objects.unread_count(), url


@register.simple_tag
def desk_summary() -> dict:
    now = timezone.now()
    drafts = Post.objects.drafts().order_by("-modified_at").only("pk", "title", "modified_at")
    scheduled = (
        Post.objects.scheduled(now).order_by("published_at").only("pk", "title", "published_at")
    )
    unread, inbox_url = unread_messages()
    return {
        "draft_count": drafts.count(),
        "drafts": list(drafts[:LISTED]),
        "scheduled_count": scheduled.count(),
        "scheduled": list(scheduled[:LISTED]),
        "unread": unread,
        "inbox_url": inbox_url,
        "more": LISTED,
    }
