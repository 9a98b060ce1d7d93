"""The contact form and its thank-you page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from blog.models import Post
from contact import spam
from contact.forms import ContactForm
from contact.models import Message
from contact.notifications import send_notification
from contact.text import one_line

TEMPLATE = "contact/message_form.html"
SUBJECT_MAX_LENGTH = Message._meta.get_field("subject").max_length


@transaction.non_atomic_requests  # the message must be committed before the mail is tried
@never_cache  # the form carries a CSRF token and a time token: a cached copy would go stale
@require_http_methods(["GET", "HEAD", "POST"])
def contact_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        subject = request.GET.get("subject", "") or subject_from_referer(request)
        subject = one_line(subject, SUBJECT_MAX_LENGTH)
        form = ContactForm(initial={"subject": subject} if subject else None)
        return render(request, TEMPLATE, {"form": form})

    form = ContactForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form.redisplay()}, status=400)
    message = form.save(commit=False)
    if Message.objects.sent_before(message):
        # Stored and notified once; the reader sees the same thanks, and no rate limit.
        return redirect("contact:thanks")
    wait = spam.register_submission(spam.client_address(request))
    if wait:
        minutes = max(1, round(wait / 60))
        form.add_error(
            None,
            ngettext(
                "You have sent several messages in a short time. Your text is still here: "
                "please send it again in %(minutes)d minute.",
                "You have sent several messages in a short time. Your text is still here: "
                "please send it again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = render(request, TEMPLATE, {"form": form.redisplay()}, status=429)
        response["Retry-After"] = str(wait)
        return response

    message.consent = True
    message.spam_reason = spam.spam_reason(
        name=message.name, subject=message.subject, message=message.message
    )
    if message.spam_reason:
        # Filed, never rejected: a false positive stays readable in the admin.
        message.status = Message.Status.SPAM
        message.notification_status = Message.Notification.SKIPPED
    # Stored and committed before anything that can fail; the mail server comes after.
    with transaction.atomic():
        # Asked again with the sender held: a second click sent while this one was on its
        # way (rate limit, spam checks) finds it stored.
        Message.objects.hold_sender(message.email)
        if Message.objects.sent_before(message):
            return redirect("contact:thanks")
        message.save()
    if message.status != Message.Status.SPAM:
        # A slow mail server must not keep the reader from the thank-you page: past the
        # deadline the notification is marked failed, and the cron command sends it.
        send_notification(message, within=settings.EMAIL_TIMEOUT)
    return redirect("contact:thanks")


def expired_form(request: HttpRequest) -> HttpResponse:
    """The form the CSRF check refused, shown again with the reader's text (site_config.errors)."""
    form = ContactForm(request.POST)
    form.full_clean()
    form._errors = ErrorDict()
    form.add_error(
        None,
        _(
            "This form had expired, or your browser refused this site’s cookies. Your text is "
            "still here: please send it again."
        ),
    )
    # A new time token, which may be sent at once if hers was genuine and had ripened: she
    # has typed her text already. A bot's forged or early token gets an ordinary one.
    form.token_refresh = True
    try:
        spam.check_token(request.POST.get("token", ""))
    except spam.TokenError as error:
        form.token_ripe = error.ripe
    else:
        form.token_ripe = True
    return render(request, TEMPLATE, {"form": form.redisplay()}, status=403)


def subject_from_referer(request: HttpRequest) -> str:
    """The title of the post the reader comes from: her posts end with a "prendre contact"
    link written in the text, to /contact/ with no subject."""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if not referer.netloc or referer.netloc != request.get_host():
        return ""
    try:
        match = resolve(referer.path)
    except Resolver404:
        return ""
    if match.view_name != "blog:post":
        return ""
    post = Post.objects.published().filter(slug=match.kwargs.get("slug")).only("title").first()
    return post.title if post else ""


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "contact/thanks.html")
