"""Send the notifications the mail server refused or that a dying process left behind."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from contact.notifications import send_pending_notifications


class Command(BaseCommand):
    help = "Send pending contact notifications (run it from cron, e.g. every 10 minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many messages per run."
        )

    def handle(self, *args, limit: int, **options):
        result = send_pending_notifications(limit=limit)
        summary = _("Notifications: %(sent)d sent, %(failed)d failed, %(skipped)d busy.") % {
            "sent": result.sent,
            "failed": result.failed,
            "skipped": result.skipped,
        }
        if result.failed:
            # A non-zero exit makes cron tell someone that the mail server still refuses.
            raise CommandError(summary)
        # Silent when there was nothing to do, so cron mails only about something.
        if result.sent or result.skipped:
            self.stdout.write(summary)
