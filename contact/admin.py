"""The author's inbox: messages read-only, statuses, pending notifications, reply, CSV export."""

from __future__ import annotations

import csv
from urllib.parse import quote

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.admin_history import HistoryInFrench
from blog.models import every_word_in
from contact.models import Message

# A mailto: link longer than this is cut by some mail clients and browsers.
REPLY_QUOTE_MAX = 1500
# Spreadsheets run a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def reply_href(message: Message) -> str:
    """A mailto: address opening her mail client with "Re: subject" and the message quoted."""
    subject = message.subject or str(message)
    when = timezone.localtime(message.created_at).strftime("%d/%m/%Y %H:%M")
    quoted_text = message.message
    if len(quoted_text) > REPLY_QUOTE_MAX:
        quoted_text = quoted_text[:REPLY_QUOTE_MAX] + "…"
    quoted = "\n".join(f"> {line}" if line else ">" for line in quoted_text.split("\n"))
    intro = _("On %(date)s, %(name)s wrote:") % {"date": when, "name": message.name}
    body = f"\n\n{intro}\n{quoted}\n"
    # RFC 6068: everything percent-encoded (quote, not quote_plus: "+" is not a space there),
    # line breaks as %0D%0A.
    return "mailto:{}?subject={}&body={}".format(
        quote(message.email, safe="@"),
        quote(f"Re: {subject}", safe=""),
        quote(body.replace("\n", "\r\n"), safe=""),
    )


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class NotificationFilter(admin.SimpleListFilter):
    title = _("notification")
    parameter_name = "notification"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Not sent yet")),
            *[(value, label) for value, label in Message.Notification.choices],
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.notification_pending()
        if value in Message.Notification.values:
            return queryset.filter(notification_status=value)
        return queryset


@admin.register(Message)
class MessageAdmin(HistoryInFrench):
    list_display = ["subject_or_name", "status", "created_at", "name", "email", "notification"]
    list_display_links = ["subject_or_name"]
    list_filter = ["status", NotificationFilter, "created_at"]
    search_fields = ["name", "email", "subject", "message"]
    date_hierarchy = "created_at"

    def get_search_results(self, request, queryset, search_term):
        """Accents and case aside, as the post list's: `zoe` finds Zoé, `reponse` Réponse."""
        found = every_word_in("search_document", search_term)
        return (queryset, False) if found is None else (queryset.filter(found), False)

    list_per_page = 50
    actions = ["mark_read", "mark_answered", "mark_spam", "mark_archived", "export_csv"]
    fieldsets = [
        (None, {"fields": ["status", "reply_link"]}),
        (
            _("Message"),
            {"fields": ["name", "email", "subject", "message", "created_at", "consent"]},
        ),
        (
            _("Notification"),
            {
                "fields": [
                    "notification_status",
                    "notification_attempts",
                    "last_attempt_at",
                    "notified_at",
                    "notification_error",
                    "acknowledged_at",
                    "spam_reason",
                ]
            },
        ),
    ]
    # What the reader wrote is evidence, not a draft: only the status is hers to change.
    readonly_fields = [
        "reply_link",
        "name",
        "email",
        "subject",
        "message",
        "created_at",
        "consent",
        "notification_status",
        "notification_attempts",
        "last_attempt_at",
        "notified_at",
        "notification_error",
        "acknowledged_at",
        "spam_reason",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from readers

    @admin.display(description=_("subject"), ordering="subject")
    def subject_or_name(self, message: Message) -> str:
        return str(message)

    @admin.display(description=_("notification"), ordering="notification_status")
    def notification(self, message: Message) -> str:
        label = message.get_notification_status_display()
        if message.notification_pending and message.notification_attempts:
            return ngettext(
                "%(state)s (%(count)d attempt)",
                "%(state)s (%(count)d attempts)",
                message.notification_attempts,
            ) % {"state": label, "count": message.notification_attempts}
        return label

    @admin.display(description=_("reply"))
    def reply_link(self, message: Message) -> str:
        return format_html(
            '<a href="{}">{}</a>', reply_href(message), _("Reply from my mail client")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Opening a new message is reading it: the unread count follows without a click.
        if request.method == "GET":
            Message.objects.filter(pk=object_id, status=Message.Status.NEW).update(
                status=Message.Status.READ
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": _("Inbox"),
            "unread_count": Message.objects.unread_count(),
            "pending_count": Message.objects.notification_pending().count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def _set_status(self, request, queryset, status: str) -> None:
        count = queryset.update(status=status)
        label = Message.Status(status).label
        self.message_user(
            request,
            ngettext(
                "%(count)d message marked “%(status)s”.",
                "%(count)d messages marked “%(status)s”.",
                count,
            )
            % {"count": count, "status": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark as read"))
    def mark_read(self, request, queryset):
        self._set_status(request, queryset, Message.Status.READ)

    @admin.action(description=_("Mark as answered"))
    def mark_answered(self, request, queryset):
        self._set_status(request, queryset, Message.Status.ANSWERED)

    @admin.action(description=_("Mark as spam"))
    def mark_spam(self, request, queryset):
        self._set_status(request, queryset, Message.Status.SPAM)

    @admin.action(description=_("Archive"))
    def mark_archived(self, request, queryset):
        self._set_status(request, queryset, Message.Status.ARCHIVED)

    @admin.action(description=_("Export as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="messages-{stamp}.csv"'
        response.write("\ufeff")  # so spreadsheets open it as UTF-8
        # Semicolons and day/month/year: what a French spreadsheet reads as columns and dates.
        writer = csv.writer(response, delimiter=";")
        writer.writerow(
            [
                _("received"),
                _("status"),
                _("name"),
                _("e-mail address"),
                _("subject"),
                _("message"),
                _("notification"),
            ]
        )
        for message in queryset.order_by("created_at", "id"):
            writer.writerow(
                [
                    csv_cell(timezone.localtime(message.created_at).strftime("%d/%m/%Y %H:%M:%S")),
                    csv_cell(message.get_status_display()),
                    csv_cell(message.name),
                    csv_cell(message.email),
                    csv_cell(message.subject),
                    csv_cell(message.message),
                    csv_cell(message.get_notification_status_display()),
                ]
            )
        return response
