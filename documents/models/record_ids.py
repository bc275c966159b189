"""Record IDs: issued once, never again, whatever happens to their documents.

The highest record ID ever issued (deleted documents' included) lives outside the document table,
so deleting the newest document does not hand its number to the next one. On PostgreSQL it is a
SEQUENCE: ``nextval`` never blocks and never repeats, however many writers there are, and it is not
rolled back with a failed save (a gap, never a duplicate). SQLite has no sequences; a one-row
counter updated inside the save's transaction is as safe there, because SQLite runs one writer at a
time. Migration 0019 creates either and starts it above every record ID in documents and tombstones.

PLACEHOLDERS is a block of record IDs for records whose real number is unknown (the demo archive's
neighbours of the seed record, documents/demo/archive.json): giving one never moves the counter,
and the counter steps over the block, so a placeholder neither sets the next automatic ID nor is
ever handed out again.
"""

from django.apps import apps
from django.db import connections

SEQUENCE = "documents_record_id_seq"  # PostgreSQL
COUNTER = "documents_record_id_counter"  # SQLite: one row, id 1
# Serializes moving the PostgreSQL sequence forward (two explicit IDs at once must not lower it).
ADVANCE_LOCK = 0x5265_6349  # "RecI"
# Beyond the source archives' numbers (the Wilson Center's run to the low 300,000s).
PLACEHOLDERS = range(900_000, 1_000_000)


def next_record_id(using="default"):
    """A record ID that was never issued before."""
    with connections[using].cursor() as cursor:
        if connections[using].vendor != "postgresql":
            cursor.execute(
                f"UPDATE {COUNTER} SET last = CASE WHEN last + 1 BETWEEN %s AND %s THEN %s ELSE last + 1 END "
                "WHERE id = 1 RETURNING last",
                [PLACEHOLDERS.start, PLACEHOLDERS.stop - 1, PLACEHOLDERS.stop],
            )
            return cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        record_id = cursor.fetchone()[0]
        if record_id not in PLACEHOLDERS:
            return record_id
        _advance(PLACEHOLDERS.stop - 1, using)  # once, by whichever writer reaches the block first
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        return cursor.fetchone()[0]


def advance_past(record_id, using="default"):
    """Never issue record_id or anything below it again (an explicit ID, a restored archive); a
    placeholder ID moves nothing."""
    if record_id not in PLACEHOLDERS:
        _advance(record_id, using)


def _advance(record_id, using):
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"UPDATE {COUNTER} SET last = MAX(last, %s) WHERE id = 1", [record_id])
            return
        cursor.execute(f"SELECT last_value FROM {SEQUENCE}")
        if cursor.fetchone()[0] >= record_id:
            return  # the usual case: an ID below the sequence, e.g. an import updating documents
        # setval is not transactional: the lock is held just around the read and the write, never
        # to the end of the save's transaction, so it cannot take part in a deadlock.
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVANCE_LOCK])
        try:
            cursor.execute(
                f"SELECT setval(%s, %s) FROM {SEQUENCE} WHERE last_value < %s", [SEQUENCE, record_id, record_id]
            )
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVANCE_LOCK])


def advance_past_stored(using="default"):
    """Never issue a record ID that a document or a tombstone holds (after a restore)."""
    Document, DocumentChange = apps.get_model("documents", "Document"), apps.get_model("documents", "DocumentChange")
    placeholders = (PLACEHOLDERS.start, PLACEHOLDERS.stop - 1)
    highest = max(
        model.objects.using(using)
        .exclude(record_id__range=placeholders)
        .order_by("-record_id")
        .values_list("record_id", flat=True)
        .first()
        or 0
        for model in (Document, DocumentChange)
    )
    advance_past(highest, using)
