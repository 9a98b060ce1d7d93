"""Delete archived and spam messages older than CONTACT_RETENTION_DAYS."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from contact.models import Message


class Command(BaseCommand):
    help = "Delete archived and spam contact messages older than CONTACT_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Retention in days instead of the setting."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, days: int | None, dry_run: bool, **options):
        doomed = Message.objects.purgeable(days=days)
        if dry_run:
            count = doomed.count()
            self.stdout.write(
                ngettext(
                    "%(count)d message would be deleted.",
                    "%(count)d messages would be deleted.",
                    count,
                )
                % {"count": count}
            )
            return
        count, _by_model = doomed.delete()
        self.stdout.write(
            ngettext("%(count)d message deleted.", "%(count)d messages deleted.", count)
            % {"count": count}
        )
