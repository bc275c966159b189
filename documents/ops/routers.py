"""Read replicas: reads go to a replica, writes to the primary, and a curator reads their own writes.

Installed only when DATABASE_REPLICA_URLS names at least one replica (archive_project/settings.py
adds the aliases replica1, replica2, … to DATABASES, this router to DATABASE_ROUTERS and the
middleware below after AuthenticationMiddleware). Without replicas none of this runs.

A replica lags the primary by a little. Reads go to the primary ("default") instead of a replica:

- inside a transaction on the primary (the reads of a save must see what it wrote);
- for the models whose staleness would matter: sessions (a login must hold on the next request),
  the database cache table (the API's throttle counts) and django-axes' sign-in failure counts;
- for the whole of a request that ``PinPrimaryMiddleware`` pins: every request of a signed-in staff
  member (curators and editors see the archive as it is, never as it was a second ago), and every
  request that carries the ``pin_primary`` cookie, which any request that changed something (a POST,
  PUT, PATCH or DELETE answered with a 2xx or 3xx) sets for DATABASE_PIN_SECONDS seconds (10 by
  default: longer than a healthy replica's lag), so that even a reader who is not staff, or a
  login that has just been written, reads it back.

The pin is kept in a context variable, so it belongs to one request in one thread or task.
"""

import contextvars
import random

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PIN_COOKIE = "pin_primary"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Models (by app label) always read on the primary.
PRIMARY_APP_LABELS = frozenset({"sessions", "django_cache", "axes"})

_pinned = contextvars.ContextVar("pin_primary", default=False)


def replicas():
    """The aliases of the configured replicas (settings.DATABASE_REPLICAS), possibly none."""
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def is_pinned():
    return _pinned.get()


class pin_primary:
    """Context manager: the reads inside go to the primary (``with pin_primary(): ...``)."""

    def __enter__(self):
        self._token = _pinned.set(True)
        return self

    def __exit__(self, *exc):
        _pinned.reset(self._token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        aliases = replicas()
        if (
            not aliases
            or _pinned.get()
            or model._meta.app_label in PRIMARY_APP_LABELS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return random.choice(aliases)

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's rows: an object read on one may relate to one read on another.
        aliases = {DEFAULT_DB_ALIAS, *replicas()}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary's schema by replication; migrations run on the primary only.
        return db == DEFAULT_DB_ALIAS


class PinPrimaryMiddleware:
    """Pins a request's reads to the primary (see the module's docstring) and sets the pin cookie
    after a request that changed something."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pinned.set(self.should_pin(request))
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if request.method in WRITE_METHODS and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def should_pin(request):
        if request.method in WRITE_METHODS or PIN_COOKIE in request.COOKIES:
            return True
        # Only a request with a session can be a staff member's: asking anyone else's request.user
        # would read the session for nothing (and add "Vary: Cookie" to every public page).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        with pin_primary():  # the session and the user as the primary has them
            user = request.user
            return bool(user.is_authenticated and user.is_staff)
