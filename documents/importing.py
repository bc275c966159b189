"""Batch import: documents, and the people, donors, collections and terms they name, from CSV or
JSON Lines in the row format of docs/import-format.md, which exporting.py writes.

- The format is defined once, by COLUMNS below: each column's name, its type and the kinds of row
  that use it. Reading (parse_row) and writing (exporting.py) both follow it.
- Documents are matched by record ID; people, donors and collections by slug, else by name (people
  also by alias), and created when new; terms by slug or name, whatever the case.
- The file is read as a stream, twice: a first pass notes each document row's record ID and keeps
  the (few) rows that describe people, donors, collections and terms; the second takes the document
  rows in chunks of CHUNK, each read from the database in a fixed number of queries.
- Every import runs in one transaction. A dry run, or a file with any error, is rolled back at the
  end, so the report of a dry run is exactly what committing would do, and a file with one bad row
  changes nothing. A committed import is recorded as an ImportBatch, with the previous values of
  what it changed, so that undo_batch() can reverse it in one step.
- History (documents/history/recording.py): every record an import or an undo writes gets a version by the user,
  commented "Imported from FILE (batch N)." or "Undid import batch N.". They are recorded once the
  writes are done (in revisions of HISTORY_CHUNK documents), not on each save: the writes are in bulk
  and send no signals, and a version must hold the document with its people and relations.
"""

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from reversion.errors import RevisionManagementError

from . import roles
from .dates import DatePrecision, parse_partial_date
from .history.recording import documents_for_history, recording
from .models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    ImportBatch,
    ImportedRecord,
    Language,
    OldSlug,
    Person,
    PersonAlias,
    Place,
    Relation,
    RelationType,
    Scan,
    Subject,
)
from .models.base import slug_for
from .models.documents import gone_record_id_message, gone_record_ids
from .models.record_ids import advance_past
from .search import enqueue, suspended
from .text import loose_key, name_key, normalize_text

MAX_RECORD_ID = 2_147_483_647  # the database's integer column

# Rows read from the database and written per round trip: big enough to amortise the queries,
# small enough that memory stays flat and SQLite's limit on query parameters is never reached.
CHUNK = 500
# The report keeps this many rows for display (errors first); the counts are always complete.
REPORT_ROWS = 1000
# Documents per revision of history. Smaller than CHUNK: a version is read back with the versions of
# its revision's parts, so a smaller revision keeps a document's history page quick.
HISTORY_CHUNK = 100

# ---------------------------------------------------------------------------------------------
# The row format
# ---------------------------------------------------------------------------------------------

DOCUMENT = "document"
PERSON, ORGANISATION = "person", "organisation"
DONOR, COLLECTION = "donor", "collection"
LANGUAGE, RELATION_TYPE = "language", "relation-type"
TERM_MODELS = {
    "document-type": DocumentType,
    "classification": Classification,
    "archive": Archive,
    "subject": Subject,
    "place": Place,
}
PEOPLE = (PERSON, ORGANISATION)
TERMS = tuple(TERM_MODELS)
# Every kind of row, in the order an export writes them: what documents name comes first.
KINDS = (LANGUAGE, *TERMS, RELATION_TYPE, PERSON, ORGANISATION, DONOR, COLLECTION, DOCUMENT)
ENTITY_MODELS = {
    LANGUAGE: Language,
    **TERM_MODELS,
    RELATION_TYPE: RelationType,
    PERSON: Person,
    ORGANISATION: Person,
    DONOR: Donor,
    COLLECTION: Collection,
    DOCUMENT: Document,
}

# Types of cell. TEXT keeps its line breaks; LINE is one line, trimmed; LIST is one item per line
# in CSV and an array of strings in JSON Lines.
TEXT, LINE, INT, BOOL, LIST = "text", "line", "int", "bool", "list"


class Column(NamedTuple):
    name: str
    type: str
    kinds: tuple
    help: str


_D = (DOCUMENT,)
_NAMED = (*PEOPLE, DONOR, COLLECTION, *TERMS, LANGUAGE, RELATION_TYPE)
_SLUGGED = (DOCUMENT, *PEOPLE, DONOR, COLLECTION, *TERMS, RELATION_TYPE)

COLUMNS = [
    Column("kind", LINE, KINDS, "What the row describes; empty means document."),
    Column("record_id", INT, _D, "The document's permanent record ID: how rows find their document."),
    Column("title", LINE, _D, "Required for a new document."),
    Column("name", LINE, _NAMED, "The name of a person, donor, collection or term."),
    Column("code", LINE, (LANGUAGE,), "A language's ISO 639 code."),
    Column("slug", LINE, _SLUGGED, "The address; empty keeps the current one (or makes one from the name)."),
    Column("status", LINE, _D, "draft or published; a new document without one is a draft."),
    Column("date", LINE, _D, "YYYY, YYYY-MM or YYYY-MM-DD: the precision is that of what is written."),
    Column("date_circa", BOOL, _D, "true if the date is approximate."),
    Column("date_note", TEXT, _D, "Where the text's own date differs, why."),
    Column("type", LINE, _D, "The document type's name."),
    Column("languages", LIST, _D, "ISO codes (or names) of the original's languages."),
    Column("classification", LINE, _D, "The original classification's name."),
    Column("summary", TEXT, _D, ""),
    Column("text", TEXT, _D, "The translation as published."),
    Column("transcript", TEXT, _D, "A transcript in the original language."),
    Column("source", TEXT, _D, "Where the original was obtained, with credits."),
    Column("archives", LIST, _D, "Names of the archives that hold the original."),
    Column("rights", TEXT, _D, ""),
    Column("original_uploaded_date", LINE, _D, "YYYY-MM-DD."),
    Column("alternative_titles", LIST, _D, "Other titles the document is known by."),
    Column("authors", LIST, _D, "People, by name or alias."),
    Column("recipients", LIST, _D, "People, by name or alias."),
    Column("participants", LIST, _D, "People, by name or alias."),
    Column("mentioned", LIST, _D, "People and organisations the document names, by name or alias."),
    Column("donors", LIST, _D, "Donors by name."),
    Column("collections", LIST, _D, "Collections by name."),
    Column("subjects", LIST, _D, "Subject headings."),
    Column("places", LIST, _D, "Places."),
    Column("related", LIST, _D, "Relations from this document: TYPE:RECORD_ID, optionally followed by (note)."),
    Column("sort_name", LINE, PEOPLE, "How the name sorts; empty: the name itself."),
    Column("aliases", LIST, PEOPLE, "Other names; prefix codename: or transliteration: to say which."),
    Column("birth_year", INT, PEOPLE, "Or the year an organisation began."),
    Column("death_year", INT, PEOPLE, "Or the year an organisation ended."),
    Column("wikidata_id", LINE, PEOPLE, "e.g. Q855."),
    Column("viaf_id", LINE, PEOPLE, "e.g. 101787139."),
    Column("biography", TEXT, PEOPLE, ""),
    Column("description", TEXT, (DONOR, COLLECTION), ""),
    Column("url", LINE, (DONOR,), "The donor's web site."),
    Column("acknowledgement", LINE, (DONOR,), "The line a document page shows; empty: the standard sentence."),
    Column("inverse_name", LINE, (RELATION_TYPE,), "The wording from the target; empty: the same as the name."),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
BY_NAME = {column.name: column for column in COLUMNS}
KIND_COLUMNS = {kind: [column.name for column in COLUMNS if kind in column.kinds] for kind in KINDS}

ROLE_COLUMNS = {
    "authors": DocumentPerson.Role.AUTHOR,
    "recipients": DocumentPerson.Role.RECIPIENT,
    "participants": DocumentPerson.Role.PARTICIPANT,
    "mentioned": DocumentPerson.Role.MENTIONED,
}
# List columns stored as a many-to-many field of the same name.
M2M_COLUMNS = ["languages", "archives", "subjects", "places", "donors", "collections"]
M2M_MODELS = {
    "languages": Language,
    "archives": Archive,
    "subjects": Subject,
    "places": Place,
    "donors": Donor,
    "collections": Collection,
}
FOREIGN_KEYS = {"type": ("doc_type", DocumentType), "classification": ("classification", Classification)}
# Document columns held as plain strings on the model (LINE or TEXT cells).
PLAIN_FIELDS = ["title", "slug", "status", "date_note", "summary", "text", "transcript", "source", "rights"]
ALIAS_KINDS = {kind.value for kind in PersonAlias.Kind}

# OWASP's list of characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def escape_cell(text):
    """text as a cell no spreadsheet runs as a formula: one leading apostrophe when it begins
    like a formula (or with an apostrophe that reading would otherwise take away)."""
    if text.startswith(FORMULA_START) or (text.startswith(QUOTE) and text[1:].startswith((*FORMULA_START, QUOTE))):
        return QUOTE + text
    return text


def unescape_cell(text):
    """The value a cell holds (escape_cell reversed). ValueError if it would be run as a formula."""
    if text.startswith(FORMULA_START):
        shown = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], f"“{text[0]}”")
        raise ValueError(
            f"starts with {shown}, which a spreadsheet would run as a formula; "
            f"to keep it as text, put an apostrophe ( ' ) before it"
        )
    if text.startswith(QUOTE) and text[1:].startswith((*FORMULA_START, QUOTE)):
        return text[1:]
    return text


