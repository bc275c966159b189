"""What a shared cache (a proxy, a CDN) may keep of a response: nothing made for someone who may see
drafts, and API answers only apart for each Authorization header.

One middleware for every view, rather than headers view by view: any page, feed, file or API answer
made for staff may hold a draft (``visible_to()``), and the API answers the same URL differently by
token. The views' own headers (``private, no-store`` for a draft, ``public, max-age`` for readers)
stay; this only makes sure no staff answer is ever ``public``."""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject

from ..models.querysets import can_preview

API_NAMESPACE = "api"
NOT_STORED = "private, no-store"


def draft_headers(response):
    """Headers of a response that shows a draft (or tells of one, as a deleted draft's 410): kept by
    no cache, shared or private, and indexed by no search engine. The one place that says so, for
    pages, files, citations and API answers alike."""
    response["Cache-Control"] = NOT_STORED
    response["X-Robots-Tag"] = "noindex"
    return response


def reader_headers(response, public, max_age):
    """A response anyone may see (``public``) may be kept ``max_age`` seconds by any cache; any other
    gets draft_headers()."""
    if not public:
        return draft_headers(response)
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def served_user(request):
    """The user a response was made for, without reading a session that nothing read (that would add
    "Vary: Cookie" to every public page). Without a session cookie the user is anonymous, unless DRF
    authenticated a token, which puts the token's user in ``request.user``."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    return user


class CacheHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and API_NAMESPACE in match.namespaces:
            patch_vary_headers(response, ["Authorization"])
        if can_preview(served_user(request)):
            patch_cache_control(response, private=True)
        return response
