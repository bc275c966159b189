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


@require_safe
def scan_file(request, name):
    """The original, thumbnail or reading-size image of a scan, named as in storage ("<key>/<file>")."""
    key, _, filename = name.partition("/")
    try:
        key = uuid.UUID(key)
    except ValueError:
        raise Http404("No such scan.") from None
    scan = (
        Scan.objects.filter(key=key, document__in=Document.objects.visible_to(request.user))
        .select_related("document")
        .only("image", "thumbnail", "reading", "document__status")
        .first()
    )
    if scan is None or not filename or name not in scan.file_names:
        raise Http404("No such scan.")
    storage = scan.image.storage
    if settings.SCAN_ACCEL_REDIRECT:
        # nginx sends the file from an internal location: Django only decides who may have it.
        response = HttpResponse(content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = settings.SCAN_ACCEL_REDIRECT.rstrip("/") + "/" + name
    else:
        try:
            response = FileResponse(storage.open(name), filename=PurePosixPath(filename).name)
        except FileNotFoundError:
            raise Http404("The scan's file is missing.") from None
        with contextlib.suppress(NotImplementedError):  # storages that do not know file times
            response["Last-Modified"] = http_date(storage.get_modified_time(name).timestamp())
    if scan.document.is_published:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response
