"""Export: the whole archive, or chosen documents with what they name, as CSV or JSON Lines in the
row format that the import reads (format.py, docs/import-format.md).

An export is deterministic: rows come in a fixed order (languages, terms, relation types, people,
donors and collections by code or slug, then documents by record ID), each with its columns in the
order of format.COLUMNS, and nothing in it depends on primary keys or on when it was made. Two
exports of the same archive are byte-identical, and so are an export and the export of an empty
archive into which the first was imported.

It is streamed: rows are yielded one at a time, documents read CHUNK at a time in a fixed number
of queries per chunk, so memory stays flat however large the archive.

No cell of any export can run as a formula in a spreadsheet: text that begins like one gets a
leading apostrophe (format.escape_cell), which the import takes away again."""

import csv
import io
import json
from collections import defaultdict

from ..models import Collection, Document, Donor, Language, Person, PersonAlias, RelationType
from ..text import name_key
from .format import (
    BOOL,
    BY_NAME,
    COLLECTION,
    COLUMN_NAMES,
    DOCUMENT,
    DONOR,
    FOREIGN_KEYS,
    INT,
    KIND_COLUMNS,
    LANGUAGE,
    LIST,
    M2M_MODELS,
    RELATION_TYPE,
    ROLE_COLUMNS,
    TERM_MODELS,
    TEXT,
    alias_text,
    default_acknowledgement,
    escape_cell,
    normalise_newlines,
    reference_text,
    related_text,
)
from .state import CHUNK, document_states, entity_state

FORMATS = ("jsonl", "csv")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


def export(fmt, documents=None, progress=None):
    """Yield the export as text, a row at a time: the whole archive, or the documents of the
    queryset ``documents`` with the people, donors, collections and terms they name.

    ``progress(done, total)`` is called after each chunk of documents."""
    rows = export_rows(documents, progress)
    return _csv(rows) if fmt == "csv" else _jsonl(rows)


def export_rows(documents=None, progress=None):
    """Yield (kind, {column: value}) for each row of the export, values as Python (str, int,
    bool, None, list of str), before any encoding."""
    names = _Names(documents)
    yield from _entity_rows(documents)
    selection = Document.objects.all() if documents is None else documents
    selection = selection.order_by("record_id")
    total = selection.count() if progress else 0
    done, last = 0, 0
    while chunk := list(selection.filter(record_id__gt=last)[:CHUNK]):
        last = chunk[-1].record_id
        states = document_states(chunk)
        for document in chunk:
            yield DOCUMENT, names.document_values(states[document.pk])
        done += len(chunk)
        if progress:
            progress(done, total)


# -- encoding -----------------------------------------------------------------------------


def one_line(text):
    """Line breaks inside a one-line value (never entered through the admin) would split a list."""
    return " ".join(normalise_newlines(text).split("\n"))


def encode(column, value):
    """A value as the file holds it (escaped against formulas): str, list of str, int, bool or None."""
    kind = BY_NAME[column].type
    if kind == LIST:
        return [escape_cell(one_line(item)) for item in value]
    if kind == TEXT:
        return escape_cell(normalise_newlines(value or ""))
    if kind in (INT, BOOL):
        return value
    return escape_cell(one_line(value or ""))


def _csv_cell(column, value):
    value = encode(column, value)
    if isinstance(value, list):
        return "\n".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _csv(rows):
    buffer = io.StringIO()
    # RFC 4180 line ends; the byte order mark tells spreadsheets the file is UTF-8.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    yield "\ufeff" + buffer.getvalue()
    for kind, values in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                kind if name == "kind" else _csv_cell(name, values[name]) if name in values else ""
                for name in COLUMN_NAMES
            ]
        )
        yield buffer.getvalue()


def _jsonl(rows):
    for kind, values in rows:
        row = {"kind": kind} | {name: encode(name, values[name]) for name in KIND_COLUMNS[kind] if name != "kind"}
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


# -- people, donors, collections and terms ------------------------------------------------


def _named_in(model, documents, path="documents__in"):
    """The records of model that the documents name, or all of them."""
    queryset = model.objects.all()
    if documents is not None:
        queryset = queryset.filter(pk__in=model.objects.filter(**{path: documents}).values("pk"))
    return queryset


