"""Documents, people, donors, collections and terms as the row format sees them: their states (what
a row would say, with primary keys for what they name), read in a fixed number of queries however
many records, and the fingerprint an undo compares to tell whether anyone has changed them since."""

import hashlib
import json
from collections import defaultdict

from ..models import Document, DocumentPerson, Person, PersonAlias, Relation, Scan
from .format import (
    ENTITY_FIELDS,
    ENTITY_MODELS,
    M2M_COLUMNS,
    PEOPLE,
    PERSON,
    PLAIN_FIELDS,
    ROLE_COLUMNS,
    partial_date_text,
)

# Rows read from the database and written per round trip: big enough to amortise the queries,
# small enough that memory stays flat and SQLite's limit on query parameters is never reached.
CHUNK = 500


def document_states(documents, fingerprint=False):
    """{pk: state}: each document as the row format describes it, with primary keys for what it
    names (record IDs for related documents), in a fixed number of queries however many documents.

    With fingerprint=True the state also holds what an undo must find unchanged but the format
    does not carry: relations from other documents and scans."""
    documents = list(documents)
    states = {document.pk: document_scalar_state(document) for document in documents}
    pks = list(states)
    for column in M2M_COLUMNS:
        through, source, target = m2m_through(column)
        for state in states.values():
            state[column] = []
        for document_id, target_id in (
            through.objects.filter(**{f"{source}_id__in": pks}).values_list(f"{source}_id", f"{target}_id").order_by()
        ):
            states[document_id][column].append(target_id)
        for state in states.values():
            state[column].sort()
    for state in states.values():
        state.update({column: [] for column in ROLE_COLUMNS})
        state["related"] = []
    role_columns = {role: column for column, role in ROLE_COLUMNS.items()}
    links = DocumentPerson.objects.filter(document_id__in=pks).order_by("document_id", "order", "pk")
    for document_id, person_id, role in links.values_list("document_id", "person_id", "role"):
        people = states[document_id][role_columns[role]]
        if person_id not in people:
            people.append(person_id)
    outgoing = Relation.objects.filter(source_id__in=pks).order_by()
    for source_id, type_id, record_id, note in outgoing.values_list(
        "source_id", "type_id", "target__record_id", "note"
    ):
        states[source_id]["related"].append([type_id, record_id, note])
    for state in states.values():
        state["related"].sort()
    if fingerprint:
        for state in states.values():
            state["_incoming"], state["_scans"] = [], []
        incoming = Relation.objects.filter(target_id__in=pks).order_by()
        for target_id, type_id, record_id, note in incoming.values_list(
            "target_id", "type_id", "source__record_id", "note"
        ):
            states[target_id]["_incoming"].append([type_id, record_id, note])
        for document_id, key in Scan.objects.filter(document_id__in=pks).values_list("document_id", "key"):
            states[document_id]["_scans"].append(str(key))
        for state in states.values():
            state["_incoming"].sort()
            state["_scans"].sort()
    return states


def document_scalar_state(document):
    return {
        "record_id": document.record_id,
        **{name: getattr(document, name) for name in PLAIN_FIELDS},
        "date": partial_date_text(document.date, document.date_precision),
        "date_circa": document.date_circa,
        "type": document.doc_type_id,
        "classification": document.classification_id,
        "original_uploaded_date": document.original_uploaded_date.isoformat()
        if document.original_uploaded_date
        else "",
        "alternative_titles": [line.strip() for line in document.alternative_titles.splitlines() if line.strip()],
    }


def m2m_through(column):
    """(through model, its field naming the document, its field naming the other record)."""
    field_ = Document._meta.get_field(column)
    return field_.remote_field.through, field_.m2m_field_name(), field_.m2m_reverse_field_name()


def fingerprint(state):
    """A short, stable digest of a record's state: undo compares it to tell whether anyone has changed it."""
    text = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def document_label(record_id, title):
    return f"{record_id}: {title}"[:300]


def documents_naming(obj):
    """The pks of the documents that name a person, donor, collection or term."""
    path = getattr(obj, "document_path", None)
    if path is None:
        return []
    return Document.objects.filter(**{path: obj.pk}).values_list("pk", flat=True).distinct().order_by()


def entity_state(kind, obj, aliases=None):
    """A person, donor, collection or term as the format describes it (aliases: the person's)."""
    state = {name: getattr(obj, name) for name in ENTITY_FIELDS[kind]}
    if kind in PEOPLE:
        state["kind"] = obj.kind
        if aliases is None:
            aliases = obj.aliases.values_list("name", "kind")
        state["aliases"] = sorted([name, alias_kind] for name, alias_kind in aliases)
    return state


def entity_states(keys):
    """{(model name, pk): entity_state} for many records at once; missing records are left out."""
    by_model = defaultdict(list)
    for name, pk in keys:
        by_model[name].append(pk)
    states = {}
    for name, pks in by_model.items():
        model = MODELS_BY_NAME[name]
        for start in range(0, len(pks), CHUNK):
            objects = list(model.objects.filter(pk__in=pks[start : start + CHUNK]).order_by())
            aliases = defaultdict(list)
            if model is Person:
                for person_id, alias, kind in PersonAlias.objects.filter(person__in=objects).values_list(
                    "person_id", "name", "kind"
                ):
                    aliases[person_id].append((alias, kind))
            for obj in objects:
                extra = {"aliases": aliases[obj.pk]} if model is Person else {}
                states[name, obj.pk] = entity_state(entity_kind(obj), obj, **extra)
    return states


def entity_kind(obj):
    """The kind of row that describes obj."""
    if isinstance(obj, Person):
        return obj.kind if obj.kind in PEOPLE else PERSON
    return next(kind for kind, model in ENTITY_MODELS.items() if isinstance(obj, model))


def model_name(model):
    return model._meta.model_name


MODELS_BY_NAME = {model_name(model): model for model in set(ENTITY_MODELS.values())}
