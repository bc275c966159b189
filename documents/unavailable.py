"""The answer when the database cannot be reached: 503 with Retry-After, never a 500.

Django calls ``server_error`` (settings' ``handler500`` in archive_project/urls.py) for any exception
a view or a middleware (the session's or the user's lookup) lets through, while that exception is
still being handled. A database error (connection refused, server restarting, connection killed)
becomes a short static page, or the API's JSON error, that reads nothing from the database: no
context processors, no session, no user. Anything else is the site's ordinary 500 page.

A refused connection fails in milliseconds; a server that does not answer at all fails after the
PostgreSQL connect_timeout in settings (DJANGO_PG_CONNECT_TIMEOUT). Persistent connections are
health-checked before reuse (CONN_HEALTH_CHECKS), so once the database is back the next request
reconnects and succeeds without restarting the app server (docs/reliability.md).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from .api.errors import error_body
from .write_conflicts import write_conflict

# Seconds a client is asked to wait: about how long a PostgreSQL restart or failover takes.
RETRY_AFTER = 30
MESSAGE = "The archive cannot reach its database just now. Please try again in a minute."


# PostgreSQL's codes for a connection that failed or a server shutting down or starting up; any other
# error (a bad query, a statement timeout, a full disk) is a fault to fix, answered 500.
CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# SQLite's: the file cannot be opened (moved, unmounted), or a writer waited past its busy timeout.
SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked")


def database_unavailable(exc):
    """Whether exc is the database being unreachable, as opposed to a failing query: a missing table
    after a forgotten migrate must not tell everyone to come back in a minute."""
    if isinstance(exc, InterfaceError):  # the connection is already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__  # the driver's own error, which Django's wraps
    if hasattr(cause, "sqlstate"):  # psycopg: no code at all when the connection itself failed
        return cause.sqlstate is None or cause.sqlstate.startswith(CONNECTION_SQLSTATES)
    return any(message in str(exc) for message in SQLITE_UNAVAILABLE)


def unavailable_response(request):
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body(503, "unavailable", MESSAGE), status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)  # a proxy must not go on serving the outage once it is over
    return response


def server_error(request, template_name="500.html"):
    if database_unavailable(sys.exception()):
        return unavailable_response(request)
    if write_conflict(sys.exception()):
        return HttpResponse(render_to_string("409.html"), status=409)
    return HttpResponseServerError(render_to_string(template_name))
