"""Batch import: documents, and the people, donors, collections and terms they name, from CSV or
JSON Lines in the row format of docs/import-format.md, which exporter.py writes.

- The format is defined once, by COLUMNS in format.py: each column's name, its type and the kinds of
  row that use it. Reading (readers.parse_row) and writing (exporter.py) both follow it.
- Documents are matched by record ID; people, donors and collections by slug, else by name (people
  also by alias), and created when new; terms by slug or name, whatever the case (matching.py).
- The file is read as a stream, twice: a first pass notes each document row's record ID and keeps
  the (few) rows that describe people, donors, collections and terms; the second takes the document
  rows in chunks of CHUNK, each read from the database in a fixed number of queries.
- Every import runs in one transaction. A dry run, or a file with any error, is rolled back at the
  end, so the report of a dry run is exactly what committing would do, and a file with one bad row
  changes nothing. A committed import is recorded as an ImportBatch, with the previous values of
  what it changed, so that undo_batch() (undo.py) can reverse it in one step.
- History (documents/history/recording.py): every record an import or an undo writes gets a version by the user,
  commented "Imported from FILE (batch N)." or "Undid import batch N.". They are recorded once the
  writes are done (in revisions of HISTORY_CHUNK documents, writes.py), not on each save: the writes
  are in bulk and send no signals, and a version must hold the document with its people and relations.

This module runs it: the two passes over the file and the transaction around them. The rows that
describe people and terms are entity_rows.py's, document rows document_rows.py's, and relations,
written once every document exists, relations.py's; context.py holds what they share.
"""

import io
from itertools import islice
from pathlib import Path

import reversion
from django.db import transaction
from reversion.errors import RevisionManagementError

from ..models import Document, ImportBatch, ImportedRecord
from ..search import enqueue, suspended
from .context import Abort, ImportContext
from .document_rows import DocumentRows
from .entity_rows import EntityRows
from .format import DOCUMENT, FileFormatError
from .matching import Names
from .readers import detect_format, int_value, read_rows, row_kind
from .relations import Relations
from .report import ImportReport
from .state import CHUNK, document_states, entity_states, fingerprint
from .writes import record_objects, record_versions


