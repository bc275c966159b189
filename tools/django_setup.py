"""How a tool that uses the app runs outside manage.py: `PYTHONPATH=tools python -m <tool> ...` from
the repository root (tools/README.md). Each such tool is a Django management command kept out of the
app (its <tool>/command.py), so its options, --help, output and errors are as manage.py gave them."""

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup():
    """Django set up as manage.py does it: archive_project.settings (unless DJANGO_SETTINGS_MODULE
    says otherwise), with the repository root importable wherever the tool is started from."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_project.settings")
    import django

    django.setup()


def run(name, argv=None):
    """Run the tool `name` (its module `name.command`) with these arguments (sys.argv's by default)."""
    setup()
    # Imported once Django is set up: the command imports the app's models.
    command = importlib.import_module(f"{name}.command").Command()
    command.run_from_argv(["python -m", name, *(sys.argv[1:] if argv is None else argv)])
