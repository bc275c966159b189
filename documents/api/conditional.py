"""Conditional requests (RFC 9110, 13): the validators every read sends, and the If-Match every
change must send.

Reads (ConditionalMixin): an ETag and Last-Modified on every successful read, a 304 when the
client's copy is current, and Cache-Control (public for a minute for anonymous clients, private
for staff).

Entity tags (8.8.3): a read's ETag is strong and made from what it shows: a digest of its data
and format, so any change in it (a renamed author included) changes the tag. A versioned record's
tag also names the version it shows and is signed for that record:
``"<version>-<digest>-<signature>"``. So a write's If-Match (13.1.1) can name the version its edit
started from, and the server can tell a tag it issued from one a client made up:

- ``*`` matches the record as it is now: the write applies to the current version, nothing to merge;
- a tag this server issued for this record names its version: the current one, or an earlier one
  whose edit is merged with the saves since (documents/history/locking.py);
- a weak tag (``W/"…"``) never matches (If-Match compares strongly), nor does a made-up tag, nor a
  tag of another record: 412, nothing changed. No If-Match at all: 428.

The signature is keyed with SECRET_KEY: after the key changes, clients read again for a new tag."""

import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import http_date
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..models.querysets import can_preview
from ..web.headers import reader_headers

SALT = "documents.api.etags"  # the name of this module once: kept, so the ETags issued before stay valid
ANY = "*"
# One entity tag of a list (RFC 9110: [ "W/" ] DQUOTE *etagc DQUOTE), and the comma after it.
ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
# Anonymous responses may be kept this long by caches; after it, they revalidate (ETag, 304).
PUBLIC_MAX_AGE = 60


def entity_tag(data, fmt, record=None):
    """The strong ETag of a representation: its data in this format (and, for a versioned record,
    the version it shows, signed for the record)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)
    digest = hashlib.sha256(f"{fmt}\n{text}".encode()).hexdigest()[:32]
    if record is None:
        return f'"{digest}"'
    opaque = f"{record.version}-{digest}"
    return f'"{opaque}-{_signature(record, opaque)}"'


def _signature(record, opaque):
    return salted_hmac(SALT, f"{record._meta.label}:{record.pk}:{opaque}", algorithm="sha256").hexdigest()[:20]


def if_match(header):
    """ANY for ``If-Match: *``, else the list of (weak?, opaque tag) it holds; None without one
    (or with one that is no list of entity tags)."""
    header = (header or "").strip()
    if header == ANY:
        return ANY
    tags, position = [], 0
    while position < len(header):
        match = ENTITY_TAG.match(header, position)
        if match is None:
            return None
        tags.append((bool(match[1]), match[2]))
        position = match.end()
    return tags or None


def issued_version(record, opaque):
    """The version of record that the tag (its opaque part) was issued for, or None if this server
    issued no such tag for this record."""
    version, _, rest = opaque.partition("-")
    digest, _, signature = rest.partition("-")
    if not (version.isdigit() and digest and signature):
        return None
    if not constant_time_compare(signature, _signature(record, f"{version}-{digest}")):
        return None
    return int(version)


# -- a write's If-Match ------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = (
        "Send If-Match with the ETag of your last read of this record (GET it first): "
        "a write must say which version it changes."
    )


class PreconditionFailed(exceptions.APIException):
    """A 412: the record changed since the client read it; ``fields`` names what both changed."""

    status_code = 412
    default_code = "precondition_failed"

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.fields = fields or {}


def if_match_tags(request):
    """ANY, or the [(weak?, tag)] of If-Match; a 428 without one."""
    tags = if_match(request.headers.get("If-Match"))
    if tags is None:
        raise PreconditionRequired()
    return tags


def no_match(record, tags):
    """A 412 for an If-Match that names no version of record."""
    why = (
        "a weak ETag (W/…) never matches, as If-Match compares strongly"
        if all(weak for weak, _ in tags)
        else "it holds no ETag this server gave for this record"
    )
    return PreconditionFailed(
        f"Not saved: If-Match does not match this {record._meta.verbose_name}: {why}. "
        "Read it again, then send your change with its ETag exactly as it came."
    )


def if_match_version(request, record):
    """The version of record that If-Match names: the current one for ``*``, else the latest one
    of the tags this server issued for it (an earlier one: an edit to merge); a 412 if none."""
    tags = if_match_tags(request)
    if tags == ANY:
        return record.version
    versions = {issued_version(record, tag) for weak, tag in tags if not weak}
    versions = {version for version in versions if version is not None and version <= record.version}
    if not versions:
        raise no_match(record, tags)
    return max(versions)


# -- a read's validators -----------------------------------------------------------------------------


class ConditionalMixin:
    """Validators on every successful read, errors in JSON whatever the format asked for."""

    last_modified = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors are JSON whatever format was asked for.
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        if request.method in ("GET", "HEAD") and isinstance(response, Response) and response.status_code == 200:
            return self.conditional(request, response)
        return response

    # The versioned record a read shows: its ETag names (and signs) its version, for If-Match.
    versioned = None

    def etag_of(self, request, data):
        """The ETag of a representation: its data and format (the same for a GET and a write's answer)."""
        renderer = getattr(request, "accepted_renderer", None)
        return entity_tag(data, renderer.format if renderer else "", self.versioned)

    def answer_with(self, view_class, request):
        """The answer of another view at this address (view_class: an APIView with a get()), to a
        request this view has authenticated, throttled and negotiated: this view sends it, with the
        validators the other view set."""
        view = view_class(request=request, args=self.args, kwargs=self.kwargs, format_kwarg=self.format_kwarg)
        response = view.get(request, *self.args, **self.kwargs)
        self.last_modified, self.versioned = view.last_modified, view.versioned
        return response

    def conditional(self, request, response):
        """ETag from the representation itself (its data and format: nested records included, so
        a renamed person changes it too), Last-Modified from the records' times; 304 when the
        client's copy is current. The response is built first: a 304 saves sending it."""
        etag = self.etag_of(request, response.data)
        response["ETag"] = etag
        timestamp = int(self.last_modified.timestamp()) if self.last_modified else None
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        patch_vary_headers(response, ["Accept"])
        reader_headers(response, not can_preview(request.user), PUBLIC_MAX_AGE)
        return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
