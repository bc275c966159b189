"""Page fragments and facet counts kept in the "pages" cache (settings.CACHES), for readers who see
only published documents. Staff who may preview drafts always get fresh pages: nothing they see is
read from this cache or put into it.

Nothing is ever deleted to invalidate an entry: every key carries the archive's public stamp
(stamps.request_stamp: the newest published modified_at or tombstone), which every edit,
publication, unpublication, creation and deletion moves, and documents/services/freshness.py moves when
a linked person, term, group, scan or relation changes. After a change the old keys are simply
never asked for again, in every process, even if the cache was unreachable during the change;
they expire after CACHES["pages"]["TIMEOUT"]. Keys also carry the release (settings.RELEASE:
ARCHIVE_RELEASE, or the commit checked out) and the settings that pages show, so a new release or a
renamed archive never serves fragments rendered by the old one."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.dispatch import receiver

from ..models.querysets import can_preview
from .stamps import request_stamp

ALIAS = "pages"


def applies(request):
    """Whether this request may use the cache: readers who see only published documents."""
    return not can_preview(request.user)


def fetch(request, kind, parts, build):
    """The value that build() makes for these parts, from the cache when it was made before at the
    archive's current stamp. parts must name everything the value depends on besides the archive's
    content (the query, the host, the date, ...). Not cacheable requests just get build()."""
    if not applies(request):
        return build()
    pages = caches[ALIAS]
    key = make_key(kind, request_stamp(request), parts)
    value = pages.get(key)
    if value is None:
        value = build()
        pages.set(key, value)
    return value


def make_key(kind, stamp, parts):
    described = repr((settings.RELEASE, _shown_settings(), stamp and stamp.isoformat(), parts))
    return f"{kind}:{hashlib.sha256(described.encode()).hexdigest()}"


def _shown_settings():
    return (
        settings.ARCHIVE_NAME,
        settings.ARCHIVE_DESCRIPTION,
        settings.ARCHIVE_CONTACT_EMAIL,
        sorted(settings.CITATION.items()),
    )


@receiver(setting_changed)
def _forget_local_pages(**kwargs):
    """Tests change settings (override_settings) and reuse one process's memory cache from test to
    test: a page made under other settings or another test's data must not be served. Redis is left
    alone (the stamp and settings in each key keep it right); settings never change in production."""
    if ALIAS in settings.CACHES and isinstance(caches[ALIAS], LocMemCache):
        caches[ALIAS].clear()
