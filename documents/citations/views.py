"""Citation downloads: BibTeX, RIS and CSL-JSON for one document (documents/citations/formats.py).

A draft's citations answer 404 to anonymous readers, as its page does; staff may preview them."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ..history import public
from ..models import Document
from ..web.headers import draft_headers
from .formats import bibtex_file, csl_json_file, ris_file
from .record import citation_record

# Format name → (builder of a file of citation records, content type, file extension).
FORMATS = {
    "bibtex": (bibtex_file, "application/x-bibtex; charset=utf-8", "bib"),
    "ris": (ris_file, "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": (csl_json_file, "application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


@require_safe
def citation(request, record_id, format, number=None):
    """The citation of the document, or of its public version ``number`` as it was."""
    build, content_type, extension = FORMATS[format]
    document = get_object_or_404(Document.objects.visible_to(request.user).for_detail(), record_id=record_id)
    if number is None:
        record = citation_record(document, request.build_absolute_uri("/"))
    else:
        cited = public.version_of(document, number, request.user)
        if cited is None:
            raise Http404("This document has no public version with this number.")
        related = [item.document for item in cited.related if item.document.is_published]
        record = citation_record(cited.document, request.build_absolute_uri("/"), related=related, version=cited.info)
    response = HttpResponse(build([record]), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{record.key}.{extension}"'
    if not document.is_published:
        draft_headers(response)
    return response
