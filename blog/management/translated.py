"""A management command whose help is translated, as every text the author may read."""

from django.core.management.base import BaseCommand


class TranslatedCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse formats the description itself and needs a str, not a lazy translation:
        # `manage.py import_posts --help` failed with a TypeError.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
