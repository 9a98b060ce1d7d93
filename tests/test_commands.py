"""Every management command of the project answers `--help`."""

import re

import pytest
from django.core.management import get_commands, load_command_class

PROJECT_COMMANDS = sorted(
    (app, name) for name, app in get_commands().items() if app in ("blog", "contact")
)


def test_the_project_commands_are_found():
    names = {name for _app, name in PROJECT_COMMANDS}
    assert {"import_posts", "check_old_urls", "backup_site"} <= names


@pytest.mark.parametrize(("app", "name"), PROJECT_COMMANDS)
def test_help_describes_the_command(app, name):
    command = load_command_class(app, name)
    text = command.create_parser("manage.py", name).format_help()
    # argparse wraps the description: compare its words.
    assert " ".join(str(command.help).split()) in re.sub(r"\s+", " ", text)
