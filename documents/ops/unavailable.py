"""The answer when the database cannot be reached: 503 with Retry-After, never a 500.

Django calls ``server_error`` (settings' ``handler500`` in archive_project/urls.py) for any exception
a view or a middleware (the session's or the user's lookup) lets through, while that exception is
still being handled. A database error (connection refused, server restarting, connection killed)
becomes a short static page, or the API's JSON error, that reads nothing from the database: no
context processors, no session, no user. Anything else is the site's ordinary 500 page.

A refused connection fails in milliseconds; a server that does not answer at all fails after the
PostgreSQL connect_timeout in settings (DJANGO_PG_CONNECT_TIMEOUT), and one that stops answering a
connection already open after DJANGO_PG_ANSWER_TIMEOUT (documents/ops/postgresql/). Persistent connections are
health-checked before reuse (CONN_HEALTH_CHECKS), so once the database is back the next request
reconnects and succeeds without restarting the app server (docs/reliability.md).
"""

import sqlite3
import sys

import psycopg
from django.db import DatabaseError, InterfaceError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from ..api.errors import error_body
from .write_conflicts import write_conflict

# Seconds a client is asked to wait: about how long a PostgreSQL restart or failover takes.
RETRY_AFTER = 30
MESSAGE = "The archive cannot reach its database just now. Please try again in a minute."


# PostgreSQL's codes for a database that cannot serve just now, where trying again later is the answer:
# a connection that failed (08), a server short of connections, memory or disk (53), shutting down,
# crashed, starting up or ending the session (57P), a statement cancelled by statement_timeout (57014:
# a server too loaded, or waiting on locks, to answer in time; settings.py), an idle transaction ended
# (25P03). Any other error (a bad query, a missing table) is a fault to fix, answered 500.
TRANSIENT_SQLSTATES = ("08", "53", "57P", "57014", "25P03")
# SQLite's: the file cannot be opened (moved, unmounted), a writer waited past its busy timeout, the
# disk is full or failing.
SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "database is locked",
    "database or disk is full",
    "disk I/O error",
)


def database_unavailable(exc):
    """Whether exc is the database being unreachable or unable to serve, as opposed to a failing query:
    a missing table after a forgotten migrate must not tell everyone to come back in a minute."""
    if isinstance(exc, InterfaceError):  # Django's: the connection is already closed
        return True
    # The driver's own error: the cause of Django's, or raised bare where Django does not wrap it (it
    # closes a server-side cursor, QuerySet.iterator(), without wrapping: a connection killed just
    # before raises psycopg's error itself).
    error = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ is not None else exc
    if isinstance(error, psycopg.Error):
        if error.sqlstate is None:  # raised by psycopg, not the server: the connection failed, or a bug
            return isinstance(error, psycopg.OperationalError)
        return error.sqlstate.startswith(TRANSIENT_SQLSTATES)
    if isinstance(error, sqlite3.OperationalError):
        return any(message in str(error) for message in SQLITE_UNAVAILABLE)
    return False


def unavailable_response(request):
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body(503, "unavailable", MESSAGE), status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    return retry_later(response)


def retry_later(response):
    """A 503's headers: when to come back, and that no proxy may go on serving the outage once it is over."""
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def server_error(request, template_name="500.html"):
    if database_unavailable(sys.exception()):
        return unavailable_response(request)
    if write_conflict(sys.exception()):
        return HttpResponse(render_to_string("409.html"), status=409)
    return HttpResponseServerError(render_to_string(template_name))
