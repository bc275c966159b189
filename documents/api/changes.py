"""``?updated_since=``: what changed since a time, in the order it changed, so a mirror can replay it.

A resource of its own (DocumentChangesView, with its own paginator) at the document list's address:
``/api/v1/documents/?updated_since=…`` (DocumentViewSet.list() hands it the request). It takes
``fields``, ``page_size``, ``cursor``, ``count`` and ``format``, and refuses the list's filters and
facets: the changes are every change, in time order.

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
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer

from ..filters import DocumentFilter
from ..models import Document, DocumentChange
from ..models.querysets import can_preview
from ..ops.stamps import request_stamp
from .conditional import ConditionalMixin
from .errors import InvalidParameters
from .pagination import CursorPagination, InvalidCursor
from .parameters import flag, selected_fields
from .renderers import CSVRenderer
from .serializers.read import DocumentListSerializer

UPDATED = "updated"
# What the changes refuse: the document list's filters and facets.
NOT_WITH_CHANGES = (*DocumentFilter.base_filters, "facets")


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


class Changes:
    """The changes since a time that a user may see, as rows (at, record ID, change) in time order:
    what ChangesPagination pages."""

    COLUMNS = ("at", "rid", "change")

    def __init__(self, user, since):
        self.user, self.since = user, since

    def union(self, cursor=None):
        live, tombstones = change_rows(self.user, self.since)
        if cursor is not None:
            live, tombstones = live.filter(after(cursor)), tombstones.filter(after(cursor))
        rows = live.order_by().values_list(*self.COLUMNS)
        return rows.union(tombstones.order_by().values_list(*self.COLUMNS), all=True)

    def page(self, size, cursor=None):
        """One page of changes: [(at, record_id, change)], and whether more follow."""
        rows = list(self.union(cursor).order_by("at", "rid", "change")[: size + 1])
        return rows[:size], len(rows) > size

    def count(self):
        """How many entries the changes hold: one query (a count of the union)."""
        return self.union().count()


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


def refuse_filters(request):
    """A 400 naming each of the list's filters (and facets) given: the changes take none."""
    mixed = [name for name in NOT_WITH_CHANGES if request.query_params.get(name)]
    if mixed:
        raise InvalidParameters(
            {name: ["Not with updated_since: the changes are every change, in time order."] for name in mixed},
            message=f"updated_since cannot be combined with {', '.join(mixed)}.",
            code="not_with_updated_since",
        )


class ChangesPagination(CursorPagination):
    """Pages of Changes by a keyset cursor on (time, record ID, change). With ``?count=true`` the
    first page counts the entries, and its cursor carries the count to the next pages."""

    order_tag = "changes"

    def paginate_queryset(self, changes, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        cursor = self.decode_cursor(request)
        after, total = decode_cursor(cursor) if cursor else (None, None)
        self.with_count = flag(request, "count")
        if self.with_count and total is None:
            total = changes.count()  # once, on the first page: the cursor carries it on
        rows, more = changes.page(self.page_size, after)
        self.count = total if self.with_count else None
        self.next_cursor = encode_cursor(rows[-1], self.count) if more else None
        return rows

    def get_paginated_response(self, data):
        return super().get_paginated_response(data, {"count": self.count} if self.with_count else {})


class DocumentChangesView(ConditionalMixin, GenericAPIView):
    """The changes since ``?updated_since=``: an ``updated`` entry is the document as in the list
    (``?fields=`` as there), with its change and time; the others are tombstones."""

    serializer_class = DocumentListSerializer
    pagination_class = ChangesPagination
    renderer_classes = [JSONRenderer, CSVRenderer]

    def get(self, request, *args, **kwargs):
        refuse_filters(request)
        since = parse_since(request.query_params["updated_since"])
        fields = selected_fields(request, self.get_serializer_class(), self.get_serializer_context())
        rows = self.paginate_queryset(Changes(request.user, since))
        live = [rid for _, rid, change in rows if change == UPDATED]
        documents = {
            document.record_id: document
            for document in Document.objects.visible_to(request.user).for_list().filter(record_id__in=live)
        }
        results = []
        for at, rid, change in rows:
            if change != UPDATED:
                results.append(tombstone(rid, change, at))
            elif rid in documents:  # unpublished since the page was read: its tombstone follows
                data = self.get_serializer(documents[rid], fields=fields).data
                results.append({**data, "record_id": rid, "deleted": False, "change": change, "changed_at": at})
        self.last_modified = request_stamp(request)
        return self.get_paginated_response(results)
