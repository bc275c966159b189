"""Writing records as the row format describes them, for the import and its undo: a document's
fields and links from state values, rows in bulk, and the versions history keeps of what was written."""

import datetime
from collections import defaultdict

import reversion

from ..dates import DatePrecision, parse_partial_date
from ..history.recording import documents_for_history, recording
from ..models import DocumentPerson, Person
from .format import FOREIGN_KEYS, M2M_COLUMNS, PLAIN_FIELDS, ROLE_COLUMNS
from .state import CHUNK, MODELS_BY_NAME, m2m_through

# Documents per revision of history. Smaller than CHUNK: a version is read back with the versions of
# its revision's parts, so a smaller revision keeps a document's history page quick.
HISTORY_CHUNK = 100


def set_document_fields(document, values):
    """Set the document's own fields (not its links) from state values (for a write or an undo)."""
    for column, value in values.items():
        if column in PLAIN_FIELDS:
            setattr(document, column, value)
        elif column == "date":
            document.date, document.date_precision = parse_partial_date(value) if value else (None, DatePrecision.DAY)
        elif column == "date_circa":
            document.date_circa = value
        elif column in FOREIGN_KEYS:
            setattr(document, f"{FOREIGN_KEYS[column][0]}_id", value)
        elif column == "original_uploaded_date":
            document.original_uploaded_date = datetime.date.fromisoformat(value) if value else None
        elif column == "alternative_titles":
            document.alternative_titles = "\n".join(value)


def write_document_links(document, values, created=False, pending=None):
    """Replace the document's links named in values (state values: primary keys) with those.

    The old links are deleted at once; the new rows are inserted at once, or, if ``pending`` (a
    defaultdict(list) by model) is given, added to it for the caller to insert in bulk later.
    Relations are not written here (they may name documents later in the file): see relations.py."""
    rows = defaultdict(list) if pending is None else pending
    for column in M2M_COLUMNS:
        if column in values:
            through, source, target = m2m_through(column)
            if not created:
                through.objects.filter(**{f"{source}_id": document.pk}).delete()
            rows[through] += [through(**{f"{source}_id": document.pk, f"{target}_id": pk}) for pk in values[column]]
    roles_ = [role for column, role in ROLE_COLUMNS.items() if column in values]
    if roles_ and not created:
        DocumentPerson.objects.filter(document=document, role__in=roles_).delete()
    rows[DocumentPerson] += [
        DocumentPerson(document=document, person_id=pk, role=role, order=order)
        for column, role in ROLE_COLUMNS.items()
        if column in values
        for order, pk in enumerate(values[column])
    ]
    if pending is None:
        insert_rows(rows)


def insert_rows(rows):
    """Insert {model: [unsaved rows]} and empty it."""
    for model, objects in rows.items():
        if objects:
            model.objects.bulk_create(objects, batch_size=CHUNK)
    rows.clear()


def record_versions(user, comment, documents=(), others=()):
    """Record documents (pks) and other records (objects) as they now are, as versions by user with
    comment: one revision per HISTORY_CHUNK documents, one for the others. Records of models that
    history does not keep (vocabulary terms) and rows that no longer exist are left out."""
    documents = sorted(set(documents))
    for start in range(0, len(documents), HISTORY_CHUNK):
        with recording(user, comment):
            for document in documents_for_history(documents[start : start + HISTORY_CHUNK]):
                reversion.add_to_revision(document)
    others = [obj for obj in others if reversion.is_registered(type(obj))]
    if others:
        with recording(user, comment):
            for obj in others:
                reversion.add_to_revision(obj)


def record_objects(keys):
    """The records of the (model name, pk) pairs that history keeps, people with their aliases."""
    by_model = defaultdict(list)
    for name, pk in keys:
        model = MODELS_BY_NAME[name]
        if reversion.is_registered(model):
            by_model[model].append(pk)
    objects = []
    for model, pks in by_model.items():
        for start in range(0, len(pks), CHUNK):
            queryset = model.objects.filter(pk__in=pks[start : start + CHUNK]).order_by("pk")
            objects += queryset.prefetch_related("aliases") if model is Person else queryset
    return objects


def has_field(model, name):
    return any(field_.name == name for field_ in model._meta.fields)
