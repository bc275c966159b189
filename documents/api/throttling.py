"""How often an anonymous client may call the API.

Counts live in the default cache (Redis, or a database table: settings.CACHES), which every app
server process shares, so a limit of N per minute is N for the whole site. The client is told
apart by REMOTE_ADDR, or by the address our own proxies saw (REST_FRAMEWORK["NUM_PROXIES"]):
never by an X-Forwarded-For that the client itself could make up."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, with the rate read for each request (DRF reads it once, at import),
    so that a change of settings takes effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
