"""A Redis cache that the site can live without (settings.CACHES when REDIS_URL is set).

Django's RedisCache raises when Redis is down, so every page or API call that touches the cache
(the throttles, the page cache) would answer 500. This one treats Redis errors as misses: a read
returns its default, a write does nothing, and throttles count nothing (they fail open). After a
failure the process stops trying Redis for CIRCUIT_SECONDS (the circuit is open), so a dead Redis
costs requests no latency, and the warning is logged once per opening, not once per request.
The socket timeouts (settings: REDIS_TIMEOUT) bound what the one failing call costs when Redis
hangs instead of refusing."""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Per process and per Redis location, shared by the cache objects of every thread (Django makes one
# per thread): {location: monotonic time until which Redis is not tried}.
_open_until = {}
_failures = {}
_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """RedisCache whose operations never raise a Redis error; see the module's docstring.
    OPTIONS["CIRCUIT_SECONDS"] (default 5) is how long Redis is left alone after a failure."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.circuit_seconds = float(options.pop("CIRCUIT_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = ",".join(self._servers)

    # --- the circuit ---

    def circuit_open(self):
        """True while Redis is left alone after a failure."""
        return _open_until.get(self.location, 0) > time.monotonic()

    def failures(self):
        """How many times this process opened the circuit (found Redis unreachable while it was closed)."""
        return _failures.get(self.location, 0)

    def _failed(self, error):
        with _lock:
            was_open = self.circuit_open()  # Another thread failed at the same time, or ping().
            _open_until[self.location] = time.monotonic() + self.circuit_seconds
            if was_open:
                return
            _failures[self.location] = _failures.get(self.location, 0) + 1
        logger.warning(
            "Redis at %s is unavailable (%s): serving without the cache for %g s",
            self.location.rsplit("@", 1)[-1],  # never the password of redis://user:password@host
            error,
            self.circuit_seconds,
        )

    def _call(self, default, method, *args, **kwargs):
        if self.circuit_open():
            return default
        try:
            return method(*args, **kwargs)
        except RedisError as error:
            self._failed(error)
            return default

    def ping(self):
        """Ask Redis for real, even while the circuit is open (for /healthz); True if it answers.
        An answer closes the circuit, so the cache is used again at once."""
        try:
            answered = bool(self._cache.get_client(write=True).ping())
        except RedisError as error:
            self._failed(error)
            return False
        _open_until.pop(self.location, None)
        return answered

    # --- Django's cache API, each call through the circuit ---

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError, as Django's contract says; only Redis errors are
        # swallowed, answering as if the count had been made.
        return self._call(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's answer lists the keys that failed to be set: all of them when Redis is down.
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
