"""``?updated_since=``: what changed since a time, in the order it changed, so a mirror can replay it.

Two sources, merged in SQL (UNION ALL) and paged by a keyset cursor on (time, record ID, change):

- documents the client may see whose ``modified_at`` is at or after the time (edits, publications:
  every write sets it), given as in the list with ``"change": "updated"``;
- tombstones from models/changes.py: ``{"record_id": …, "deleted": true, "change": "unpublished" or
  "deleted", "changed_at": …}``. Anonymous clients see those of records that were once public (a
  draft that was deleted unpublished was never theirs to know); staff, who see drafts, see
  deletions only (an unpublished document is still theirs to read).

The time is inclusive: pass the ``changed_at`` of the last entry applied; entries at that very
instant come again, which a mirror that applies them by record ID takes in its stride.

``?count=true`` counts the entries once, on the first page (one query), and the cursor carries
that count to the next pages, which repeat it: a walk through the changes costs one count, not one
a page. It is the count when the walk began; changes made meanwhile come on later pages beyond it."""

import datetime

from django.db.models import CharField, F, Q, Value
from django.utils import dateparse, timezone

from ..models import Document, DocumentChange
from ..models.querysets import can_preview
from .errors import InvalidParameters
from .pagination import InvalidCursor

UPDATED = "updated"


def parse_since(text):
    """An ISO 8601 time (a date alone means its midnight UTC; no offset means UTC)."""
    try:
        moment = dateparse.parse_datetime(text)
        if moment is None:
            day = dateparse.parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidParameters(
            {"updated_since": ["An ISO 8601 time, e.g. 2024-05-01T12:00:00Z or 2024-05-01."]},
            message="updated_since is not a time.",
        )
    return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment


def change_rows(user, since):
    """The union of live documents and tombstones since the time, as rows (at, rid, change)."""
    live = (
        Document.objects.visible_to(user)
        .filter(modified_at__gte=since)
        .annotate(at=F("modified_at"), rid=F("record_id"), change=Value(UPDATED, output_field=CharField()))
    )
    tombstones = DocumentChange.objects.filter(changed_at__gte=since)
    if can_preview(user):
        tombstones = tombstones.filter(kind=DocumentChange.Kind.DELETED)
    else:
        tombstones = tombstones.visible_to_public()
    tombstones = tombstones.annotate(at=F("changed_at"), rid=F("record_id"), change=F("kind"))
    return live, tombstones


def after(cursor):
    at, rid, change = cursor
    return Q(at__gt=at) | Q(at=at, rid__gt=rid) | Q(at=at, rid=rid, change__gt=change)


def page(user, since, size, cursor=None):
    """One page of changes: [(at, record_id, change)], and whether more follow."""
    live, tombstones = change_rows(user, since)
    if cursor is not None:
        live, tombstones = live.filter(after(cursor)), tombstones.filter(after(cursor))
    columns = ("at", "rid", "change")
    rows = list(
        live.order_by()
        .values_list(*columns)
        .union(tombstones.order_by().values_list(*columns), all=True)
        .order_by("at", "rid", "change")[: size + 1]
    )
    return rows[:size], len(rows) > size


def count(user, since):
    """How many entries the changes since the time hold: one query (a count of the union)."""
    live, tombstones = change_rows(user, since)
    columns = ("at", "rid", "change")
    return live.order_by().values_list(*columns).union(tombstones.order_by().values_list(*columns), all=True).count()


def encode_cursor(row, total=None):
    """The cursor after row; with the count of the first page (?count=true), which the next pages
    repeat rather than count again."""
    at, rid, change = row
    return {"c": [at.isoformat(), rid, change], **({"n": total} if total is not None else {})}


def decode_cursor(cursor):
    """(at, record ID, change) of the last entry sent, and the count it carries (or None)."""
    try:
        at, rid, change = cursor["c"]
        at = dateparse.parse_datetime(at)
        if at is None or not isinstance(rid, int) or change not in (UPDATED, *DocumentChange.Kind.values):
            raise ValueError
        total = cursor.get("n")
        if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise InvalidCursor() from None
    return (at, rid, change), total


def tombstone(record_id, change, at):
    return {"record_id": record_id, "deleted": True, "change": change, "changed_at": at}
