"""Every API error has one shape, whatever raised it:

    {"error": {"status": 404, "code": "not_found", "message": "…", "fields": {…}}}

``fields`` maps a query parameter (or body field) to its messages; it is empty when no single
parameter is at fault. A body whose only fault is that it duplicates a record (a slug, a record ID,
a relation: validators with the code "unique") is a 409 Conflict, not a 400: the request is well
formed, the archive already holds it."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from ..models import Document, DocumentChange
from ..ops.write_conflicts import MESSAGE, write_conflict


class InvalidParameters(exceptions.ValidationError):
    """A 400 with a message of its own and the messages per parameter."""

    def __init__(self, fields, message="Some parameters are not valid.", code="invalid_parameters"):
        super().__init__(fields, code=code)
        self.message, self.code = message, code


class Gone(exceptions.APIException):
    """A 410: the document with this record ID was deleted; the ID is never given to another."""

    status_code = 410
    default_code = "gone"
    default_detail = "The document with this record ID was deleted. Its record ID is never given to another document."


class Conflict(exceptions.APIException):
    """A 409: the write collided with another saved at the same moment (documents/ops/write_conflicts.py)."""

    status_code = 409
    default_code = "conflict"
    default_detail = MESSAGE


class Moved(exceptions.APIException):
    """A 301 to ``location``: the record this address named lives at another now (an old slug).
    Raised where the record is looked up (get_object), answered by exception_handler."""

    status_code = 301
    default_code = "moved"

    def __init__(self, location):
        super().__init__(f"Moved to {location}.")
        self.location = location


class StillNamed(exceptions.APIException):
    """A 409: a record that others still name (a person in a document) is not deleted."""

    status_code = 409
    default_code = "still_named"


class Duplicate(exceptions.APIException):
    """A 409: the write would make a second record of one that exists (a person of the same name);
    ``fields`` names the field, and under ``existing`` the address of the record in the API."""

    status_code = 409
    default_code = "duplicate"

    def __init__(self, message, fields):
        super().__init__(message)
        self.fields = fields


def still_named(record, protected):
    """A 409 that says which documents still name the record (through a person's links, or a donor's
    or collection's documents themselves), or how many records do; ``fields`` lists the record IDs."""
    documents = {getattr(named, "document", named) for named in protected}
    record_ids = sorted({document.record_id for document in documents if isinstance(document, Document)})
    if not record_ids:
        return StillNamed(f"Not deleted: {record} is still named by {len(protected)} other record(s).")
    shown = ", ".join(map(str, record_ids[:20])) + (f" and {len(record_ids) - 20} more" if len(record_ids) > 20 else "")
    message = ngettext(
        "Not deleted: %(record)s is named in %(count)d document (record ID %(shown)s). "
        "Remove %(record)s from it first; nothing was deleted.",
        "Not deleted: %(record)s is named in %(count)d documents (record ID %(shown)s). "
        "Remove %(record)s from them first; nothing was deleted.",
        len(record_ids),
    )
    error = StillNamed(message % {"record": record, "count": len(record_ids), "shown": shown})
    error.fields = {"documents": [str(record_id) for record_id in record_ids]}
    return error


def raise_missing_document(record_id, user):
    """No document has this record ID: a 410 if it had one that was deleted, else a 404."""
    if DocumentChange.objects.gone(record_id, user):
        raise Gone()
    raise Http404("No document with this record ID.")


SEARCH_DOWN = "Search is unavailable at the moment: documents can still be read by record ID. Try again later."


def error_body(status, code, message, fields=None):
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


def _flat(detail):
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value):
    if isinstance(value, dict):
        return [f"{name}: {message}" for name, messages in value.items() for message in _messages(messages)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def exception_handler(exc, context):
    if isinstance(exc, Moved):
        return HttpResponsePermanentRedirect(exc.location)
    if write_conflict(exc):
        exc = Conflict()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    if isinstance(exc, exceptions.ValidationError):
        if set(_codes(exc.get_codes())) == {"unique"}:
            response.status_code = 409
        fields = _flat(exc.detail)
        code = getattr(exc, "code", None) or _first_code(exc.get_codes()) or "invalid"
        message = getattr(exc, "message", None) or " ".join(
            f"{name}: {' '.join(messages)}" if name != "non_field_errors" else " ".join(messages)
            for name, messages in fields.items()
        )
        response.data = error_body(response.status_code, code, message, fields)
    else:
        detail = getattr(exc, "detail", "")
        code = _first_code(exc.get_codes()) if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(response.status_code, code or "error", str(detail), getattr(exc, "fields", None))
    return response


def _codes(codes):
    """Every code of a ValidationError's get_codes(), however nested."""
    if isinstance(codes, str):
        return [codes]
    return [code for item in (codes.values() if isinstance(codes, dict) else codes) for code in _codes(item)]


def _first_code(codes):
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        codes = list(codes.values())
    for item in codes or []:
        found = _first_code(item)
        if found:
            return found
    return None


class NotFoundView(APIView):
    """Any other address under /api/: a JSON 404, not the site's HTML page."""

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound("There is nothing at this address. See /api/v1/ for what there is.")

    post = put = patch = delete = head = get
