"""`PYTHONPATH=tools python -m loadtest` from the repository root: the load test (loadtest/driver.py),
gunicorn on the synthetic corpus in the database of DATABASE_URL (tools/README.md)."""

from django_setup import run

run("loadtest")
