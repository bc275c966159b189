"""Document rows, a chunk at a time: each chunk's documents read in a fixed number of queries, then
each row matched by record ID, checked (values, permissions, publishing), and the document created or
changed. Its links to people and terms are inserted in bulk at the end of the chunk; its relations
wait until every document of the file exists (relations.py)."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError

from .. import roles
from ..dates import parse_partial_date
from ..models import Document, Person
from ..models.documents import gone_record_id_message, gone_record_ids
from ..models.record_ids import advance_past
from .context import Abort
from .format import (
    BY_NAME,
    DOCUMENT,
    FOREIGN_KEYS,
    M2M_MODELS,
    ROLE_COLUMNS,
    TEXT,
    normalise_newlines,
    partial_date_text,
)
from .matching import holds_new, sort_key, unique
from .readers import parse_row
from .report import RowResult
from .state import document_label, document_states
from .writes import insert_rows, set_document_fields, write_document_links

MAX_RECORD_ID = 2_147_483_647  # the database's integer column


class DocumentRows:
    def __init__(self, context, names, relations):
        self.context, self.names, self.relations = context, names, relations
        self.pending_links = defaultdict(list)  # model → link rows to insert at the end of the chunk
        self.gone_record_ids = set()

    def apply(self, chunk):
        parsed = []
        record_ids, targets = set(), set()
        for raw in chunk:
            values, errors = parse_row(DOCUMENT, raw.cells)
            parsed.append((raw, values, errors))
            if values.get("record_id") is not None:
                record_ids.add(values["record_id"])
            targets |= self.relations.targets(values.get("related", []))
        documents = {
            document.record_id: document
            for document in Document.objects.select_for_update().filter(record_id__in=record_ids).order_by()
        }
        states = document_states(documents.values())
        self.gone_record_ids = gone_record_ids(record_ids - documents.keys())
        new_record_ids = {r for r in record_ids - documents.keys() - self.gone_record_ids if 1 <= r <= MAX_RECORD_ID}
        if new_record_ids:
            # Once per chunk, so that each new document's save finds the sequence already past it.
            advance_past(max(new_record_ids))
        self.relations.look_up(targets)
        for raw, values, errors in parsed:
            document = documents.get(values.get("record_id"))
            self._row(raw, values, errors, document, states.get(document.pk) if document else None)
            self.context.tick()
        try:
            insert_rows(self.pending_links)
        except DatabaseError as error:
            raise Abort(
                f"Rows {chunk[0].number}–{chunk[-1].number}: the database refused their links ({error})."
            ) from error

    def _row(self, raw, values, errors, document, current):
        record_id = values.get("record_id")
        title = values.get("title") or (document.title if document else "")
        result = RowResult(raw.number, DOCUMENT, document_label(record_id or "?", title), "error", errors=list(errors))
        if record_id is None:
            if "record_id" not in dict(result.errors):
                result.errors.append(("record_id", "required: documents are matched by their record ID"))
            return self.context.report.add(result)
        if not 1 <= record_id <= MAX_RECORD_ID:
            result.errors.append(("record_id", "must be a positive whole number"))
            return self.context.report.add(result)
        first = self.context.record_rows.get(record_id)
        if first is not None and first != raw.number:
            result.errors.append(("record_id", f"{record_id} is also on row {first}: one row per document"))
            return self.context.report.add(result)
        if document is None and record_id in self.gone_record_ids:
            result.errors.append(("record_id", gone_record_id_message(record_id)))
            return self.context.report.add(result)
        desired = self._desired(values, document, record_id, result)
        if result.errors:
            return self.context.report.add(result)

        changed = [column for column in desired if current is None or not self._same(column, desired, current)]
        if document is not None and not changed:
            result.status = "unchanged"
            return self.context.report.add(result)
        if document is None and not self.context.may("add", Document):
            result.errors.append(("", "you do not have permission to add documents"))
        if document is not None and not self.context.may("change", Document):
            result.errors.append(("", "you do not have permission to change documents"))
        old_status = current["status"] if current else Document.Status.DRAFT
        new_status = desired.get("status", old_status)
        if new_status != old_status and not (self.context.user is None or roles.can_publish(self.context.user)):
            verb = "publish" if new_status == Document.Status.PUBLISHED else "unpublish"
            result.errors.append(
                ("status", f"you do not have permission to {verb} documents: only editors may (leave status as it is)")
            )
        if result.errors:
            return self.context.report.add(result)

        def write():
            values_ = {column: self.names.create_new(desired[column], result) for column in desired}
            target = document or Document(record_id=record_id)
            set_document_fields(target, values_ if document is None else {c: values_[c] for c in changed})
            target.modified_by = self.context.saved_by()
            target.save()
            write_document_links(
                target,
                values_ if document is None else {c: values_[c] for c in changed},
                created=document is None,
                pending=self.pending_links,
            )
            return target, values_

        saved, resolved = self.context.write(result, write)
        self.context.touched.add(saved.pk)
        result.label = document_label(record_id, saved.title)
        result.status = "created" if document is None else "updated"
        if "related" in changed:
            self.relations.add(result.row, result.status == "created", saved.pk, resolved["related"])
        result.changed = [] if document is None else changed
        before = None if document is None else {column: current[column] for column in changed}
        self.context.record(result, saved, result.status, before, label=result.label)
        self.context.report.add(result)

    def _same(self, column, desired, current):
        value = desired[column]
        if column == "related":
            return self.relations.same(value, current)
        if holds_new(value):
            return False
        if column == "slug" and value == "":
            return True
        if BY_NAME[column].type == TEXT:
            return normalise_newlines(current[column]) == value
        return current[column] == value

    def _desired(self, values, document, record_id, result):
        """The document as the row wants it: a state value for each column the row has, checked."""
        desired = {}
        for column, value in values.items():
            if column == "record_id":
                continue
            try:
                desired[column] = self._value(column, value, record_id)
            except ValueError as error:
                result.errors.append((column, str(error)))
        if not desired.get("status"):
            desired.pop("status", None)  # empty: as it is (a new document: a draft)
        unreadable = {column for column, _ in result.errors}
        if document is None:
            if not desired.get("title") and "title" not in unreadable:
                result.errors.append(("title", "required for a new document"))
            desired.setdefault("status", Document.Status.DRAFT)
        elif "title" in desired and not desired["title"]:
            result.errors.append(("title", "cannot be empty"))
        for column, limit in (("title", 500), ("slug", 255)):
            if len(desired.get(column, "")) > limit:
                result.errors.append((column, f"is longer than {limit} characters"))
        return desired

    def _value(self, column, value, record_id):
        """One cell as a state value. ValueError if it cannot be one."""
        if column == "status":
            value = value.lower()
            if value and value not in Document.Status.values:
                raise ValueError(f"“{value}” is not a status: use draft or published")
            return value
        if column == "slug":
            if value:
                try:
                    validate_slug(value)
                except ValidationError:
                    raise ValueError(
                        f"“{value}” is not a slug: use letters, numbers, hyphens and underscores"
                    ) from None
            return value
        if column == "date":
            if not value:
                return ""
            start, precision = parse_partial_date(value)
            return partial_date_text(start, precision)
        if column == "original_uploaded_date":
            if not value:
                return ""
            try:
                return datetime.date.fromisoformat(value).isoformat()
            except ValueError:
                raise ValueError(f"“{value}” is not a date: use YYYY-MM-DD") from None
        if column in FOREIGN_KEYS:
            return self.names.term(FOREIGN_KEYS[column][1], value) if value else None
        if column == "languages":
            return sorted({self.names.language(item) for item in value}, key=sort_key)
        if column in ("archives", "subjects", "places"):
            return unique(self.names.term(M2M_MODELS[column], item) for item in value)
        if column in ("donors", "collections"):
            return unique(self.names.reference(M2M_MODELS[column], item) for item in value)
        if column in ROLE_COLUMNS:
            people = []
            for item in value:
                person = self.names.reference(Person, item, self.context.record_rows.get(record_id))
                if person not in people:
                    people.append(person)
            return people
        if column == "related":
            return self.relations.wanted(value, record_id)
        return value  # plain text, a bool, a list of titles
