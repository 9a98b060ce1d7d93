"""`manage.py restore_site ARCHIVE`: load a backup_site archive into an empty, migrated site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by backup_site into an empty database (run `migrate` first) "
        "and media folder. Nothing is written if the database already holds content."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        try:
            report = restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(report.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {rows} database rows and {report.media_files} media files "
                f"from {archive}."
            )
        )
