"""What every part of one import shares: who imports and what they may do, the report, the batch
and the ImportedRecords noting what it did, the name indexes, and the documents it touched."""

from django.core.exceptions import ValidationError
from django.db import DatabaseError

from ..models import ImportedRecord
from .matching import NameIndex
from .state import CHUNK, model_name


class Abort(Exception):
    """The database refused a write that the checks let through: the whole import stops."""


class ImportContext:
    def __init__(self, *, user, report, progress=None):
        self.user, self.report, self.progress = user, report, progress
        self.batch = None  # the ImportBatch, made when the writing starts
        self.indexes = {}
        self.records = []  # ImportedRecords not yet written
        self.touched = set()  # pks of documents written (or whose people or terms were renamed)
        self.record_rows = {}  # record ID → the row of the file that describes that document
        self.total_rows, self.rows_done = 0, 0

    # -- permissions ------------------------------------------------------------------------

    def saved_by(self):
        """Who is recorded as having saved what the import writes (None: the system)."""
        return self.user if self.user is not None and self.user.pk else None

    def may(self, action, model):
        return self.user is None or self.user.has_perm(f"documents.{action}_{model_name(model)}")

    # -- writing ----------------------------------------------------------------------------

    def write(self, result, write):
        """Run write(). A refusal by the database stops the import, and the transaction is rolled
        back whole, so no savepoint per row is needed."""
        try:
            return write()
        except (DatabaseError, ValidationError) as error:
            raise Abort(
                f"Row {result.row}: the database refused it ({error}). Nothing was imported; "
                "please report this with the file."
            ) from error

    def record(self, result, obj, action, before=None, label=None):
        """Note what the batch did to obj; written CHUNK at a time (see flush_records)."""
        self.records.append(
            ImportedRecord(
                batch=self.batch,
                model=model_name(type(obj)),
                object_id=obj.pk,
                label=(label or str(obj))[:300],
                action=action,
                row=result.row if result else None,
                before=before,
                after="",
            )
        )
        if len(self.records) >= CHUNK:
            self.flush_records()

    def flush_records(self):
        ImportedRecord.objects.bulk_create(self.records)
        self.records = []

    # -- reading ----------------------------------------------------------------------------

    def index(self, model):
        if model not in self.indexes:
            self.indexes[model] = NameIndex(model)
        return self.indexes[model]

    def tick(self):
        self.rows_done += 1
        if self.progress and (self.rows_done % 1000 == 0 or self.rows_done == self.total_rows):
            self.progress(self.rows_done, self.total_rows)