def normalise_newlines(text):
    """Line breaks as \\n, whichever system wrote the file (CRLF, LF or CR), and Unicode in NFC:
    the text as the archive stores it (documents/text.py)."""
    return normalize_text(text)


def partial_date_text(date, precision):
    """A document's date as the file writes it: YYYY, YYYY-MM or YYYY-MM-DD; "" if undated."""
    if date is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


REFERENCE = re.compile(r"^(?P<name>.*?)\s*<(?P<slug>[-\w]+)>$")
RELATED = re.compile(r"^(?:(?P<type>[-\w]+)\s*:\s*)?(?P<record_id>\d+)(?:\s*\((?P<note>.*)\))?$", re.S)
ALIAS = re.compile(r"^(?P<kind>codename|transliteration|other)\s*:\s*(?P<name>.+)$", re.S | re.I)


def reference_text(name, slug, ambiguous):
    """How a list cell names a person, donor or collection: by name, with its slug if the name is shared."""
    return f"{name} <{slug}>" if ambiguous else name


def related_text(type_slug, record_id, note):
    return f"{type_slug}:{record_id}" + (f" ({note})" if note else "")


def alias_text(name, kind):
    return name if kind == PersonAlias.Kind.OTHER else f"{kind}: {name}"


class FileFormatError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------


def detect_format(name, head):
    """ "csv" or "jsonl", from the file name, else from its first bytes."""
    suffix = Path(name or "").suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{") else "csv"


class RawRow(NamedTuple):
    number: int  # as a spreadsheet numbers it (the CSV header is row 1), or the line of a JSON Lines file
    cells: dict  # column name → the cell as read (a string in CSV, any JSON value in JSON Lines)


def _text_stream(binary):
    # utf-8-sig drops a byte order mark; newline="" leaves line ends to the csv module.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def read_rows(binary, fmt):
    """Yield the file's rows one at a time. FileFormatError if the file cannot be read."""
    try:
        yield from (_read_csv(binary) if fmt == "csv" else _read_jsonl(binary))
    except UnicodeDecodeError:
        raise FileFormatError("The file is not UTF-8 text: save it as UTF-8 (with or without BOM).") from None


def _read_csv(binary):
    # Long texts (tens of thousands of characters) exceed the csv module's default cell limit.
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(_text_stream(binary))
    try:
        header = next(reader)
    except StopIteration:
        raise FileFormatError("The file is empty.") from None
    except csv.Error as error:
        raise FileFormatError(f"Row 1 cannot be read as CSV: {error}.") from None
    header = [name.strip() for name in header]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        raise FileFormatError("The header has one column: separate columns with commas, not semicolons or tabs.")
    unknown = [name for name in header if name not in BY_NAME]
    if unknown:
        raise FileFormatError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} in the header: {', '.join(unknown)}. "
            "The columns are listed in docs/import-format.md."
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise FileFormatError(
            f"Column{'s' if len(repeated) > 1 else ''} named twice in the header: {', '.join(repeated)}."
        )
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileFormatError(f"Row {number + 1} cannot be read as CSV: {error}.") from None
        number += 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise FileFormatError(f"Row {number} has {len(cells)} cells but the header names {len(header)} columns.")
        cells = (cells + [""] * len(header))[: len(header)]
        yield RawRow(number, dict(zip(header, cells, strict=True)))


def _read_jsonl(binary):
    for number, line in enumerate(_text_stream(binary), start=1):
        if not line.strip():
            continue
        try:
            cells = json.loads(line)
        except json.JSONDecodeError as error:
            raise FileFormatError(f"Line {number} is not JSON: {error.msg} (character {error.colno}).") from None
        if not isinstance(cells, dict):
            raise FileFormatError(f"Line {number} is not a JSON object: each line holds one row as {{...}}.")
        yield RawRow(number, cells)


# ---------------------------------------------------------------------------------------------
# Parsing cells
# ---------------------------------------------------------------------------------------------


def _text_value(raw, column):
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValueError("must be text")
    value = unescape_cell(raw)
    if column.type == TEXT:
        return normalise_newlines(value)
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line")
    return normalize_text(value)


def _list_value(raw):
    if raw is None:
        return []
    if isinstance(raw, str):
        unescape_cell(raw)  # the cell's start, as a spreadsheet sees it
        raw = normalise_newlines(raw).split("\n")
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError("must be a list of text items")
    items = []
    for item in raw:
        item = unescape_cell(item)
        if "\n" in item or "\r" in item:
            raise ValueError("an item of a list must be one line")
        if item.strip():
            items.append(normalize_text(item.strip()))
    return items


def _int_value(raw):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise ValueError(f"“{raw}” is not a whole number")


TRUE, FALSE = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}


def _bool_value(raw):
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    raise ValueError(f"“{raw}” is not true or false")


def parse_cell(column, raw):
    """A cell's value as Python: str, int or None, bool, or a list of str. ValueError says why not."""
    if column.type in (TEXT, LINE):
        return _text_value(raw, column)
    if column.type == LIST:
        return _list_value(raw)
    if column.type == INT:
        return _int_value(raw)
    return _bool_value(raw)


def row_kind(cells):
    kind = cells.get("kind")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    return kind or DOCUMENT


