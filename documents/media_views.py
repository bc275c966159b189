"""Scan files, served only to those who may see their document: the public sees published documents'
scans; staff also preview drafts'. See docs/media.md for serving them from nginx or Apache."""

import contextlib
import mimetypes
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .models import Document, Scan

# Published scans may be cached a while; a document unpublished later drops out once this runs out.
PUBLIC_MAX_AGE = 60 * 60


# Every field a scan's files are served from or described by (the IIIF image service reads the sizes).
SCAN_FIELDS = (
    "key",
    "image",
    "thumbnail",
    "reading",
    "width",
    "height",
    "thumbnail_width",
    "thumbnail_height",
    "reading_width",
    "reading_height",
)


def visible_scan(user, key):
    """The scan with this key, if user may see its document; else 404, as for the document's page.

    The one check for every way a scan's files are served: here and by the IIIF image service."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        raise Http404("No such scan.") from None
    scan = (
        Scan.objects.filter(key=key, document__in=Document.objects.visible_to(user))
        .select_related("document")
        .only(*SCAN_FIELDS, "document__status")
        .first()
    )
    if scan is None:
        raise Http404("No such scan.")
    return scan


def scan_file_response(scan, name):
    """One of a visible scan's files (as named in storage), cached publicly only if its document is
    published."""
    if not name or name not in scan.file_names:
        raise Http404("No such scan.")
    storage = scan.image.storage
    filename = PurePosixPath(name).name
    if settings.SCAN_ACCEL_REDIRECT:
        # nginx sends the file from an internal location: Django only decides who may have it.
        response = HttpResponse(content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = settings.SCAN_ACCEL_REDIRECT.rstrip("/") + "/" + name
    else:
        try:
            response = FileResponse(storage.open(name), filename=filename)
        except FileNotFoundError:
            raise Http404("The scan's file is missing.") from None
        with contextlib.suppress(NotImplementedError):  # storages that do not know file times
            response["Last-Modified"] = http_date(storage.get_modified_time(name).timestamp())
    return set_cache_headers(response, scan.document)


def set_cache_headers(response, document):
    """A published document's files may be cached a while by anyone; a draft's by no one, nor indexed."""
    if document.is_published:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def scan_file(request, name):
    """The original, thumbnail or reading-size image of a scan, named as in storage ("<key>/<file>")."""
    key, _, filename = name.partition("/")
    scan = visible_scan(request.user, key)
    return scan_file_response(scan, name if filename else "")
