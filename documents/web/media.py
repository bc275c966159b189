"""Uploaded files, served only to those who may see what they belong to: the public sees published
documents' scans and PDFs and the logos and images of donors and collections it may see; staff also
those of drafts. Every file is served as the format its content was found to be (documents/files/uploads.py),
never as its name suggests, and may not run script. See docs/media.md for serving them from nginx."""

import contextlib
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from ..files.uploads import FORMATS, format_of
from ..models import Collection, Document, Donor, Scan
from ..models.querysets import can_preview
from .headers import reader_headers

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


# A stored file is never a page: it may load nothing but itself, runs no script, and is its own origin.
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def file_response(storage, name, accel_redirect="", served_as=None):
    """The one way a stored file is answered: with the Content-Type of the format found in its
    content (an old file's name may be its uploader's), never sniffed, unable to run script, and
    shown inline only if it is an image a browser shows (PDF and TIFF are downloads).

    With accel_redirect, nginx sends the file from that internal location: Django only decides who
    may have it and what it is (docs/media.md sets the same headers in nginx). served_as, for a file
    the archive made itself (a scan's JPEG derivatives), spares reading the file to find its format."""
    try:
        file = storage.open(name)
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    served_as = served_as or format_of(file)
    if accel_redirect:
        file.close()
        response = HttpResponse(content_type=served_as.content_type)
        response["X-Accel-Redirect"] = accel_redirect.rstrip("/") + "/" + name
    else:
        response = FileResponse(file, content_type=served_as.content_type)
        with contextlib.suppress(NotImplementedError):  # storages that do not know file times
            response["Last-Modified"] = http_date(storage.get_modified_time(name).timestamp())
    response["Content-Disposition"] = content_disposition_header(not served_as.inline, PurePosixPath(name).name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response


def scan_file_response(scan, name):
    """One of a visible scan's files (as named in storage), cached publicly only if its document is
    published."""
    if not name or name not in scan.file_names:
        raise Http404("No such scan.")
    # The thumbnail and reading image are JPEGs the archive made: only the original's format is read.
    made_here = FORMATS["JPEG"] if name != scan.image.name else None
    response = file_response(scan.image.storage, name, settings.SCAN_ACCEL_REDIRECT, made_here)
    return set_cache_headers(response, scan.document)


def set_cache_headers(response, document):
    """A published document's files may be cached a while by anyone; a draft's by no one, nor indexed."""
    return cache_headers(response, document.is_published)


def cache_headers(response, public):
    """A public file may be cached a while by anyone; any other by no one, nor indexed."""
    return reader_headers(response, public, PUBLIC_MAX_AGE)


@require_safe
def scan_file(request, name):
    """The original, thumbnail or reading-size image of a scan, named as in storage ("<key>/<file>")."""
    key, _, filename = name.partition("/")
    scan = visible_scan(request.user, key)
    return scan_file_response(scan, name if filename else "")


def _public_file_owner(user, name):
    """Whether the media file of this name belongs to something user may see, and whether it is
    public: a document's PDF follows the document; a logo or collection image, its donor or
    collection (public once a published document names it)."""
    documents = Document.objects.filter(original_pdf=name)
    if documents.exists():
        if documents.published().exists():
            return True, True
        return can_preview(user), False
    for owners in (Donor.objects.filter(logo=name), Collection.objects.filter(image=name)):
        if owners.exists():
            if owners.public().exists():
                return True, True
            return can_preview(user), False
    return False, False


@require_safe
def media_file(request, name):
    """A PDF of an original, a donor's logo or a collection's image, named as in storage; a file no
    record names (an old version's, or none at all) is not served."""
    visible, public = _public_file_owner(request.user, name)
    if not visible:
        raise Http404("No such file.")
    response = file_response(default_storage, name, settings.MEDIA_ACCEL_REDIRECT)
    return cache_headers(response, public)