def parse_row(kind, cells):
    """(values, errors) for one row: the value of each of its kind's columns that the row has,
    and (column, reason) for each cell that cannot be read, or is filled in a column its kind lacks."""
    values, errors = {}, []
    own = set(KIND_COLUMNS[kind])
    for name, raw in cells.items():
        if name == "kind":
            continue
        column = BY_NAME.get(name)
        if column is None:
            errors.append((name, "is not a column of the format"))
            continue
        if name not in own:
            if raw not in (None, "", [], False):
                errors.append((name, f"is not a column of {kind} rows: leave it empty"))
            continue
        try:
            values[name] = parse_cell(column, raw)
        except ValueError as error:
            errors.append((name, str(error)))
    return values, errors


# ---------------------------------------------------------------------------------------------
# Finding records by slug and name
# ---------------------------------------------------------------------------------------------


class NameIndex:
    """The records of one model by slug (or code) and by name, whatever its case, spacing or Unicode
    form (text.name_key); people also by their name without accents, their sort name and their
    aliases (with or without accents). Read from the database once, then kept up to date with what
    the import writes."""

    BY_NAME, NO_ACCENTS, SORT_NAME, ALIAS = "name", "name without accents", "sort name", "alias"

    def __init__(self, model):
        self.model = model
        self.key_field = "code" if model is Language else "slug"
        self.loaded = False

    def _load(self):
        self.by_key, self.by_name, self.by_other = {}, defaultdict(set), defaultdict(set)
        self.names, self.sort_names, self.aliases = {}, {}, defaultdict(set)
        columns = ["pk", "name", self.key_field] + (["sort_name"] if self.model is Person else [])
        for row in self.model.objects.values_list(*columns).iterator(chunk_size=5000):
            self._put(*row)
        if self.model is Person:
            for person_id, alias in PersonAlias.objects.values_list("person_id", "name").iterator(chunk_size=5000):
                self._put_alias(person_id, alias)
        self.loaded = True

    def _ready(self):
        if not self.loaded:
            self._load()

    def _variants(self, name, sort_name):
        """(key, how) under which a person is also found: their name without accents, their sort name."""
        if self.model is not Person:
            return []
        found = [(loose_key(name), self.NO_ACCENTS)]
        if sort_name:
            found += [(name_key(sort_name), self.SORT_NAME), (loose_key(sort_name), self.SORT_NAME)]
        return found

    def _put(self, pk, name, key, sort_name=""):
        self.names[pk], self.sort_names[pk] = (name, key), sort_name
        self.by_key[key] = pk
        self.by_name[name_key(name)].add(pk)
        for variant, how in self._variants(name, sort_name):
            self.by_other[variant].add((pk, how))

    def _put_alias(self, pk, alias):
        for variant in (name_key(alias), loose_key(alias)):
            self.by_other[variant].add((pk, self.ALIAS))
            self.aliases[pk].add(variant)

    def put(self, obj, aliases=None):
        """Note a record the import created or changed (and, for a person, their aliases now)."""
        self._ready()
        self.remove(obj.pk, aliases=aliases is not None)
        self._put(obj.pk, obj.name, getattr(obj, self.key_field), getattr(obj, "sort_name", ""))
        for alias in aliases or []:
            self._put_alias(obj.pk, alias)

    def remove(self, pk, aliases=True):
        if pk in self.names:
            name, key = self.names.pop(pk)
            self.by_key.pop(key, None)
            self.by_name[name_key(name)].discard(pk)
            for variant, how in self._variants(name, self.sort_names.pop(pk, "")):
                self.by_other[variant].discard((pk, how))
        if aliases:
            for variant in self.aliases.pop(pk, set()):
                self.by_other[variant].discard((pk, self.ALIAS))

    def get_key(self, key):
        self._ready()
        return self.by_key.get(key)

    def match(self, name):
        """[(pk, how)] of the records this name names: the one with this name if there is one, else
        (people) every one it names without accents, as a sort name or as an alias. Two or more:
        the name is ambiguous."""
        self._ready()
        found = self.by_name.get(name_key(name))
        if found:
            return [(pk, self.BY_NAME) for pk in sorted(found)]
        hits = {}
        for variant in (name_key(name), loose_key(name)):
            for pk, how in sorted(self.by_other.get(variant, ())):
                hits.setdefault(pk, how)
        return sorted(hits.items())

    def find(self, name):
        """The primary keys of the records this name names (see match)."""
        return [pk for pk, _ in self.match(name)]

    def name_of(self, pk):
        self._ready()
        return self.names[pk]


class New(NamedTuple):
    """A name that matched nothing: the record is created when the row is written."""

    model: type
    name: str


# ---------------------------------------------------------------------------------------------
# Documents as the format sees them
# ---------------------------------------------------------------------------------------------


def document_states(documents, fingerprint=False):
    """{pk: state}: each document as the row format describes it, with primary keys for what it
    names (record IDs for related documents), in a fixed number of queries however many documents.

    With fingerprint=True the state also holds what an undo must find unchanged but the format
    does not carry: relations from other documents and scans."""
    documents = list(documents)
    states = {document.pk: document_scalar_state(document) for document in documents}
    pks = list(states)
    for column in M2M_COLUMNS:
        through, source, target = _through(column)
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


def _through(column):
    """(through model, its field naming the document, its field naming the other record)."""
    field_ = Document._meta.get_field(column)
    return field_.remote_field.through, field_.m2m_field_name(), field_.m2m_reverse_field_name()


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
    Relations are not written here (they may name documents later in the file): see _apply_relations."""
    rows = defaultdict(list) if pending is None else pending
    for column in M2M_COLUMNS:
        if column in values:
            through, source, target = _through(column)
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


def _relation_ends(pks):
    """The pks of the documents at either end of a relation of these documents."""
    ends = set()
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        rows = Relation.objects.filter(Q(source_id__in=chunk) | Q(target_id__in=chunk)).order_by()
        for source, target in rows.values_list("source_id", "target_id"):
            ends |= {source, target}
    return ends


def fingerprint(state):
    """A short, stable digest of a record's state: undo compares it to tell whether anyone has changed it."""
    text = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def document_label(record_id, title):
    return f"{record_id}: {title}"[:300]


# ---------------------------------------------------------------------------------------------
# People, donors, collections and terms as the format sees them
# ---------------------------------------------------------------------------------------------


def default_acknowledgement(name):
    return f"This document was made possible with support from {name}"


# Columns of each kind of entity row that are a model field of the same name.
ENTITY_FIELDS = {
    LANGUAGE: ["code", "name"],
    **{kind: ["name", "slug"] for kind in TERMS},
    RELATION_TYPE: ["name", "slug", "inverse_name"],
    PERSON: ["name", "slug", "sort_name", "birth_year", "death_year", "wikidata_id", "viaf_id", "biography"],
    DONOR: ["name", "slug", "description", "url", "acknowledgement"],
    COLLECTION: ["name", "slug", "description"],
}
ENTITY_FIELDS[ORGANISATION] = ENTITY_FIELDS[PERSON]


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


def _documents_naming(obj):
    """The pks of the documents that name a person, donor, collection or term."""
    path = getattr(obj, "document_path", None)
    if path is None:
        return []
    return Document.objects.filter(**{path: obj.pk}).values_list("pk", flat=True).distinct().order_by()


