"""Loads the demo archive (documents/demo/archive.json): the seed record and its neighbours.

Only what is missing is created; rows that exist are left as they are, so loading
twice changes nothing and never overwrites a curator's edits."""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from .dates import DatePrecision, parse_partial_date
from .models import (
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Person,
    Relation,
    RelationType,
)
from .search import enqueue, suspended

DEMO_FILE = Path(__file__).parent / "demo" / "archive.json"


@transaction.atomic
def load_demo(path=DEMO_FILE):
    """Create the demo archive's missing rows; return how many documents were created."""
    # Indexed once at the end: bulk inserts of people and aliases send no signals.
    with suspended():
        documents, created_count = _load(path)
    enqueue(document.pk for document in documents.values())
    return created_count


def _load(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    relation_types = {
        item["slug"]: RelationType.objects.get_or_create(slug=item["slug"], defaults=item)[0]
        for item in data["relation_types"]
    }
    people = {}
    for item in data["people"]:
        aliases = item.pop("aliases")
        person, created = Person.objects.get_or_create(slug=item["slug"], defaults=item)
        if created:
            person.aliases.bulk_create([person.aliases.model(person=person, **alias) for alias in aliases])
        people[person.slug] = person
    donors = {item["slug"]: Donor.objects.get_or_create(slug=item["slug"], defaults=item)[0] for item in data["donors"]}
    collections = {
        item["slug"]: Collection.objects.get_or_create(slug=item["slug"], defaults=item)[0]
        for item in data["collections"]
    }

    documents, created_count = {}, 0
    for item in data["documents"]:
        document = Document.objects.filter(record_id=item["record_id"]).first()
        if document is None:
            document = _create_document(item, people, donors, collections)
            created_count += 1
        documents[document.record_id] = document
    for source, relation_type, target in data["relations"]:
        source, target = documents[source], documents[target]
        # A curator may have entered the link the other way round: it is the same relation.
        pair = Q(source=source, target=target) | Q(source=target, target=source)
        if not Relation.objects.filter(pair, type=relation_types[relation_type]).exists():
            Relation.objects.create(source=source, target=target, type=relation_types[relation_type])
    return documents, created_count


def _create_document(item, people, donors, collections):
    date, precision = parse_partial_date(item["date"]) if item.get("date") else (None, DatePrecision.DAY)
    document = Document.objects.create(
        record_id=item["record_id"],
        title=item["title"],
        date=date,
        date_precision=precision,
        date_note=item.get("date_note", ""),
        doc_type=DocumentType.lookup(item["type"]) if item.get("type") else None,
        classification=Classification.lookup(item["classification"]) if item.get("classification") else None,
        summary=item.get("summary", ""),
        text=item.get("text", ""),
        source=item.get("source", ""),
        rights=item.get("rights", ""),
        original_uploaded_date=date_or_none(item.get("original_uploaded_date")),
        status=Document.Status.PUBLISHED,
    )
    document.donors.set([donors[slug] for slug in item.get("donors", [])])
    document.collections.set([collections[slug] for slug in item.get("collections", [])])
    DocumentPerson.objects.bulk_create(
        DocumentPerson(document=document, person=people[slug], role=role, order=order)
        for order, (slug, role) in enumerate(item.get("people", []))
    )
    return document


def date_or_none(text):
    return datetime.date.fromisoformat(text) if text else None
