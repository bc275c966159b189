"""The reading list: documents a reader marks while browsing, kept in their own browser (reading-list.js,
localStorage; no account, nothing stored here). Its address holds the whole list,
/reading-list/?ids=121773,900001, so a list can be bookmarked or sent to a colleague; the page shows
it, and it downloads as one BibTeX, RIS or CSL-JSON file, or as a zip of the documents' PDFs.

A list names record IDs only: a document the reader may not see (withdrawn, deleted, never published)
is left out of every answer, and the page says how many were, without saying why."""

import io
import zipfile

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..citations.record import citation_record
from ..citations.views import FORMATS
from ..models import Document, Relation
from . import pdf
from .headers import draft_headers
from .views import document_pdf_bytes, pdf_file_name

# A list longer than this is refused: a reading list, not an export (the API exports the archive).
MAX_DOCUMENTS = 200
# PDFs are made on request (half a second each, then cached): a zip holds at most this many, so that
# one request stays well inside an app server's timeout. The page offers a longer list's PDFs in parts.
PDFS_PER_ZIP = 25


class BadList(ValueError):
    pass


def record_ids(request):
    """The list's record IDs, in the reader's order, each once. BadList says what is wrong."""
    raw = request.GET.get("ids", "")
    ids = []
    for part in raw.split(",") if raw.strip() else ():
        part = part.strip()
        if not part:
            raise BadList("The list has two commas with nothing between them, or a comma at its start or end.")
        if not (part.isascii() and part.isdigit() and len(part) <= 10):
            raise BadList(f"“{part[:40]}” is not a record ID: a reading list is record IDs separated by commas.")
        ids.append(int(part))
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_DOCUMENTS:
        raise BadList(f"A reading list holds at most {MAX_DOCUMENTS} documents; this one names {len(ids)}.")
    return ids


def _in_order(queryset, ids):
    by_id = {document.record_id: document for document in queryset.filter(record_id__in=ids)}
    return [by_id[record_id] for record_id in ids if record_id in by_id]


def _refuse(request, error):
    return render(request, "documents/reading_list.html", {"error": str(error)}, status=400)


def _private_if_drafts(response, documents):
    if any(not document.is_published for document in documents):
        draft_headers(response)
    return response


@require_safe
def reading_list(request):
    try:
        ids = record_ids(request)
    except BadList as error:
        return _refuse(request, error)
    documents = _in_order(Document.objects.visible_to(request.user).for_list(), ids)
    query = ",".join(str(document.record_id) for document in documents)
    context = {
        "documents": documents,
        "ids": query,
        "missing": len(ids) - len(documents),
        "downloads": [(reverse(f"documents:reading_list_{name}"), label) for name, label in DOWNLOADS],
        "pdf_parts": [] if pdf.UNAVAILABLE else _pdf_parts(documents),
    }
    return _private_if_drafts(render(request, "documents/reading_list.html", context), documents)


def _pdf_parts(documents):
    """(first, last, ids) of each zip the list's PDFs come in."""
    parts = []
    for start in range(0, len(documents), PDFS_PER_ZIP):
        part = documents[start : start + PDFS_PER_ZIP]
        parts.append((start + 1, start + len(part), ",".join(str(document.record_id) for document in part)))
    return parts


DOWNLOADS = (("bibtex", "BibTeX"), ("ris", "RIS"), ("csl", "CSL-JSON"))


@require_safe
def reading_list_citations(request, format):
    try:
        ids = record_ids(request)
    except BadList as error:
        return _refuse(request, error)
    documents = _in_order(Document.objects.visible_to(request.user).for_detail(), ids)
    if not documents:
        return _refuse(request, "None of the documents on this reading list can be shown: there is nothing to cite.")
    build, content_type, extension = FORMATS[format]
    response = HttpResponse(build(_citation_records(request, documents)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="reading-list.{extension}"'
    return _private_if_drafts(response, documents)


def _citation_records(request, documents):
    # The crosswalk's relations are published documents only (as on the page), read in one query for all.
    related = Relation.objects.related_to(documents)
    base_url = request.build_absolute_uri("/")
    return [
        citation_record(document, base_url, related=list(dict.fromkeys(item.document for item in related[document.pk])))
        for document in documents
    ]


@require_safe
def reading_list_pdfs(request):
    """A zip of the list's PDFs, with the list's citations in each format beside them."""
    try:
        ids = record_ids(request)
    except BadList as error:
        return _refuse(request, error)
    if pdf.UNAVAILABLE:
        return HttpResponse(pdf.UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
    if len(ids) > PDFS_PER_ZIP:
        return _refuse(request, f"A zip holds at most {PDFS_PER_ZIP} PDFs: the reading list offers the rest in parts.")
    documents = _in_order(Document.objects.visible_to(request.user).for_detail(), ids)
    if not documents:
        return _refuse(request, "None of the documents on this reading list can be shown: there is no PDF to make.")
    buffer = io.BytesIO()
    # PDFs are compressed already: stored as they are, the zip is made at the speed of copying.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for document in documents:
            try:
                archive.writestr(pdf_file_name(document), document_pdf_bytes(request, document))
            except pdf.TooLarge as refusal:  # its citation is still in the zip; say why its PDF is not
                archive.writestr(pdf_file_name(document).removesuffix(".pdf") + ".txt", str(refusal))
        records = _citation_records(request, documents)
        for build, _, extension in FORMATS.values():
            archive.writestr(f"reading-list.{extension}", build(records))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="reading-list.zip"'
    response["X-Robots-Tag"] = "noindex"
    return _private_if_drafts(response, documents)
