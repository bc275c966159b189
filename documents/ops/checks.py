from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """A deployment needs a stable secret key shared by every server process."""
    if getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        return []
    return [
        Warning(
            "DJANGO_SECRET_KEY is not set, so each process uses its own random key: "
            "sessions and CSRF tokens break across processes and restarts.",
            hint="Set DJANGO_SECRET_KEY to a long random value shared by every app server.",
            id="documents.W001",
        )
    ]


@register(deploy=True)
def release_is_known(app_configs, **kwargs):
    """Page fragments in a cache that outlives the processes (Redis) are kept per release: without
    one, a new release could serve fragments that the old templates rendered."""
    shared = settings.CACHES.get("pages", {}).get("BACKEND", "").rsplit(".", 1)[-1] != "LocMemCache"
    if settings.RELEASE or not shared:
        return []
    return [
        Warning(
            "The release is unknown (ARCHIVE_RELEASE is not set and the project folder is not a git "
            "checkout), and the page cache is shared: after an upgrade, pages could show fragments "
            "rendered by the previous release until they expire (PAGE_CACHE_TIMEOUT).",
            hint="Set ARCHIVE_RELEASE to the version or commit being deployed, different for each release.",
            id="documents.W002",
        )
    ]
