"""WSGI entry point for gunicorn and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_project.settings")
# Requests, unlike management commands, are bounded: PostgreSQL cancels a statement after 10 s, and a
# server that has not answered a command in 15 s is given up (settings.py, docs/reliability.md). Both
# stay below gunicorn's 30 s timeout, so a stuck database answers 503 instead of getting workers killed.
os.environ.setdefault("DJANGO_PG_STATEMENT_TIMEOUT", "10")
os.environ.setdefault("DJANGO_PG_ANSWER_TIMEOUT", "15")

application = get_wsgi_application()
