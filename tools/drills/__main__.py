"""`PYTHONPATH=tools python -m drills [drill ...]` from the repository root: the fault drills
(drills/faults.py) against servers of their own (tools/README.md)."""

from django_setup import run

run("drills")
