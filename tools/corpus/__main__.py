"""`PYTHONPATH=tools python -m corpus --documents N [--seed S] [--if-missing]` from the repository root:
the synthetic corpus (corpus/generator.py) in the database of DATABASE_URL (tools/README.md)."""

from django_setup import run

run("corpus")