def _delete_guard(obj):
    """Why obj cannot be deleted by an undo (documents still name it), or None."""
    if isinstance(obj, RelationType):
        relation = obj.relations.select_related("source").first()
        return f"documents are linked by it ({relation})" if relation else None
    path = obj.document_path
    document = Document.objects.filter(**{path: obj.pk}).order_by("record_id").first()
    return f"document {document.record_id} names it" if document else None


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    kind: str
    label: str
    status: str  # created, updated, unchanged or error
    changed: list = field(default_factory=list)  # the columns that changed
    errors: list = field(default_factory=list)  # (column, reason); column "" for the row as a whole

    @property
    def record_id(self):
        return self.label.split(":", 1)[0] if self.kind == DOCUMENT else ""


@dataclass
class ImportReport:
    """What an import did, or would do: per row, and in total."""

    file_name: str
    file_format: str = ""
    dry_run: bool = True
    committed: bool = False
    counts: Counter = field(default_factory=Counter)  # documents: created, updated, unchanged
    other_counts: dict = field(default_factory=lambda: defaultdict(Counter))  # kind → created/updated/unchanged
    error_rows: int = 0
    rows: list = field(default_factory=list)  # RowResult, up to REPORT_ROWS
    rows_left_out: int = 0
    new_records: list = field(default_factory=list)  # (kind, name, row): created because a row named them
    # (name as written, "Name <slug>", how, row): each name in documents' people columns that names a
    # person already in the archive (how: by name, name without accents, sort name or alias), once.
    matched_people: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    batch: Any = None

    @property
    def has_errors(self):
        return bool(self.error_rows or self.file_errors)

    @property
    def summary(self):
        """The summary line: how many documents were (or would be) created, updated, unchanged, and rows in error."""
        errors = self.error_rows + len(self.file_errors)
        return (
            f"{self.counts['created']} created, {self.counts['updated']} updated, "
            f"{self.counts['unchanged']} unchanged, {errors} error{'s' if errors != 1 else ''}"
        )

    @property
    def other_summary(self):
        """People, donors, collections and terms, e.g. "person: 3 created, 1 unchanged"."""
        parts = []
        for kind in KINDS:
            counts = self.other_counts.get(kind)
            if counts:
                done = ", ".join(f"{counts[s]} {s}" for s in ("created", "updated", "unchanged") if counts[s])
                parts.append(f"{kind}: {done}")
        return "; ".join(parts)

    @property
    def errors(self):
        """(row, column, reason) for every error kept in the report."""
        found = [("", "", message) for message in self.file_errors]
        for result in self.rows:
            found += [(result.row, column, reason) for column, reason in result.errors]
        return found

    def add(self, result):
        if result.status == "error":
            self.error_rows += 1
        elif result.kind == DOCUMENT:
            self.counts[result.status] += 1
        else:
            self.other_counts[result.kind][result.status] += 1
        if len(self.rows) < REPORT_ROWS:
            self.rows.append(result)
        elif result.status == "error":
            # Errors matter more than the rows that went well: they push those out.
            for index in range(len(self.rows) - 1, -1, -1):
                if self.rows[index].status != "error":
                    del self.rows[index]
                    self.rows.append(result)
                    break
            self.rows_left_out += 1
        else:
            self.rows_left_out += 1

    def fail(self, row, status, label, column, reason):
        """A document row reported as created or updated turned out to fail (its relations, written last)."""
        result = next((result for result in self.rows if result.row == row), None)
        if result is None:  # a row left out of the report: errors are always shown
            result = RowResult(row, DOCUMENT, label, status)
            self.rows.append(result)
            self.rows_left_out -= 1
        if result.status != "error":
            if result.kind == DOCUMENT:
                self.counts[result.status] -= 1
            self.error_rows += 1
            result.status = "error"
        result.errors.append((column, reason))

    def sorted_rows(self):
        return sorted(self.rows, key=lambda result: result.row)


# ---------------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------------


class _Abort(Exception):
    """The database refused a write that the checks let through: the whole import stops."""


