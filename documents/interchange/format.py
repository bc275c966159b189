"""The row format of docs/import-format.md, defined once: the kinds of row, the columns (each one's
name, type and the kinds of row that use it), how list cells name records, and the escaping that
keeps a cell from running as a formula in a spreadsheet. The import reads it (readers.py) and the
export writes it (exporter.py); neither defines a column of its own."""

import re
from typing import NamedTuple

from ..dates import DatePrecision
from ..models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Place,
    RelationType,
    Subject,
)
from ..text import normalize_text

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


def default_acknowledgement(name):
    return f"This document was made possible with support from {name}"


class FileFormatError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""
