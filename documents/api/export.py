"""``/api/v1/documents/export.jsonl``: every document the client may see, one JSON object a line,
in the detail shape of ``/api/v1/documents/<record_id>/``, in record ID order.

Streamed: documents are read CHUNK at a time by keyset (record ID after the last one sent), each
chunk in a fixed number of queries (the detail's prefetches, and one for all its related
documents), so memory stays flat and the queries grow with the chunks, not the documents."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from django.http import StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from ..models import Collection, Document, Donor, Person
from ..models.querysets import can_preview
from ..ops.stamps import request_stamp
from ..web.headers import reader_headers
from .conditional import PUBLIC_MAX_AGE
from .parameters import selected_fields
from .serializers.read import DocumentDetailSerializer
from .views import related_of

CHUNK = 500
CONTENT_TYPE = "application/jsonl; charset=utf-8"


def export_lines(documents, user, context, fields=None, chunk_size=CHUNK):
    """Yield the documents as JSON Lines, chunk by chunk."""
    # One serializer for the whole export: its fields (and its nested serializers' fields) are
    # built once, not for every document.
    serializer = DocumentDetailSerializer(context=context, fields=fields)
    last = 0
    while True:
        # .iterator() would not help: prefetch_related needs the chunk's rows at once anyway.
        chunk = list(documents.for_detail().filter(record_id__gt=last).order_by("record_id")[:chunk_size])
        if not chunk:
            return
        last = chunk[-1].record_id
        related_of(chunk, user)
        for document in chunk:
            data = serializer.to_representation(document)
            yield json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")) + "\n"
        del chunk, document  # before the next chunk is read: one chunk in memory at a time


def export_stamp(request):
    """The newest change to anything the export holds: documents, tombstones, and the people,
    donors and collections that documents name (a rename changes every line that names them)."""
    stamps = [request_stamp(request)]
    stamps += [model.objects.aggregate(m=Max("modified_at"))["m"] for model in (Person, Donor, Collection)]
    return max((stamp for stamp in stamps if stamp is not None), default=None)


class DocumentExportView(APIView):
    """All documents the client may see, as JSON Lines (``?fields=`` as for a document)."""

    renderer_classes = [JSONRenderer]  # for errors; the export itself is streamed as JSON Lines

    def get(self, request):
        fields = selected_fields(request, DocumentDetailSerializer)
        documents = Document.objects.visible_to(request.user)
        stamp = export_stamp(request)
        # The export is too large to hash: its validators come from the newest change and the count.
        count = documents.count()
        key = f"{stamp.isoformat() if stamp else ''}|{count}|{','.join(fields or [])}|{can_preview(request.user)}"
        etag = f'W/"export-{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        timestamp = int(stamp.timestamp()) if stamp else None
        context = {"request": request}
        lines = export_lines(documents, request.user, context, fields, chunk_size=CHUNK)
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
        response["ETag"] = etag
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        response["Content-Disposition"] = 'inline; filename="documents.jsonl"'
        patch_vary_headers(response, ["Accept"])
        reader_headers(response, not can_preview(request.user), PUBLIC_MAX_AGE)
        return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
