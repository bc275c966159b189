"""The API's entity tags (RFC 9110, 8.8.3), and what a write's If-Match may name (13.1.1).

A read's ETag is strong and made from what it shows: a digest of its data and format, so any change
in it (a renamed author included) changes the tag. A versioned record's tag also names the version
it shows and is signed for that record: ``"<version>-<digest>-<signature>"``. So a write's If-Match
can name the version its edit started from, and the server can tell a tag it issued from one a
client made up:

- ``*`` matches the record as it is now: the write applies to the current version, nothing to merge;
- a tag this server issued for this record names its version: the current one, or an earlier one
  whose edit is merged with the saves since (documents/locking.py);
- a weak tag (``W/"…"``) never matches (If-Match compares strongly), nor does a made-up tag, nor a
  tag of another record: 412, nothing changed. No If-Match at all: 428.

The signature is keyed with SECRET_KEY: after the key changes, clients read again for a new tag."""

import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "documents.api.etags"  # the name of this module once: kept, so the ETags issued before stay valid
ANY = "*"
# One entity tag of a list (RFC 9110: [ "W/" ] DQUOTE *etagc DQUOTE), and the comma after it.
ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


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
