"""Throttling of the admin's sign-in: a guesser gets a few tries, then waits.

Failed sign-ins are counted per user name and per client address in the shared cache (Redis, or the
database's cache table: settings.CACHES), so every app server process sees the same counts. After
LOGIN_THROTTLE["FAILURES"] failures within "WINDOW" seconds, that name or that address is locked
for "LOCKOUT" seconds: every sign-in for it is refused, even with the right password, with a message
that says when to try again. The message is the same whether or not the user exists and whether the
name or the address is locked. A successful sign-in clears its name's count (never the address's:
one good account must not buy unlimited guesses at others).

The address is the one the API's throttle uses: REMOTE_ADDR, or the address our own proxies saw
(API_NUM_PROXIES), so a made-up X-Forwarded-For does not make a fresh client.

A count is read and written back, not incremented atomically: attempts that race each other may be
counted once where two were made, which lets a burst of parallel guesses a few more tries than
FAILURES before the lock. See docs/security.md."""

import datetime
import hashlib
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

KEY_PREFIX = "login-throttle"


def _settings():
    return {"FAILURES": 5, "WINDOW": 900, "LOCKOUT": 900, **getattr(settings, "LOGIN_THROTTLE", {})}


def client_address(request):
    """The client's address as the API's throttle tells clients apart (REST_FRAMEWORK["NUM_PROXIES"])."""
    return BaseThrottle().get_ident(request) or "unknown"


def _keys(request, username):
    # Hashed: a user name can hold any character, cache keys cannot (memcached's rules, Redis' sanity).
    name = hashlib.sha256((username or "").strip().casefold().encode()).hexdigest()
    address = hashlib.sha256(client_address(request).encode()).hexdigest()
    return [f"{KEY_PREFIX}:user:{name}", f"{KEY_PREFIX}:address:{address}"]


def locked_until(request, username):
    """When the lock on this name or this address ends (a Unix time), or None if neither is locked."""
    now = time.time()
    ends = [end for end in cache.get_many([f"{key}:lock" for key in _keys(request, username)]).values() if end > now]
    return max(ends) if ends else None


def record_failure(request, username):
    """Count a failed sign-in for the name and the address; lock whichever reached the limit."""
    limits, now = _settings(), time.time()
    for key in _keys(request, username):
        count_key = f"{key}:failures"
        # The window starts with the first failure and keeps its end as failures add up (the cache's
        # own incr() would give the count a fresh default timeout on the database cache).
        failures, window_ends = cache.get(count_key) or (0, now + limits["WINDOW"])
        if window_ends <= now:  # A window the cache has not yet thrown away.
            failures, window_ends = 0, now + limits["WINDOW"]
        failures += 1
        if failures >= limits["FAILURES"]:
            cache.set(f"{key}:lock", now + limits["LOCKOUT"], timeout=limits["LOCKOUT"])
            cache.delete(count_key)
        else:
            cache.set(count_key, (failures, window_ends), timeout=max(1, math.ceil(window_ends - now)))


def record_success(request, username):
    """A good sign-in clears the name's failures (the address keeps its count)."""
    user_key = _keys(request, username)[0]
    cache.delete(f"{user_key}:failures")


def lockout_message(until):
    """What the sign-in page says while locked: when to try again, nothing about the account."""
    minutes = max(1, round((until - time.time()) / 60))
    at = timezone.localtime(datetime.datetime.fromtimestamp(until, tz=datetime.UTC))
    return (
        f"Too many failed sign-in attempts. Sign-in is paused: try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''} (after {at:%H:%M} {at.tzname()})."
    )


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing while the name or the address is locked and counting failures."""

    error_messages = {**AdminAuthenticationForm.error_messages, "locked": "%(message)s"}

    def clean(self):
        username = self.cleaned_data.get("username")
        until = locked_until(self.request, username)
        if until:
            # The password is not even checked: a right guess during the lock tells the guesser nothing.
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"message": lockout_message(until)}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(self.request, username)
            until = locked_until(self.request, username)
            if until:
                raise ValidationError(
                    self.error_messages["locked"], code="locked", params={"message": lockout_message(until)}
                ) from None
            raise
        if self.user_cache is not None:
            record_success(self.request, username)
        return cleaned