class Importer:
    """One run over one file; see import_file()."""

    def __init__(self, opener, *, file_name, fmt=None, user=None, dry_run=True, progress=None):
        self.opener, self.user, self.dry_run, self.progress = opener, user, dry_run, progress
        self.report = ImportReport(file_name=file_name, dry_run=dry_run)
        self.fmt = fmt
        self.indexes = {}
        self.created_by_name = {}  # (model, name key) → pk of a record this import created for a name
        self.matched_names = set()  # name keys of the people names already in report.matched_people
        self.created_pks = set()  # people this import created (by a row or by name): not matches
        self.pending_relations = []  # (row, created?, source pk, ((type pk, record id, note), ...))
        self.touched = set()  # pks of documents written (or whose people or terms were renamed)
        self.entity_rows_seen = {}  # (model, pk) → the row that describes it
        self.records = []  # ImportedRecords not yet written
        self.old_slugs = {}  # model → slugs its records used to have
        self.pending_links = defaultdict(list)  # model → link rows to insert at the end of the chunk
        self.relation_ends = set()  # pks of documents that gained or lost a relation (history records them)
        self.rows_done = 0

    # -- reading ----------------------------------------------------------------------------

    def _rows(self):
        with self.opener() as binary:
            yield from read_rows(binary, self.fmt)

    def _scan(self):
        """The first pass: each document row's record ID, and the other rows, kept to apply first."""
        self.record_rows, self.entity_rows, self.total_rows = {}, [], 0
        for raw in self._rows():
            self.total_rows += 1
            kind = row_kind(raw.cells)
            if kind == DOCUMENT:
                try:
                    record_id = _int_value(raw.cells.get("record_id"))
                except ValueError:
                    continue
                if record_id is not None:
                    self.record_rows.setdefault(record_id, raw.number)
            else:
                self.entity_rows.append(raw)

    # -- permissions ------------------------------------------------------------------------

    def _user(self):
        """Who is recorded as having saved what the import writes (None: the system)."""
        return self.user if self.user is not None and self.user.pk else None

    def _may(self, action, model):
        return self.user is None or self.user.has_perm(f"documents.{action}_{model_name(model)}")

    # -- the run ----------------------------------------------------------------------------

    def run(self):
        report = self.report
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
                    self.batch = ImportBatch.objects.create(
                        user=self._user(),
                        file_name=(report.file_name or "")[:255],
                        file_format=self.fmt,
                    )
                    for raw in self.entity_rows:
                        self._entity_row(raw)
                    self._document_rows()
                    self._flush_records()
                    self._apply_relations()
                    if not report.has_errors:
                        self._finish_batch()
                if report.has_errors or self.dry_run:
                    transaction.set_rollback(True)
                else:
                    self._record_history()
                    enqueue(sorted(self.touched))
                    report.committed, report.batch = True, self.batch
        except _Abort as error:
            report.file_errors.append(str(error))
        except FileFormatError as error:
            report.file_errors.append(str(error))
        return report

    def _write(self, result, write):
        """Run write(). A refusal by the database stops the import, and the transaction is rolled
        back whole, so no savepoint per row is needed."""
        try:
            return write()
        except (DatabaseError, ValidationError) as error:
            raise _Abort(
                f"Row {result.row}: the database refused it ({error}). Nothing was imported; "
                "please report this with the file."
            ) from error

    def _tick(self):
        self.rows_done += 1
        if self.progress and (self.rows_done % 1000 == 0 or self.rows_done == self.total_rows):
            self.progress(self.rows_done, self.total_rows)

    def _index(self, model):
        if model not in self.indexes:
            self.indexes[model] = NameIndex(model)
        return self.indexes[model]

    def _record(self, result, obj, action, before=None, label=None):
        """Note what the batch did to obj; written CHUNK at a time (see _flush_records)."""
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
            self._flush_records()

    def _flush_records(self):
        ImportedRecord.objects.bulk_create(self.records)
        self.records = []

    # -- people, donors, collections and terms ----------------------------------------------

    def _entity_row(self, raw):
        kind = row_kind(raw.cells)
        label = str(raw.cells.get("name") or raw.cells.get("code") or "")[:300]
        result = RowResult(raw.number, kind if kind in KINDS else str(kind), label, "error")
        self._tick()
        if kind not in KINDS:
            result.errors.append(("kind", f"“{kind}” is not a kind of row: use one of {', '.join(KINDS)}"))
            return self.report.add(result)
        values, errors = parse_row(kind, raw.cells)
        result.errors += errors
        model = ENTITY_MODELS[kind]
        obj = self._find_entity(kind, values, result)
        if obj is not None:
            first = self.entity_rows_seen.setdefault((model, obj.pk), raw.number)
            if first != raw.number:
                result.errors.append(("", f"row {first} describes the same {model._meta.verbose_name}: one row each"))
        if result.errors:
            return self.report.add(result)
        current = entity_state(kind, obj) if obj else None
        desired = self._entity_desired(kind, values, obj, result)
        if result.errors:
            return self.report.add(result)
        changed = [name for name, value in desired.items() if current is None or current.get(name) != value]
        if obj is not None and not changed:
            result.status = "unchanged"
            return self.report.add(result)
        action = "add" if obj is None else "change"
        if not self._may(action, model):
            result.errors.append(("", f"you do not have permission to {action} {model._meta.verbose_name_plural}"))
            return self.report.add(result)

        def write():
            target = obj or model()
            for name in ENTITY_FIELDS[kind]:
                if name in desired:
                    setattr(target, name, desired[name])
            if kind in PEOPLE:
                target.kind = kind
            if _has_field(model, "modified_by"):
                target.modified_by = self._user()
            target.save()
            if "aliases" in desired:
                PersonAlias.objects.filter(person=target).delete()
                PersonAlias.objects.bulk_create(
                    PersonAlias(person=target, name=name, kind=alias_kind) for name, alias_kind in desired["aliases"]
                )
            return target

        saved = self._write(result, write)
        self.entity_rows_seen.setdefault((model, saved.pk), raw.number)
        if obj is None and model is Person:
            self.created_pks.add(saved.pk)
        self._index(model).put(saved, aliases=[a for a, _ in desired["aliases"]] if "aliases" in desired else None)
        if obj is not None and {"name", "aliases"} & set(changed):
            self.touched |= set(_documents_naming(saved))  # their search entries hold the names
        result.label = saved.name
        result.status = "created" if obj is None else "updated"
        result.changed = [] if obj is None else changed
        before = None if obj is None else {name: current[name] for name in changed}
        self._record(result, saved, result.status, before, label=f"{kind} {saved.name}")
        self.report.add(result)

    def _find_entity(self, kind, values, result):
        """The record an entity row describes: by code (languages), by slug, else by name; None if new."""
        model = ENTITY_MODELS[kind]
        index = self._index(model)
        if kind == LANGUAGE:
            code = values.get("code", "").lower()
            if not code:
                result.errors.append(("code", "required: languages are matched by their ISO 639 code"))
                return None
            pk = index.get_key(code)
            return model.objects.get(pk=pk) if pk else None
        slug = values.get("slug", "")
        if slug:
            pk = index.get_key(slug)
            if pk:
                return model.objects.get(pk=pk)
            if kind not in (*TERMS, RELATION_TYPE):
                return None  # another record may share the name: the slug says this is a new one
        name = values.get("name", "")
        if not name:
            result.errors.append(("name", "required"))
            return None
        found = index.match(name)
        if len(found) > 1:
            slugs = ", ".join(index.name_of(pk)[1] for pk, _ in found)
            result.errors.append(("name", f"{len(found)} records are called “{name}” ({slugs}): give the slug"))
            return None
        if found and found[0][1] != index.BY_NAME:
            # Another person's name without accents, sort name or alias: which one is meant, and
            # whether the row renames them, only a slug says.
            pk, how = found[0]
            other, slug = index.name_of(pk)
            result.errors.append(
                (
                    "name",
                    f"“{name}” is the {how} of {other} <{slug}>: give slug {slug} to change that person, "
                    "or a new slug to add another",
                )
            )
            return None
        return model.objects.get(pk=found[0][0]) if found else None

    def _entity_desired(self, kind, values, obj, result):
        """The entity's state as the row wants it (only the columns the row has), checked."""
        model = ENTITY_MODELS[kind]
        desired = {name: values[name] for name in ENTITY_FIELDS[kind] if name in values}
        if "code" in desired:
            desired["code"] = desired["code"].lower()
        name = desired.get("name", obj.name if obj else "")
        if not name and "name" not in desired:
            result.errors.append(("name", "required"))
        if "slug" in desired and not desired["slug"]:
            del desired["slug"]  # empty: keep the slug, or make one from the name
        # An empty cell (or, for a new record, no column) means the usual default, worked out from the name.
        defaults = {
            "sort_name": name,
            "acknowledgement": default_acknowledgement(name),
            "inverse_name": name,
        }
        for column, default in defaults.items():
            if column in ENTITY_FIELDS[kind] and (column in values or obj is None):
                desired[column] = values.get(column) or default
        if kind in PEOPLE:
            desired["kind"] = kind
            if "aliases" in values:
                desired["aliases"] = self._aliases(values["aliases"], result)
        # The model's own checks: lengths, slugs, Wikidata and VIAF formats, URLs.
        probe = model(**{field_: desired[field_] for field_ in ENTITY_FIELDS[kind] if field_ in desired})
        if "name" not in desired:
            probe.name = name
        try:
            probe.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in desired or f.name == "id"])
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                result.errors += [(field_name, message) for message in messages]
        slug = desired.get("slug")
        if slug:
            other = self._index(model).get_key(slug)
            if other and (obj is None or other != obj.pk):
                result.errors.append(("slug", f"“{slug}” is another {model._meta.verbose_name}'s slug"))
        # Terms' and people's names are unique whatever the case (people: Person.name_key).
        unique_names = kind in (*TERMS, RELATION_TYPE, LANGUAGE, *PEOPLE) and "name" in desired
        index = self._index(model)
        namesakes = [pk for pk, how in index.match(name) if how == index.BY_NAME and (obj is None or pk != obj.pk)]
        if unique_names and namesakes:
            other, slug = index.name_of(namesakes[0])
            result.errors.append(("name", f"another {model._meta.verbose_name} is called “{other}” <{slug}>"))
        if kind in PEOPLE:
            born = desired.get("birth_year", obj.birth_year if obj else None)
            died = desired.get("death_year", obj.death_year if obj else None)
            if born is not None and died is not None and born > died:
                result.errors.append(("death_year", "is before the year of birth"))
        return desired

    def _aliases(self, items, result):
        aliases, seen = [], set()
        for item in items:
            match = ALIAS.match(item)
            alias_name, kind = (match["name"].strip(), match["kind"].lower()) if match else (item, "other")
            if len(alias_name) > 255:
                result.errors.append(("aliases", f"“{alias_name[:40]}…” is longer than 255 characters"))
            elif name_key(alias_name) not in seen:
                seen.add(name_key(alias_name))
                aliases.append([alias_name, kind])
        return sorted(aliases)

    # -- documents --------------------------------------------------------------------------

    def _document_rows(self):
        rows = (raw for raw in self._rows() if row_kind(raw.cells) == DOCUMENT)
        while chunk := list(islice(rows, CHUNK)):
            self._document_chunk(chunk)

    def _document_chunk(self, chunk):
        parsed = []
        record_ids, targets = set(), set()
        for raw in chunk:
            values, errors = parse_row(DOCUMENT, raw.cells)
            parsed.append((raw, values, errors))
            if values.get("record_id") is not None:
                record_ids.add(values["record_id"])
            for item in values.get("related", []):
                match = RELATED.match(item)
                if match and int(match["record_id"]) not in self.record_rows:
                    targets.add(int(match["record_id"]))
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
        self.known_record_ids = set(
            Document.objects.filter(record_id__in=targets).values_list("record_id", flat=True).order_by()
        )
        for raw, values, errors in parsed:
            document = documents.get(values.get("record_id"))
            self._document_row(raw, values, errors, document, states.get(document.pk) if document else None)
            self._tick()
        try:
            insert_rows(self.pending_links)
        except DatabaseError as error:
            raise _Abort(
                f"Rows {chunk[0].number}–{chunk[-1].number}: the database refused their links ({error})."
            ) from error

    def _document_row(self, raw, values, errors, document, current):
        record_id = values.get("record_id")
        title = values.get("title") or (document.title if document else "")
        result = RowResult(raw.number, DOCUMENT, document_label(record_id or "?", title), "error", errors=list(errors))
        if record_id is None:
            if "record_id" not in dict(result.errors):
                result.errors.append(("record_id", "required: documents are matched by their record ID"))
            return self.report.add(result)
        if not 1 <= record_id <= MAX_RECORD_ID:
            result.errors.append(("record_id", "must be a positive whole number"))
            return self.report.add(result)
        first = self.record_rows.get(record_id)
        if first is not None and first != raw.number:
            result.errors.append(("record_id", f"{record_id} is also on row {first}: one row per document"))
            return self.report.add(result)
        if document is None and record_id in self.gone_record_ids:
            result.errors.append(("record_id", gone_record_id_message(record_id)))
            return self.report.add(result)
        desired = self._document_desired(values, document, record_id, result)
        if result.errors:
            return self.report.add(result)

        changed = [column for column in desired if current is None or not self._same(column, desired, current)]
        if document is not None and not changed:
            result.status = "unchanged"
            return self.report.add(result)
        if document is None and not self._may("add", Document):
            result.errors.append(("", "you do not have permission to add documents"))
        if document is not None and not self._may("change", Document):
            result.errors.append(("", "you do not have permission to change documents"))
        old_status = current["status"] if current else Document.Status.DRAFT
        new_status = desired.get("status", old_status)
        if new_status != old_status and not (self.user is None or roles.can_publish(self.user)):
            verb = "publish" if new_status == Document.Status.PUBLISHED else "unpublish"
            result.errors.append(
                ("status", f"you do not have permission to {verb} documents: only editors may (leave status as it is)")
            )
        if result.errors:
            return self.report.add(result)

        def write():
            values_ = {column: self._created(desired[column], result) for column in desired}
            target = document or Document(record_id=record_id)
            set_document_fields(target, values_ if document is None else {c: values_[c] for c in changed})
            target.modified_by = self._user()
            target.save()
            write_document_links(
                target,
                values_ if document is None else {c: values_[c] for c in changed},
                created=document is None,
                pending=self.pending_links,
            )
            return target, values_

        saved, resolved = self._write(result, write)
        self.touched.add(saved.pk)
        result.label = document_label(record_id, saved.title)
        result.status = "created" if document is None else "updated"
        if "related" in changed:
            # Tuples of numbers, not the row's result: this list is the import's only memory per row.
            wanted = tuple(tuple(relation) for relation in resolved["related"])
            self.pending_relations.append((result.row, result.status == "created", saved.pk, wanted))
        result.changed = [] if document is None else changed
        before = None if document is None else {column: current[column] for column in changed}
        self._record(result, saved, result.status, before, label=result.label)
        self.report.add(result)

    def _same(self, column, desired, current):
        value = desired[column]
        if column == "related":
            return self._same_relations(value, current)
        if _holds_new(value):
            return False
        if column == "slug" and value == "":
            return True
        if BY_NAME[column].type == TEXT:
            return normalise_newlines(current[column]) == value
        return current[column] == value

    def _same_relations(self, wanted, current):
        have = {(type_id, record_id): note for type_id, record_id, note in current["related"]}
        want = {(type_id, record_id): note for type_id, record_id, note in wanted}
        if have == want:
            return True
        # A symmetric link entered from the other document counts as this one (see _apply_relations).
        missing = {key: note for key, note in want.items() if key not in have}
        if any(key not in want or want[key] != note for key, note in have.items()) or not missing:
            return False
        source = Document.objects.filter(record_id=current["record_id"]).values_list("pk", flat=True).first()
        reverse = Relation.objects.filter(
            target_id=source, source__record_id__in=[record_id for _, record_id in missing]
        ).values_list("type_id", "source__record_id", "note")
        found = {(type_id, record_id): note for type_id, record_id, note in reverse if self._symmetric(type_id)}
        return all(found.get(key) == note for key, note in missing.items())

    def _symmetric(self, type_id):
        if not hasattr(self, "_symmetric_types"):
            self._symmetric_types = {
                pk
                for pk, name, inverse in RelationType.objects.values_list("pk", "name", "inverse_name")
                if name == inverse
            }
        return type_id in self._symmetric_types

    def _document_desired(self, values, document, record_id, result):
        """The document as the row wants it: a state value for each column the row has, checked."""
        desired = {}
        for column, value in values.items():
            if column == "record_id":
                continue
            try:
                desired[column] = self._document_value(column, value, record_id)
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

    def _document_value(self, column, value, record_id):
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
            return self._term(FOREIGN_KEYS[column][1], value) if value else None
        if column == "languages":
            return sorted({self._language(item) for item in value}, key=_sort_key)
        if column in ("archives", "subjects", "places"):
            return _unique(self._term(M2M_MODELS[column], item) for item in value)
        if column in ("donors", "collections"):
            return _unique(self._reference(M2M_MODELS[column], item) for item in value)
        if column in ROLE_COLUMNS:
            people = []
            for item in value:
                person = self._reference(Person, item, self.record_rows.get(record_id))
                if person not in people:
                    people.append(person)
            return people
        if column == "related":
            return self._related(value, record_id)
        return value  # plain text, a bool, a list of titles

    def _term(self, model, name):
        if len(name) > 255:
            raise ValueError(f"“{name[:40]}…” is longer than 255 characters")
        found = self._index(model).find(name)
        return found[0] if found else self._new(model, name)

    def _language(self, item):
        index = self._index(Language)
        pk = index.get_key(item.lower())
        if pk is None:
            found = index.find(item)
            pk = found[0] if len(found) == 1 else None
        if pk is None:
            raise ValueError(f"“{item}” is not a language of the archive: use its ISO code, or add a language row")
        return pk

    def _reference(self, model, item, row=None):
        """A person, donor or collection named in a list cell: "Name" or "Name <slug>". A person is
        found by name, else by name without accents, sort name or alias (NameIndex.match); the
        report notes whom each name was taken for."""
        match = REFERENCE.match(item)
        index = self._index(model)
        noun = model._meta.verbose_name
        if match:
            pk = index.get_key(match["slug"])
            if pk is None:
                raise ValueError(f"no {noun} has the slug “{match['slug']}”")
            return pk
        if len(item) > 255:
            raise ValueError(f"“{item[:40]}…” is longer than 255 characters")
        found = index.match(item)
        if len(found) > 1:
            listed = "; ".join(f"{index.name_of(pk)[0]} by {how}" for pk, how in found)
            slugs = ", ".join(index.name_of(pk)[1] for pk, _ in found)
            raise ValueError(
                f"{len(found)} {model._meta.verbose_name_plural} go by “{item}” ({listed}): "
                f"write “{item} <slug>”, with one of {slugs}"
            )
        if not found:
            return self._new(model, item)
        pk, how = found[0]
        if model is Person and name_key(item) not in self.matched_names and pk not in self.created_pks:
            self.matched_names.add(name_key(item))
            name, slug = index.name_of(pk)
            self.report.matched_people.append((item, f"{name} <{slug}>", how, row))
        return pk

    def _new(self, model, name):
        pk = self.created_by_name.get((model, name_key(name)))
        if pk is not None:
            return pk
        if not self._may("add", model):
            raise ValueError(f"“{name}” is a new {model._meta.verbose_name}, and you do not have permission to add one")
        return New(model, name)

    def _free_slug(self, model, name):
        """The slug SluggedModel.save would choose (unique_slug), from the index instead of a query per record."""
        if model not in self.old_slugs:
            self.old_slugs[model] = set(OldSlug.objects.for_model(model).values_list("slug", flat=True))
        index = self._index(model)
        base = slug_for(name) or model._meta.model_name
        slug, n = base, 2
        while index.get_key(slug) is not None or slug in self.old_slugs[model]:
            slug = f"{base}-{n}"
            n += 1
        return slug

    def _created(self, value, result):
        """value with each New replaced by the primary key of the record it makes (made once per name)."""
        if isinstance(value, New):
            key = (value.model, name_key(value.name))
            if key not in self.created_by_name:
                obj = value.model(name=value.name, slug=self._free_slug(value.model, value.name))
                if _has_field(value.model, "modified_by"):
                    obj.modified_by = self._user()
                obj.save()
                self.created_by_name[key] = obj.pk
                if value.model is Person:
                    self.created_pks.add(obj.pk)
                self._index(value.model).put(obj, aliases=[] if value.model is Person else None)
                kind = entity_kind(obj)
                self._record(result, obj, "created", label=f"{kind} {obj.name}")
                self.report.new_records.append((kind, obj.name, result.row))
            return self.created_by_name[key]
        if isinstance(value, list):
            return [self._created(item, result) for item in value]
        return value

    def _related(self, items, source_record_id):
        wanted, seen = [], set()
        for item in items:
            match = RELATED.match(item)
            if not match:
                raise ValueError(f"“{item}” is not a relation: write TYPE:RECORD_ID, e.g. reply:121773")
            slug, record_id, note = match["type"] or "related", int(match["record_id"]), (match["note"] or "").strip()
            type_id = self._index(RelationType).get_key(slug)
            if type_id is None:
                found = self._index(RelationType).find(slug)
                type_id = found[0] if found else None
            if type_id is None:
                raise ValueError(f"“{slug}” is not a relation type: use the slug of one (e.g. related, reply)")
            if record_id not in self.record_rows and record_id not in self.known_record_ids:
                raise ValueError(f"record {record_id} is neither in the file nor in the archive")
            if record_id == source_record_id:
                raise ValueError("a document cannot be related to itself")
            if len(note) > 500:
                raise ValueError("a relation's note is longer than 500 characters")
            if (type_id, record_id) not in seen:
                seen.add((type_id, record_id))
                wanted.append([type_id, record_id, note])
        return sorted(wanted)

    # -- relations, once every document of the file exists ----------------------------------

    def _apply_relations(self):
        if not self.pending_relations or self.report.has_errors:
            return  # nothing to write, or nothing will be kept
        # Remove first, then add: a link may move from one document of the file to another.
        for start in range(0, len(self.pending_relations), CHUNK):
            chunk = self.pending_relations[start : start + CHUNK]
            removed = Relation.objects.filter(source_id__in=[source for *_, source, _ in chunk])
            self.relation_ends |= set(removed.values_list("target_id", flat=True).order_by())
            removed.delete()
        linked = set()  # (lower pk, higher pk, type pk) written by this import
        for start in range(0, len(self.pending_relations), CHUNK):
            chunk = self.pending_relations[start : start + CHUNK]
            record_ids = {record_id for *_, wanted in chunk for _, record_id, _ in wanted}
            pks = dict(Document.objects.filter(record_id__in=record_ids).values_list("record_id", "pk").order_by())
            sources = [source for *_, source, _ in chunk]
            reverse = {
                (source, target, type_id)
                for source, target, type_id in Relation.objects.filter(target_id__in=sources)
                .values_list("source_id", "target_id", "type_id")
                .order_by()
            }
            relations = []
            for row, created, source, wanted in chunk:
                for type_id, record_id, note in wanted:
                    target = pks.get(record_id)
                    if target is None:  # its row failed: the import will not be kept anyway
                        continue
                    pair = (min(source, target), max(source, target), type_id)
                    if (target, source, type_id) in reverse or pair in linked:
                        if self._symmetric(type_id):
                            continue  # the same link, entered from the other document
                        wording = RelationType.objects.get(pk=type_id).name
                        label = document_label(*Document.objects.values_list("record_id", "title").get(pk=source))
                        self.report.fail(
                            row,
                            "created" if created else "updated",
                            label,
                            "related",
                            f"record {record_id} already has “{wording}” to this document: one link per type and pair",
                        )
                        continue
                    linked.add(pair)
                    self.relation_ends.add(target)
                    relations.append(Relation(source_id=source, target_id=target, type_id=type_id, note=note))
            Relation.objects.bulk_create(relations)

    # -- the batch ---------------------------------------------------------------------------

    def _record_history(self):
        """A version of every record the import wrote, by whoever imported, naming the batch: the
        documents it created or changed, those at the other end of a relation it added or removed,
        and the people, donors and collections it created or changed."""
        comment = f"Imported from {self.report.file_name or 'a file'} (batch {self.batch.pk})."
        records = ImportedRecord.objects.filter(batch=self.batch).order_by()
        documents = set(records.filter(model="document").values_list("object_id", flat=True))
        others = _record_objects(records.exclude(model="document").values_list("model", "object_id"))
        record_versions(self._user(), comment, documents | self.relation_ends, others)

    def _finish_batch(self):
        """Fingerprint every record as the import leaves it (for undo), and count."""
        records = ImportedRecord.objects.filter(batch=self.batch)
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
        self.batch.created_count = report.counts["created"]
        self.batch.updated_count = report.counts["updated"]
        self.batch.unchanged_count = report.counts["unchanged"]
        self.batch.other_count = len(others)
        self.batch.save()


