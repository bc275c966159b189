"""Loading the 35 real archive records of data/wilson-sample.json into our models.

See data/realdata-README.md for the fields and what is odd about them."""

import datetime
import json
from pathlib import Path

from documents import search
from documents.dates import parse_partial_date
from documents.models import (
    Archive,
    Classification,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    Place,
    Subject,
)

RECORDS_PATH = Path(__file__).parent / "data" / "wilson-sample.json"

LANGUAGE_CODES = {"Russian": "ru", "English": "en", "Chinese": "zh", "Japanese": "ja", "German": "de"}

# Longer "names" are not names: the PDF exports' layout sometimes ran the header lines into
# the author field (e.g. "Date: 27 July 1949       Source:. Jianguo Yilai ..."). They are skipped.
MAX_NAME_LENGTH = 80

ROLE_FIELDS = [
    ("authors", DocumentPerson.Role.AUTHOR),
    ("document_contributors", DocumentPerson.Role.PARTICIPANT),
    ("persons_orgs", DocumentPerson.Role.MENTIONED),
]


def read_records():
    """The records as the file holds them, a fresh copy on each call."""
    return json.loads(RECORDS_PATH.read_text(encoding="utf-8"))


def person_name(raw):
    """(name, sort_name) for a name as the archive lists it.

    "Satō, Eisaku" is shown as "Eisaku Satō" and sorts as "Satō, Eisaku"; a name without
    exactly one comma (or with nothing after it) is kept as it is, e.g. "Japan. Foreign Ministry"."""
    raw = " ".join(raw.split())
    last, _, first = raw.partition(",")
    if raw.count(",") == 1 and first.strip():
        last, first = last.strip(), first.strip()
        return f"{first} {last}", f"{last}, {first}"
    return raw, raw


def find_or_create_person(raw):
    """The one Person for this name, whatever the case of its letters ("Mao Zedong", "Mao zedong")."""
    name, sort_name = person_name(raw)
    return Person.objects.filter(name__iexact=name).first() or Person.objects.create(name=name, sort_name=sort_name)


def find_or_create_donor(name, acknowledgement):
    donor = Donor.objects.filter(name__iexact=name.strip()).first()
    if donor is None:
        # Donor.save supplies the default sentence when the record has no credits line.
        donor = Donor.objects.create(name=name.strip(), acknowledgement=(acknowledgement or "").strip())
    return donor


def language_for(name):
    language, _ = Language.objects.get_or_create(code=LANGUAGE_CODES[name], defaults={"name": name})
    return language


def load_record(record):
    """One published Document, with its people, donors and vocabulary terms, from one record."""
    start, precision = parse_partial_date(record["date_iso"])
    type_name = record.get("type") or record.get("type_inferred_from_title")
    title = record["title"]
    # A variant identical to the title (one manifest label repeats it) adds nothing.
    variants = [v["title"] for v in record.get("title_variants") or [] if v.get("title") and v["title"] != title]
    uploaded = record.get("original_uploaded_date")
    document = Document.objects.create(
        record_id=int(record["record_id"]) if record.get("record_id") else None,
        title=title,
        alternative_titles="\n".join(variants),
        date=start,
        date_precision=precision,
        date_note=record.get("date_notes") or "",
        doc_type=DocumentType.lookup(type_name) if type_name else None,
        classification=(
            Classification.lookup(record["original_classification"]) if record.get("original_classification") else None
        ),
        summary=record.get("summary") or "",
        text=record.get("body") or "",
        source=record.get("source") or "",
        rights=record.get("rights") or "",
        original_uploaded_date=datetime.date.fromisoformat(uploaded) if uploaded else None,
        status=Document.Status.PUBLISHED,
    )
    document.languages.set([language_for(name) for name in record.get("language") or []])
    document.archives.set([Archive.lookup(name) for name in record.get("original_archive") or []])
    document.subjects.set([Subject.lookup(name) for name in record.get("subjects") or []])
    document.places.set([Place.lookup(name) for name in record.get("places") or []])
    document.donors.set([find_or_create_donor(name, record.get("credits")) for name in record.get("donors") or []])
    for field, role in ROLE_FIELDS:
        order = 0
        for raw in record.get(field) or []:
            if not raw.strip() or len(raw) > MAX_NAME_LENGTH:
                continue
            _, created = DocumentPerson.objects.get_or_create(
                document=document, person=find_or_create_person(raw), role=role, defaults={"order": order}
            )
            order += created
    return document


def load_records(records=None):
    """Load records (all of the sample if None); return {doc_key: Document} in the records' order.

    Records with a record id are loaded first, so that the ids assigned to the others (the next
    free number, by Document.save) can never take a number that a later record carries."""
    records = read_records() if records is None else records
    loaded = {}
    # A bulk load indexes once at the end, as the import and corpus commands do.
    with search.suspended():
        for record in sorted(records, key=lambda r: not r.get("record_id")):
            loaded[record["doc_key"]] = load_record(record)
    search.rebuild()
    return {record["doc_key"]: loaded[record["doc_key"]] for record in records}
