"""Record IDs: issued once, never again, whatever happens to their documents.

The highest record ID ever issued (deleted documents' included) lives outside the document table,
so deleting the newest document does not hand its number to the next one. On PostgreSQL it is a
SEQUENCE: ``nextval`` never blocks and never repeats, however many writers there are, and it is not
rolled back with a failed save (a gap, never a duplicate). SQLite has no sequences; a one-row
counter updated inside the save's transaction is as safe there, because SQLite runs one writer at a
time. Migration 0019 creates either and starts it above every record ID in documents and tombstones.
"""

from django.apps import apps
from django.db import connections

SEQUENCE = "documents_record_id_seq"  # PostgreSQL
COUNTER = "documents_record_id_counter"  # SQLite: one row, id 1
# Serializes moving the PostgreSQL sequence forward (two explicit IDs at once must not lower it).
ADVANCE_LOCK = 0x5265_6349  # "RecI"


def next_record_id(using="default"):
    """A record ID that was never issued before."""
    with connections[using].cursor() as cursor:
        if connections[using].vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        else:
            cursor.execute(f"UPDATE {COUNTER} SET last = last + 1 WHERE id = 1 RETURNING last")
        return cursor.fetchone()[0]


def advance_past(record_id, using="default"):
    """Never issue record_id or anything below it again (an explicit ID, a restored archive)."""
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
    highest = max(
        Document.objects.using(using).order_by("-record_id").values_list("record_id", flat=True).first() or 0,
        DocumentChange.objects.using(using).order_by("-record_id").values_list("record_id", flat=True).first() or 0,
    )
    advance_past(highest, using)