def _has_field(model, name):
    return any(field_.name == name for field_ in model._meta.fields)


def _holds_new(value):
    return isinstance(value, New) or (isinstance(value, list) and any(isinstance(item, New) for item in value))


def _sort_key(value):
    return (isinstance(value, New), value.name if isinstance(value, New) else value)


def _unique(values):
    """The values without repeats, in a fixed order (primary keys sorted, then new names)."""
    found = []
    for value in values:
        if value not in found:
            found.append(value)
    return sorted(found, key=_sort_key)


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


def _record_objects(keys):
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


def can_import(user):
    """Importing adds and changes documents: curators and editors may (publishing needs more, per row)."""
    return user is not None and user.has_perm("documents.add_document") and user.has_perm("documents.change_document")


# ---------------------------------------------------------------------------------------------
# Undo
# ---------------------------------------------------------------------------------------------


class UndoRefused(Exception):
    """The batch cannot be undone; ``problems`` says why, one line per record."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(problems))


def can_undo(user):
    """Undo deletes the documents an import created, published ones too: editors only."""
    return user is None or (roles.can_publish(user) and user.has_perm("documents.delete_document"))


def undo_problems(batch):
    """Why the batch cannot be undone now (an empty list if it can): each record it wrote that
    someone has changed or deleted since."""
    if batch.status == ImportBatch.Status.UNDONE:
        return ["This import has already been undone."]
    problems = []
    records = batch.records.order_by("pk")
    last = 0
    document_records = records.filter(model="document")
    while chunk := list(document_records.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1].pk
        documents = {
            d.pk: d for d in Document.objects.filter(pk__in=[r.object_id for r in chunk]).select_related("modified_by")
        }
        states = document_states(documents.values(), fingerprint=True)
        for record in chunk:
            document = documents.get(record.object_id)
            if document is None:
                problems.append(f"Document {record.label} has been deleted since the import.")
            elif fingerprint(states[document.pk]) != record.after:
                who = f" by {document.modified_by}" if document.modified_by else ""
                when = timezone.localtime(document.modified_at).strftime("%Y-%m-%d %H:%M")
                problems.append(
                    f"Document {document_label(document.record_id, document.title)} has been changed since "
                    f"the import (last saved {when}{who})."
                )
    others = list(records.exclude(model="document"))
    states = entity_states([(record.model, record.object_id) for record in others])
    for record in others:
        state = states.get((record.model, record.object_id))
        if state is None:
            problems.append(f"The {record.label} has been deleted since the import.")
        elif fingerprint(state) != record.after:
            problems.append(f"The {record.label} has been changed since the import.")
    return problems


def undo_batch(batch, user=None):
    """Put back what the batch changed, delete what it created, in one transaction; return the batch.

    Refused (UndoRefused, nothing changed) if anything it wrote has been changed since, and
    PermissionDenied unless the user may undo. History records it all, by user, as "Undid import
    batch N.": the deleted records as they were (so that "recover deleted" finds them), then the
    restored ones, and the documents that lost or regained a relation with them."""
    if not can_undo(user):
        raise PermissionDenied("Only editors may undo an import.")
    if reversion.is_active():
        raise RevisionManagementError("Undoing an import records its own history: run it outside an open revision.")
    touched = []
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        problems = undo_problems(batch)
        if problems:
            raise UndoRefused(problems)
        recorder = user if user and user.pk else None
        comment = f"Undid import batch {batch.pk} ({batch.file_name})."
        relation_ends = set()  # documents whose relations the undo changes
        restored_documents = []
        with suspended():
            records = batch.records.order_by("pk")
            updated = records.filter(model="document", action=ImportedRecord.Action.UPDATED)
            relations = []  # (document, its relations before): written once all are removed
            for record in updated.iterator(chunk_size=CHUNK):
                document = Document.objects.get(pk=record.object_id)
                _restore_document(document, record.before, user)
                touched.append(document.pk)
                restored_documents.append(document.pk)
                if "related" in record.before:
                    relation_ends |= _relation_ends([document.pk])
                    Relation.objects.filter(source=document).delete()
                    relations.append((document, record.before["related"]))
            # Only now: a relation the import turned round would otherwise meet itself the other way.
            for document, before in relations:
                _restore_relations(document, before)
            relation_ends |= _relation_ends([document.pk for document, _ in relations])
            created = list(
                records.filter(model="document", action=ImportedRecord.Action.CREATED).values_list(
                    "object_id", flat=True
                )
            )
            # Their last version, with their relations to one another: what "recover deleted" restores.
            relation_ends |= _relation_ends(created)
            record_versions(recorder, comment, created)
            for start in range(0, len(created), CHUNK):
                Document.objects.filter(pk__in=created[start : start + CHUNK]).delete()
            touched += created
            others = list(records.exclude(model="document"))
            restored = []
            for record in others:
                if record.action == ImportedRecord.Action.UPDATED:
                    obj = MODELS_BY_NAME[record.model].objects.get(pk=record.object_id)
                    _restore_entity(obj, record.before)
                    restored.append(obj)
                    touched += _documents_naming(obj)
            problems, deleting = [], []
            for record in others:
                if record.action == ImportedRecord.Action.CREATED:
                    obj = MODELS_BY_NAME[record.model].objects.get(pk=record.object_id)
                    reason = _delete_guard(obj)
                    if reason:
                        problems.append(f"The {record.label} cannot be deleted: {reason}.")
                    else:
                        deleting.append(obj)
            if problems:
                raise UndoRefused(problems)
            record_versions(recorder, comment, others=_record_objects((model_name(type(o)), o.pk) for o in deleting))
            for obj in deleting:
                obj.delete()
            batch.status = ImportBatch.Status.UNDONE
            batch.undone_at = timezone.now()
            batch.undone_by = recorder
            batch.save()
        others = _record_objects((model_name(type(obj)), obj.pk) for obj in restored)
        record_versions(recorder, comment, set(restored_documents) | relation_ends, others)
        enqueue(touched)
    return batch


def _restore_document(document, before, user):
    """The document's fields and links (not its relations) as they were before the import."""
    set_document_fields(document, before)
    document.modified_by = user if user and user.pk else None
    document.save()
    write_document_links(document, before)


def _restore_relations(document, related):
    pks = dict(
        Document.objects.filter(record_id__in=[record_id for _, record_id, _ in related])
        .values_list("record_id", "pk")
        .order_by()
    )
    Relation.objects.bulk_create(
        Relation(source=document, target_id=pks[record_id], type_id=type_id, note=note)
        for type_id, record_id, note in related
        if record_id in pks
    )


def _restore_entity(obj, before):
    for name, value in before.items():
        if name == "aliases":
            PersonAlias.objects.filter(person=obj).delete()
            PersonAlias.objects.bulk_create(PersonAlias(person=obj, name=alias, kind=kind) for alias, kind in value)
        else:
            setattr(obj, name, value)
    obj.save()


__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "KINDS",
    "FileFormatError",
    "ImportReport",
    "UndoRefused",
    "can_import",
    "can_undo",
    "import_file",
    "undo_batch",
    "undo_problems",
]
