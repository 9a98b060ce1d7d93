"""`manage.py import_posts PATH…`: a Jekyll site, a `_posts` folder or files into the blog."""

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.importer import import_site
from blog.management.translated import TranslatedCommand


class Command(TranslatedCommand):
    help = _(
        "Import a Jekyll site (its folder), a _posts folder or single files: posts, pages, "
        "images and old addresses. Running it again updates what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Read and report everything, write nothing."),
        )
        parser.add_argument(
            "--tag-dir",
            default=None,
            help=_(
                "Folder where the old site served its tag pages (default: the site's "
                "jekyll-archives setting, else 'tag')."
            ),
        )
        parser.add_argument(
            "--category-dir",
            default=None,
            help=_(
                "Folder where the old site served its category pages (default: the site's "
                "jekyll-archives setting, else 'category')."
            ),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=_(
                "Processes that render the posts when there are many (default: one per "
                "processor; 1 renders them all in this process)."
            ),
        )

    def handle(self, *args, paths, dry_run, tag_dir, category_dir, workers, verbosity, **options):
        if workers is not None and workers < 1:
            raise CommandError(_("--workers must be 1 or more."))
        report = import_site(
            paths,
            dry_run=dry_run,
            tag_dir=tag_dir,
            category_dir=category_dir,
            stdout=self.stdout,
            workers=workers,
        )
        for line in report.lines(verbosity):
            self.stdout.write(line)
        failed = len(report.failed)
        if failed:
            raise CommandError(
                ngettext(
                    "%(count)d file could not be imported (see above).",
                    "%(count)d files could not be imported (see above).",
                    failed,
                )
                % {"count": failed}
            )
