"""`PYTHONPATH=tools python -m bench_import --rows N [--memory]` from the repository root: the import
benchmark (bench_import/command.py) on a scratch database (tools/README.md)."""

from django_setup import run

run("bench_import")
