"""A document as the search index holds it: its words by field, its values, its sort keys.

Read for the index in plain rows, a few queries per batch of documents whatever their people and
terms, no model instances: a rebuild reads a million documents. Every path (the outbox, a rebuild,
the check) reads through load(), so what they make cannot differ."""

import hashlib
import json
from dataclasses import dataclass, field
from typing import NamedTuple

import tantivy

from ..dates import format_partial_date
from ..models import Document, DocumentPerson, PersonAlias
from .schema import INTEGER_FIELDS, ROLES, STEMMED, STEMS, TEXT, fold_marks, sort_keys, title_order

DOCUMENT_COLUMNS = (
    "id",
    "record_id",
    "status",
    "slug",
    "title",
    "alternative_titles",
    "summary",
    "text",
    "transcript",
    "source",
    "doc_type_id",
    "doc_type__name",
    "doc_type__slug",
    "classification_id",
    "classification__name",
    "date",
    "date_end",
    "date_precision",
    "date_circa",
    "first_published_at",
)
# The index field holding each many-to-many's ids, if one does: the others only lend their names.
MANY = {
    "languages": "language",
    "donors": "donor",
    "collections": "collection",
    "subjects": None,
    "places": None,
    "archives": None,
}


class Named(NamedTuple):
    """A person in a role in a document."""

    id: int
    role: str
    name: str
    slug: str
    kind: str


@dataclass
class Entry:
    """What the index needs of one document, as read by load()."""

    id: int
    record_id: int
    status: str
    slug: str
    title: str
    alternative_titles: str
    summary: str
    text: str
    transcript: str
    source: str
    doc_type_id: int | None
    doc_type__name: str | None
    doc_type__slug: str | None
    classification_id: int | None
    classification__name: str | None
    date: object
    date_end: object
    date_precision: str
    date_circa: bool
    first_published_at: object
    terms: dict = field(default_factory=dict)  # many-to-many name → [(id, name, slug or code)], in name order
    people: list = field(default_factory=list)  # [Named] in the document's order
    aliases: dict = field(default_factory=dict)  # person id → [alias names]

    @property
    def pk(self):
        return self.id

    @property
    def is_published(self):
        return self.status == Document.Status.PUBLISHED


def load(ids):
    """The Entry of each document among ids that exists, in id order."""
    ids = sorted(set(ids))
    entries = {
        row[0]: Entry(*row) for row in Document.objects.filter(pk__in=ids).order_by("pk").values_list(*DOCUMENT_COLUMNS)
    }
    if not entries:
        return []
    for name in MANY:
        related = Document._meta.get_field(name)
        target = related.m2m_reverse_field_name()
        key = "code" if name == "languages" else "slug"
        links = (
            related.remote_field.through.objects.filter(document_id__in=list(entries))
            .order_by("document_id", f"{target}__name", f"{target}_id")
            .values_list("document_id", f"{target}_id", f"{target}__name", f"{target}__{key}")
        )
        for document_id, *term in links:
            entries[document_id].terms.setdefault(name, []).append(tuple(term))
    people = (
        DocumentPerson.objects.filter(document_id__in=list(entries))
        .order_by("document_id", "order", "pk")
        .values_list("document_id", "person_id", "role", "person__name", "person__slug", "person__kind")
    )
    named = set()
    for document_id, *person in people:
        entries[document_id].people.append(Named(*person))
        named.add(person[0])
    aliases = {}
    for person_id, name in (
        PersonAlias.objects.filter(person_id__in=named)
        .order_by("person_id", "name", "pk")
        .values_list("person_id", "name")
    ):
        aliases.setdefault(person_id, []).append(name)
    for entry in entries.values():
        entry.aliases = {person.id: aliases.get(person.id, []) for person in entry.people}
    return list(entries.values())


