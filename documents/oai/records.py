"""The records a harvester sees, as one stream ordered by (datestamp, record id).

A record is live while its document is published (datestamp: ``modified_at``), and deleted when
its document is not published but was once public: its datestamp is then its latest public
tombstone's (models/changes.py). A draft that was never published has no record at all.

Pages are read by keyset, never OFFSET: the live and the deleted part are each one indexed query
of at most ``size + 1`` rows after the position, merged here; memory and time per page do not grow
with the archive."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q

from ..models import Collection, Document, DocumentChange
from . import sets


@dataclass
class Record:
    """One item: a published document, or the tombstone of one that is no longer public."""

    record_id: int
    datestamp: datetime
    document: Document | None = None
    tombstone: DocumentChange | None = None

    @property
    def deleted(self):
        return self.document is None

    @property
    def set_specs(self):
        if self.document is not None:
            return sets.document_specs(self.document)
        return self.tombstone.sets.split()


def headers(documents):
    """Only what a header shows: record id, datestamp and sets."""
    return (
        documents.only("record_id", "modified_at", "doc_type__slug")
        .select_related("doc_type")
        .prefetch_related(Prefetch("collections", queryset=Collection.objects.only("slug", "name")))
    )


def live_documents(bundle):
    """Published documents, with what ``bundle`` (headers, or a format's) loads for each."""
    return bundle(Document.objects.published())


def deleted_tombstones():
    """The latest public tombstone of each record id whose document is not published now."""
    public = DocumentChange.objects.visible_to_public()
    published = Document.objects.published().filter(record_id=OuterRef("record_id"))
    newer = public.filter(record_id=OuterRef("record_id")).filter(
        Q(changed_at__gt=OuterRef("changed_at")) | Q(changed_at=OuterRef("changed_at"), pk__gt=OuterRef("pk"))
    )
    return public.filter(~Exists(published), ~Exists(newer))


def _window(rows, at, spec, lower, upper, after, set_filter):
    if lower is not None:
        rows = rows.filter(**{f"{at}__gte": lower})
    if upper is not None:
        rows = rows.filter(**{f"{at}__lte": upper})
    if spec:
        rows = rows.filter(set_filter(spec))
    if after is not None:
        moment, record_id = after
        # The redundant >= lets the database start an index range scan at the position.
        rows = rows.filter(**{f"{at}__gte": moment}).filter(
            Q(**{f"{at}__gt": moment}) | Q(**{at: moment, "record_id__gt": record_id})
        )
    return rows.order_by(at, "record_id")


def page(size, spec=None, lower=None, upper=None, after=None, bundle=headers):
    """Up to ``size`` Records after the position ``after`` (datestamp, record id), and whether more follow."""
    live = _window(live_documents(bundle), "modified_at", spec, lower, upper, after, sets.document_filter)
    gone = _window(deleted_tombstones(), "changed_at", spec, lower, upper, after, sets.tombstone_filter)
    records = [Record(d.record_id, d.modified_at, document=d) for d in live[: size + 1]]
    records += [Record(t.record_id, t.changed_at, tombstone=t) for t in gone[: size + 1]]
    records.sort(key=lambda record: (record.datestamp, record.record_id))
    return records[:size], len(records) > size


def get(record_id, bundle=headers):
    """The Record with this record id, or None if there is none (never published, or unknown)."""
    document = live_documents(bundle).filter(record_id=record_id).first()
    if document is not None:
        return Record(record_id, document.modified_at, document=document)
    tombstone = deleted_tombstones().filter(record_id=record_id).first()
    if tombstone is not None:
        return Record(record_id, tombstone.changed_at, tombstone=tombstone)
    return None


def earliest_datestamp():
    """A lower bound of every datestamp (the protocol asks for a guaranteed lower limit), or None."""
    times = [
        Document.objects.published().order_by("modified_at").values_list("modified_at", flat=True).first(),
        DocumentChange.objects.visible_to_public().order_by("changed_at").values_list("changed_at", flat=True).first(),
    ]
    times = [moment for moment in times if moment is not None]
    return min(times) if times else None
