"""E-mail about stored messages: the author's notification (Reply-To the reader) and retries."""

from __future__ import annotations

import contextlib
import logging
import signal
import smtplib
import threading
import time
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.models import SiteIdentity
from contact.models import Message
from contact.text import one_line

logger = logging.getLogger("carnet.contact")

SUBJECT_MAX = 120
# Errors an unreachable or refusing mail server raises; anything else is a bug and propagates.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


class MailDeadline(TimeoutError):
    """The mail server took longer than a reader should wait (an OSError: a mail error)."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Stop what runs inside after `seconds` in all, where EMAIL_TIMEOUT bounds each network
    step only: a server answering each command just in time kept a reader waiting past the
    worker's timeout, which killed the request. Only in the main thread (gunicorn's sync
    workers); elsewhere the steps' timeout alone applies. A timer already running outside
    (another deadline, a test runner's) is given back what is left of it."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = True

    def expire(_signum, _frame):
        if armed:  # an alarm landing as the block ends must not raise outside it
            raise MailDeadline(
                _("the mail server took more than %(seconds)s s") % {"seconds": seconds}
            )

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    # Again each second: closing the connection after the first may wait on the server too.
    outer, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 1)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer:
            left = max(outer - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def recipients() -> list[str]:
    """Where notifications go: CONTACT_RECIPIENTS, else the MANAGERS' addresses."""
    return list(settings.CONTACT_RECIPIENTS) or [address for _name, address in settings.MANAGERS]


def notification_subject(message: Message) -> str:
    site = SiteIdentity.current().title
    subject = message.subject or _("Message from %(name)s") % {"name": message.name}
    return one_line(f"[{site}] {subject}", SUBJECT_MAX)


def notification_body(message: Message) -> str:
    """Plain text: the reader's words can never become markup or headers here."""
    admin_url = settings.SITE_URL + reverse("admin:contact_message_change", args=[message.pk])
    when = timezone.localtime(message.created_at).strftime("%d/%m/%Y %H:%M")
    lines = [
        _("From: %(name)s <%(email)s>") % {"name": message.name, "email": message.email},
        _("Date: %(date)s") % {"date": when},
        _("Subject: %(subject)s") % {"subject": message.subject or "—"},
        "",
        message.message,
        "",
        "-- ",
        _("Answer this e-mail to write back to %(name)s.") % {"name": message.name},
        _("In the inbox: %(url)s") % {"url": admin_url},
    ]
    return "\n".join(lines) + "\n"


def build_notification(message: Message, connection=None) -> EmailMessage:
    # An address with an accented domain (zoe@exämple.org) is valid: Django's sanitize_address
    # writes it as a mail server takes it (punycode), where formataddr raised.
    address = sanitize_address(("", message.email), settings.DEFAULT_CHARSET)
    reply_to = formataddr((one_line(message.name, 70), address))
    return EmailMessage(
        subject=notification_subject(message),
        body=notification_body(message),
        to=recipients(),
        reply_to=[reply_to],
        connection=connection,
    )


def build_acknowledgement(message: Message, connection=None) -> EmailMessage:
    """A fixed text with nothing the reader typed: a bot giving someone else's address
    must not be able to make the site carry its words to them."""
    identity = SiteIdentity.current()
    body = _(
        "Hello,\n\nYour message sent through the contact form of %(site)s has arrived. "
        "%(author)s will answer you as soon as possible.\n\n"
        "If you did not write it, you can ignore this e-mail.\n"
    ) % {"site": identity.title, "author": identity.author_name}
    return EmailMessage(
        subject=one_line(_("[%(site)s] Your message has arrived") % {"site": identity.title}),
        body=body,
        to=[message.email],
        connection=connection,
    )


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def claim(message: Message) -> bool:
    """Take this message's notification for this process, so that no two processes send it.

    The update only matches while the attempt count is the one we read; a concurrent sender
    that got there first has changed it. Marking it pending again hides it from the retry
    command until it has been stale for a while (see Message.objects.notification_due).
    """
    now = timezone.now()
    taken = Message.objects.filter(
        pk=message.pk,
        notification_attempts=message.notification_attempts,
        notification_status__in=[Message.Notification.PENDING, Message.Notification.FAILED],
    ).update(
        notification_attempts=F("notification_attempts") + 1,
        notification_status=Message.Notification.PENDING,
        last_attempt_at=now,
    )
    if taken:
        message.notification_attempts += 1
        message.notification_status = Message.Notification.PENDING
        message.last_attempt_at = now
    return bool(taken)


def send_notification(message: Message, connection=None, *, within: float = 0) -> bool | None:
    """Try to notify the author of one stored message.

    True when sent, False when the mail server failed (the message stays, marked failed, for
    `send_contact_notifications`), None when another process is already sending it.
    `within` bounds the whole exchange with the mail server, in seconds (0: no bound).
    """
    if not claim(message):
        return None
    if not recipients():
        return _record_failure(message, _("No recipient: set CONTACT_RECIPIENTS or MANAGERS."))
    try:
        notification = build_notification(message, connection)
    except Exception as error:
        # A bug, or an address no mail can carry: the reader still gets the thank-you page,
        # the author sees the error in the inbox, and the messages after it still go out.
        logger.exception("Contact notification %s could not be written", message.pk)
        return _record_failure(message, repr(error))
    started = time.monotonic()
    try:
        with deadline(within):
            notification.send()
    except MAIL_ERRORS as error:
        if connection is not None:
            # A refused or broken session poisons the shared connection: reopen for the next.
            _close_quietly(connection)
        return _record_failure(message, str(error) or repr(error))
    message.notification_status = Message.Notification.SENT
    message.notification_error = ""
    message.notified_at = timezone.now()
    message.save(update_fields=["notification_status", "notification_error", "notified_at"])
    if settings.CONTACT_SEND_ACKNOWLEDGEMENT and message.acknowledged_at is None:
        # Within what is left of the reader's wait: a lost acknowledgement is no loss.
        left = within - (time.monotonic() - started) if within else 0
        if not within or left > 0:
            send_acknowledgement(message, connection, within=left)
    return True


def _record_failure(message: Message, error: str) -> bool:
    message.notification_status = Message.Notification.FAILED
    message.notification_error = error[:2000]
    message.save(update_fields=["notification_status", "notification_error"])
    logger.warning("Contact notification %s failed: %s", message.pk, error)
    return False


def _close_quietly(connection) -> None:
    with contextlib.suppress(*MAIL_ERRORS):
        connection.close()


def send_acknowledgement(message: Message, connection=None, *, within: float = 0) -> bool:
    """Best effort: a lost acknowledgement is not worth a retry, a lost notification is."""
    try:
        with deadline(within):
            build_acknowledgement(message, connection).send()
    except MAIL_ERRORS as error:
        logger.warning("Contact acknowledgement %s failed: %s", message.pk, error)
        return False
    message.acknowledged_at = timezone.now()
    message.save(update_fields=["acknowledged_at"])
    return True


def send_pending_notifications(limit: int = 500) -> SendResult:
    """Send what is due (failed, or abandoned while pending), oldest first, over one connection."""
    result = SendResult()
    due = list(Message.objects.notification_due().order_by("created_at", "id")[:limit])
    if not due:
        return result
    connection = get_connection()
    try:
        for message in due:
            outcome = send_notification(message, connection)
            if outcome is None:
                result.skipped += 1
            elif outcome:
                result.sent += 1
            else:
                result.failed += 1
    finally:
        _close_quietly(connection)
    return result
