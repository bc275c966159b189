"""/healthz for load balancers: is the database answering, and the cache? No secrets, no versions.

Answered by a middleware near the top of MIDDLEWARE rather than by a URL, so that a probe by IP
address (a Host header outside ALLOWED_HOSTS) is answered too: nothing here depends on the host.
settings.SECURE_REDIRECT_EXEMPT lets a plain-HTTP probe through the HTTPS redirect.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

PATH = "/healthz"


def database_ok():
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database is unavailable")
        return False


def cache_ok():
    # Redis is asked for real even while the site leaves it alone after a failure (the open circuit
    # of cache_backends.py): the probe tells when it is back, not what the circuit last saw.
    ping = getattr(cache, "ping", None)
    if ping is not None and not ping():
        return False
    # A key of this probe's own: load balancers probe every app server at once, and with one shared
    # key a probe would read another's value and report a working cache unavailable.
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "ok", timeout=10)
        written = cache.get(key) == "ok"
        cache.delete(key)
        return written
    except Exception:
        logger.warning("Health check: the cache is unavailable", exc_info=True)
        return False


def healthz(request):
    """200 while the database answers; 503 when it does not. The site works without its cache
    (slower), so a cache failure is reported but keeps the 200: a load balancer must not take
    every app server out of service because Redis is down."""
    database = database_ok()
    state = {"database": "ok" if database else "unavailable", "cache": "ok" if cache_ok() else "unavailable"}
    response = JsonResponse(state, status=200 if database else 503)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answers GET and HEAD /healthz before the host is validated or a session is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in {"GET", "HEAD"}:
            return healthz(request)
        return self.get_response(request)
