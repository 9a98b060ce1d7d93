"""Messages readers send through the contact form, with the state of their notification."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from blog.models import folded

# A notification still "pending" after this long was abandoned (a worker died mid-send):
# the retry command may take it over. Longer than a few SMTP timeouts, so it never races
# a request that is still sending.
STALE_PENDING = timedelta(minutes=10)
# The same message from the same reader within this time is one message sent twice.
RESENT_WITHIN = timedelta(minutes=10)
# The first key of the PostgreSQL advisory lock `hold_sender` takes, the address the second.
SENDER_LOCK = 4_407_010
# What the inbox's search reads.
SEARCHED = ("name", "email", "subject", "message")


class MessageQuerySet(models.QuerySet):
    def unread_count(self) -> int:
        """How many messages the author has not opened yet (shown in the admin)."""
        return self.filter(status=Message.Status.NEW).count()

    def sent_before(self, message: Message, now: datetime | None = None) -> bool:
        """Whether this reader sent this very message moments ago: a second click on the
        button, or the form sent again from the browser's history."""
        now = now or timezone.now()
        return self.filter(
            created_at__gte=now - RESENT_WITHIN,
            email__iexact=message.email,
            name=message.name,
            subject=message.subject,
            message=message.message,
        ).exists()

    def hold_sender(self, email: str) -> None:
        """Make another request from this address wait until this transaction ends, so that
        two clicks sent together are seen as one (`sent_before`). SQLite's transactions take
        the write lock when they begin (settings: IMMEDIATE) and wait already."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SENDER_LOCK, email.lower()]
                )

    def fill_search_documents(self) -> None:
        """Messages loaded raw (a backup from before the inbox's search) made searchable."""
        for message in self.filter(search_document="").iterator():
            message.save(update_fields=["search_document"])

    def notification_pending(self) -> MessageQuerySet:
        """Messages the author has not been told about yet (spam is never notified)."""
        return self.filter(
            notification_status__in=[Message.Notification.PENDING, Message.Notification.FAILED]
        ).exclude(status=Message.Status.SPAM)

    def notification_due(self, now: datetime | None = None) -> MessageQuerySet:
        """Messages whose notification failed, or was left pending by a process that died."""
        now = now or timezone.now()
        stale = Q(notification_status=Message.Notification.PENDING) & (
            Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=now - STALE_PENDING)
        )
        return self.filter(Q(notification_status=Message.Notification.FAILED) | stale).exclude(
            status=Message.Status.SPAM
        )

    def purgeable(self, now: datetime | None = None, days: int | None = None) -> MessageQuerySet:
        """Archived and spam messages older than the retention period."""
        now = now or timezone.now()
        days = settings.CONTACT_RETENTION_DAYS if days is None else days
        return self.filter(
            status__in=[Message.Status.ARCHIVED, Message.Status.SPAM],
            created_at__lt=now - timedelta(days=days),
        )


class Message(models.Model):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("message status", "New")
        READ = "read", pgettext_lazy("message status", "Read")
        ANSWERED = "answered", pgettext_lazy("message status", "Answered")
        SPAM = "spam", pgettext_lazy("message status", "Spam")
        ARCHIVED = "archived", pgettext_lazy("message status", "Archived")

    class Notification(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notification", "Pending")
        SENT = "sent", pgettext_lazy("notification", "Sent")
        FAILED = "failed", pgettext_lazy("notification", "Failed")
        SKIPPED = "skipped", pgettext_lazy("notification", "Not sent (spam)")

    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=150, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    consent = models.BooleanField(_("consent given"), default=False)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    spam_reason = models.CharField(_("why it looks like spam"), max_length=200, blank=True)

    notification_status = models.CharField(
        _("notification"),
        max_length=10,
        choices=Notification.choices,
        default=Notification.PENDING,
    )
    notification_error = models.TextField(_("last notification error"), blank=True)
    notification_attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledgement sent"), null=True, blank=True)
    # Name, address, subject and text without accents or capitals, for the inbox's search.
    search_document = models.TextField(blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="contact_status_created_idx"),
            models.Index(fields=["notification_status"], name="contact_notification_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or _("Message from %(name)s") % {"name": self.name}

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is None or not {*SEARCHED, "search_document"}.isdisjoint(fields):
            # Readers write plain text: `<jean@asso.example>` is words, not a tag.
            self.search_document = folded(" ".join(getattr(self, name) for name in SEARCHED))
            if fields is not None:
                kwargs["update_fields"] = {*fields, "search_document"}
        super().save(*args, **kwargs)

    def set_status(self, status: str) -> None:
        self.status = status
        self.save(update_fields=["status"])

    def mark_read(self) -> None:
        self.set_status(self.Status.READ)

    @property
    def notification_pending(self) -> bool:
        return self.notification_status in (self.Notification.PENDING, self.Notification.FAILED)