def _entity_rows(documents):
    for language in _named_in(Language, documents).order_by("code"):
        yield LANGUAGE, {"code": language.code, "name": language.name}
    for kind, model in TERM_MODELS.items():
        for term in _named_in(model, documents).order_by("slug"):
            yield kind, {"name": term.name, "slug": term.slug}
    for relation_type in _named_in(RelationType, documents, "relations__source__in").order_by("slug"):
        yield RELATION_TYPE, entity_state(RELATION_TYPE, relation_type)
    people = _named_in(Person, documents, "document_links__document__in").order_by("slug")
    last = ""
    while chunk := list(people.filter(slug__gt=last)[:CHUNK]):
        last = chunk[-1].slug
        aliases = defaultdict(list)
        for person_id, name, kind in PersonAlias.objects.filter(person__in=chunk).values_list(
            "person_id", "name", "kind"
        ):
            aliases[person_id].append((name, kind))
        for person in chunk:
            kind = person.kind
            state = entity_state(kind, person, aliases[person.pk])
            state["sort_name"] = "" if state["sort_name"] == person.name else state["sort_name"]
            state["aliases"] = [alias_text(name, alias_kind) for name, alias_kind in state["aliases"]]
            del state["kind"]
            yield kind, state
    for donor in _named_in(Donor, documents).order_by("slug"):
        state = entity_state(DONOR, donor)
        if state["acknowledgement"] == default_acknowledgement(donor.name):
            state["acknowledgement"] = ""
        yield DONOR, state
    for collection in _named_in(Collection, documents).order_by("slug"):
        yield COLLECTION, entity_state(COLLECTION, collection)


# -- documents ----------------------------------------------------------------------------


class _Names:
    """What a document row writes for the primary keys in its state: names, codes and slugs."""

    def __init__(self, documents):
        self.terms = {model: dict(model.objects.values_list("pk", "name")) for model in TERM_MODELS.values()}
        self.languages = dict(Language.objects.values_list("pk", "code"))
        self.relation_types = dict(RelationType.objects.values_list("pk", "slug"))
        # People, donors and collections may share a name: a shared one is written with the slug.
        self.references = {}
        for model in (Person, Donor, Collection):
            rows = model.objects.values_list("pk", "name", "slug")
            if documents is not None:
                rows = rows.filter(pk__in=_named_in(model, documents, _path(model)).values("pk"))
            names = {pk: (name, slug) for pk, name, slug in rows.iterator(chunk_size=5000)}
            counts = defaultdict(int)
            for name, _ in names.values():
                counts[name_key(name)] += 1
            # Sharing is judged against the whole archive, where the import will look the name up.
            shared = {key for key, n in counts.items() if n > 1} | self._shared_elsewhere(model, names, documents)
            self.references[model] = {
                pk: reference_text(name, slug, name_key(name) in shared) for pk, (name, slug) in names.items()
            }

    @staticmethod
    def _shared_elsewhere(model, names, documents):
        if documents is None:
            return set()
        keys = {name_key(name) for name, _ in names.values()}
        counts = defaultdict(int)
        for name in model.objects.values_list("name", flat=True).iterator(chunk_size=5000):
            if name_key(name) in keys:
                counts[name_key(name)] += 1
        return {key for key, n in counts.items() if n > 1}

    def _term_names(self, model, pks):
        return sorted((self.terms[model][pk] for pk in pks), key=lambda name: (name_key(name), name))

    def document_values(self, state):
        values = dict(state)
        for column, (_, model) in FOREIGN_KEYS.items():
            values[column] = self.terms[model][state[column]] if state[column] else ""
        values["languages"] = sorted(self.languages[pk] for pk in state["languages"])
        for column in ("archives", "subjects", "places"):
            values[column] = self._term_names(M2M_MODELS[column], state[column])
        for column in ("donors", "collections"):
            references = self.references[M2M_MODELS[column]]
            values[column] = sorted((references[pk] for pk in state[column]), key=lambda text: (name_key(text), text))
        for column in ROLE_COLUMNS:
            values[column] = [self.references[Person][pk] for pk in state[column]]
        values["related"] = [
            related_text(slug, record_id, note)
            for slug, record_id, note in sorted(
                (self.relation_types[type_id], record_id, note) for type_id, record_id, note in state["related"]
            )
        ]
        return values


def _path(model):
    return "document_links__document__in" if model is Person else "documents__in"


def write_export(fmt, write, documents=None, progress=None):
    """Pass the export to write(text), piece by piece; return how many rows were written."""
    count = 0
    for text in export(fmt, documents, progress):
        write(text)
        count += 1
    return count - (fmt == "csv")  # the CSV header is not a row
