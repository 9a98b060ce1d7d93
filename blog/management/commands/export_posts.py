"""`manage.py export_posts DIR`: the whole blog written back as a Jekyll site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.export import export_site


class Command(BaseCommand):
    help = "Write every post (drafts too), page and used media file as a Jekyll site in DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write into DIR even if it is not empty (files of the same name are replaced).",
        )

    def handle(self, *args, directory: Path, force: bool, **options):
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        if directory.is_dir() and any(directory.iterdir()) and not force:
            raise CommandError(f"{directory} is not empty; choose another folder or add --force.")
        report = export_site(directory)
        for name in report.missing_media:
            self.stderr.write(f"missing media file, link kept: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {len(report.posts)} posts, {len(report.drafts)} undated drafts, "
                f"{len(report.pages)} pages and {len(report.media)} media files to {directory}."
            )
        )