def index_text(entry):
    """The document's searchable text, by field (schema.TEXT_FIELDS)."""
    names = [person.name for person in entry.people]
    aliases = [alias for person_id in dict.fromkeys(p.id for p in entry.people) for alias in entry.aliases[person_id]]
    meta = [entry.source, entry.doc_type__name, entry.classification__name]
    for name in MANY:
        meta.extend(term_name for _, term_name, _ in entry.terms.get(name, []))
    return {
        "title": f"{entry.title} {entry.record_id} {entry.alternative_titles}".strip(),
        "summary": entry.summary,
        "people": " ; ".join(dict.fromkeys(names)),
        "aliases": " ; ".join(dict.fromkeys(aliases)),
        "body": f"{entry.text}\n{entry.transcript}".strip(),
        "meta": " ; ".join(part for part in meta if part),
    }


def index_fields(entry):
    """{field: [values]}: what the index holds for the document."""
    fields = {"id": [entry.id], "record_id": [entry.record_id], "published": [int(entry.is_published)]}
    for name, text in index_text(entry).items():
        fields[name] = [fold_marks(text)]
        if name in STEMMED:
            fields[f"{name}_{STEMS}"] = fields[name]
    for name, value in (("type", entry.doc_type_id), ("classification", entry.classification_id)):
        fields[name] = [] if value is None else [value]
    for name, index_field in MANY.items():
        if index_field:
            fields[index_field] = sorted({term_id for term_id, _, _ in entry.terms.get(name, [])})
    fields["person"] = sorted({person.id for person in entry.people})
    for role in ROLES:
        fields[role] = sorted({person.id for person in entry.people if person.role == role})
    if entry.date is not None:
        fields["date"] = [entry.date.toordinal()]
        fields["date_end"] = [entry.date_end.toordinal()]
        fields["year"] = [entry.date.year]
    fields.update((name, [value]) for name, value in sort_keys(entry).items())
    fields["title_order"] = [title_order(entry)]
    fields["card"] = [json.dumps(card(entry), ensure_ascii=False, separators=(",", ":"))]
    fields["fingerprint"] = [fingerprint(fields)]
    return fields


def card(entry):
    """What a document's card in a list shows (cards.py), on the site and in the API's lists, kept in
    the index so that a list reads no document row."""
    return {
        "record_id": entry.record_id,
        "slug": entry.slug,
        "title": entry.title,
        "published": entry.is_published,
        "date": entry.date.isoformat() if entry.date else None,
        "date_end": entry.date_end.isoformat() if entry.date_end else None,
        "date_precision": entry.date_precision,
        "date_circa": entry.date_circa,
        "date_shown": format_partial_date(entry.date, entry.date_precision, entry.date_circa),
        "type": [entry.doc_type__slug, entry.doc_type__name] if entry.doc_type_id else None,
        "authors": [
            [person.slug, person.name, person.kind]
            for person in entry.people
            if person.role == DocumentPerson.Role.AUTHOR
        ],
        "languages": [[code, name] for _, name, code in entry.terms.get("languages", [])],
        "summary": entry.summary,
        # Each alias of the document's people, with whose it is: a card found through one says so.
        "aliases": [
            [alias, person.slug, person.name, person.kind]
            for person in {person.id: person for person in entry.people}.values()
            for alias in entry.aliases[person.id]
        ],
    }


def fingerprint(fields):
    """A number that changes whenever anything the index holds for the document does: `search_index
    check` compares the index's with the database's."""
    text = "\x1e".join(f"{name}\x1f{chr(31).join(map(str, fields[name]))}" for name in sorted(fields))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def index_document(entry):
    """The engine's document for an Entry."""
    document = tantivy.Document()
    for name, values in index_fields(entry).items():
        if name == "card":
            document.add_bytes(name, values[0].encode())
            continue
        add = (
            document.add_integer
            if name in INTEGER_FIELDS
            else document.add_text
            if name in TEXT
            else document.add_unsigned
        )
        for value in values:
            add(name, value)
    return document
