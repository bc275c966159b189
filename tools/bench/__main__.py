"""`PYTHONPATH=tools python -m bench` from the repository root: the page benchmarks (bench/timing.py)
on the synthetic corpus in the database of DATABASE_URL, written into docs/benchmarks.md (tools/README.md)."""

from django_setup import run

run("bench")
