"""`manage.py backup_site`: the database and the media folder in one timestamped archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from blog.backup import create_backup, prune_backups


class Command(BaseCommand):
    help = "Write backups/carnet-YYYYMMDD-HHMMSS.tar.gz: the database as JSON and the media."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "backups",
            help="Folder for the archive (default: backups/ beside manage.py).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="Then delete all but the KEEP newest archives there (default 0: keep all).",
        )

    def handle(self, *args, output_dir: Path, keep: int, **options):
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more.")
        try:
            report = create_backup(output_dir)
        except OSError as error:
            raise CommandError(f"Cannot write the backup in {output_dir}: {error}") from error
        rows = sum(report.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {rows} database rows and {report.media_files} media files "
                f"to {report.path}."
            )
        )
        for path in prune_backups(output_dir, keep):
            self.stdout.write(f"Deleted old backup {path}")