class Importer:
    """One run over one file; see import_file()."""

    def __init__(self, opener, *, file_name, fmt=None, user=None, dry_run=True, progress=None):
        self.opener, self.fmt, self.dry_run = opener, fmt, dry_run
        self.report = ImportReport(file_name=file_name, dry_run=dry_run)
        self.context = ImportContext(user=user, report=self.report, progress=progress)
        names = Names(self.context)
        self.relations = Relations(self.context)
        self.entities = EntityRows(self.context, names)
        self.documents = DocumentRows(self.context, names, self.relations)
        self.entity_rows = []

    # -- reading ----------------------------------------------------------------------------

    def _rows(self):
        with self.opener() as binary:
            yield from read_rows(binary, self.fmt)

    def _scan(self):
        """The first pass: each document row's record ID, and the other rows, kept to apply first."""
        context = self.context
        context.record_rows, self.entity_rows, context.total_rows = {}, [], 0
        for raw in self._rows():
            context.total_rows += 1
            kind = row_kind(raw.cells)
            if kind == DOCUMENT:
                try:
                    record_id = int_value(raw.cells.get("record_id"))
                except ValueError:
                    continue
                if record_id is not None:
                    context.record_rows.setdefault(record_id, raw.number)
            else:
                self.entity_rows.append(raw)

    def _document_chunks(self):
        """The second pass: the document rows, CHUNK at a time."""
        rows = (raw for raw in self._rows() if row_kind(raw.cells) == DOCUMENT)
        while chunk := list(islice(rows, CHUNK)):
            yield chunk

    # -- the run ----------------------------------------------------------------------------

    def run(self):
        report, context = self.report, self.context
        if reversion.is_active():
            raise RevisionManagementError("An import records its own history: run it outside an open revision.")
        try:
            if self.fmt is None:
                with self.opener() as binary:
                    self.fmt = detect_format(report.file_name, binary.read(64))
            report.file_format = self.fmt
            self._scan()
        except FileFormatError as error:
            report.file_errors.append(str(error))
            return report
        try:
            with transaction.atomic():
                with suspended():
                    context.batch = ImportBatch.objects.create(
                        user=context.saved_by(),
                        file_name=(report.file_name or "")[:255],
                        file_format=self.fmt,
                    )
                    for raw in self.entity_rows:
                        self.entities.apply(raw)
                    for chunk in self._document_chunks():
                        self.documents.apply(chunk)
                    context.flush_records()
                    self.relations.apply()
                    if not report.has_errors:
                        self._finish_batch()
                if report.has_errors or self.dry_run:
                    transaction.set_rollback(True)
                else:
                    self._record_history()
                    enqueue(sorted(context.touched))
                    report.committed, report.batch = True, context.batch
        except Abort as error:
            report.file_errors.append(str(error))
        except FileFormatError as error:
            report.file_errors.append(str(error))
        return report

    # -- the batch ---------------------------------------------------------------------------

    def _record_history(self):
        """A version of every record the import wrote, by whoever imported, naming the batch: the
        documents it created or changed, those at the other end of a relation it added or removed,
        and the people, donors and collections it created or changed."""
        comment = f"Imported from {self.report.file_name or 'a file'} (batch {self.context.batch.pk})."
        records = ImportedRecord.objects.filter(batch=self.context.batch).order_by()
        documents = set(records.filter(model="document").values_list("object_id", flat=True))
        others = record_objects(records.exclude(model="document").values_list("model", "object_id"))
        record_versions(self.context.saved_by(), comment, documents | self.relations.ends, others)

    def _finish_batch(self):
        """Fingerprint every record as the import leaves it (for undo), and count."""
        records = ImportedRecord.objects.filter(batch=self.context.batch)
        document_records = records.filter(model="document").order_by("pk")
        last = 0
        while chunk := list(document_records.filter(pk__gt=last)[:CHUNK]):
            last = chunk[-1].pk
            states = document_states(
                Document.objects.filter(pk__in=[r.object_id for r in chunk]).order_by(), fingerprint=True
            )
            for record in chunk:
                record.after = fingerprint(states[record.object_id])
            ImportedRecord.objects.bulk_update(chunk, ["after"], batch_size=CHUNK)
        others = list(records.exclude(model="document"))
        states = entity_states([(record.model, record.object_id) for record in others])
        for record in others:
            record.after = fingerprint(states[record.model, record.object_id])
        ImportedRecord.objects.bulk_update(others, ["after"], batch_size=CHUNK)
        report = self.report
        self.context.batch.created_count = report.counts["created"]
        self.context.batch.updated_count = report.counts["updated"]
        self.context.batch.unchanged_count = report.counts["unchanged"]
        self.context.batch.other_count = len(others)
        self.context.batch.save()


def import_file(source, *, file_name=None, fmt=None, user=None, dry_run=True, progress=None):
    """Import a file (a path, bytes, or a function that opens it as a binary file); return the ImportReport.

    ``user`` is whoever imports, whose permissions each row is checked against; None is the system
    itself (a management command run without --user). With dry_run, nothing is kept."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)

        def opener():
            return io.BytesIO(data)

    elif isinstance(source, (str, Path)):
        path = Path(source)
        file_name = file_name or path.name

        def opener():
            return path.open("rb")

    else:
        opener = source
    importer = Importer(opener, file_name=file_name or "", fmt=fmt, user=user, dry_run=dry_run, progress=progress)
    return importer.run()


def can_import(user):
    """Importing adds and changes documents: curators and editors may (publishing needs more, per row)."""
    return user is not None and user.has_perm("documents.add_document") and user.has_perm("documents.change_document")
