"""Export (documents/interchange/exporter.py, export_archive, the document list's export actions): deterministic,
streamed, never a formula, and exact through an import into an empty archive."""

import csv
import datetime
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.interchange.exporter import export
from documents.interchange.format import COLUMN_NAMES
from documents.interchange.importer import import_file
from documents.models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentChange,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    OldSlug,
    Person,
    PersonAlias,
    Place,
    Relation,
    RelationType,
    Subject,
)

from .factories import DocumentFactory, PersonFactory, RoleFactory

CHANGELIST = "/admin/documents/document/"


def text(fmt, documents=None):
    return "".join(export(fmt, documents))


@pytest.fixture
def rich_archive(db):
    """Every field the format carries, filled: documents, people with aliases and life dates, an
    organisation, two people whose names differ only by accents, donors, collections, relations with a note, terms,
    a language and a relation type curators added, long text with line breaks, partial dates."""
    cable = DocumentType.objects.create(name="Cable")
    secret = Classification.objects.create(name="Top Secret")
    apfr = Archive.objects.create(name="Archive of the President, Russian Federation (APRF)")
    subject = Subject.objects.create(name="China--History--Civil War, 1945-1949")
    moscow, beijing = Place.objects.create(name="Moscow"), Place.objects.create(name="Beijing")
    mongolian_script = Language.objects.create(code="cmg", name="Classical Mongolian")
    enclosure = RelationType.objects.get(slug="enclosure")
    answer = RelationType.objects.create(name="answer to", inverse_name="answered by", slug="answer")

    stalin = Person.objects.create(
        name="Joseph Stalin",
        sort_name="Stalin, Joseph",
        birth_year=1878,
        death_year=1953,
        biography="General Secretary.\nLeader of the Soviet Union.",
        wikidata_id="Q855",
        viaf_id="101787139",
    )
    PersonAlias.objects.create(person=stalin, name="Filippov", kind="codename")
    PersonAlias.objects.create(person=stalin, name="Instantsiya", kind="codename")
    PersonAlias.objects.create(person=stalin, name="Iosif Stalin", kind="transliteration")
    mao = Person.objects.create(name="Mao Zedong")
    PersonAlias.objects.create(person=mao, name="Mao Tse-tung", kind="transliteration")
    ministry = Person.objects.create(name="Japan. Foreign Ministry", kind="organisation")
    # No two people have the same name (Person.name_key); these two differ by accents only.
    wang, other_wang = Person.objects.create(name="Wang Li"), Person.objects.create(name="Wáng Lì")
    unlinked = Person.objects.create(name="Nobody In Particular")  # exported too: the whole archive

    levy = Donor.objects.create(name="Leon Levy Foundation", url="https://leonlevy.org", description="Funds.")
    chiu = Donor.objects.create(
        name="Chun & Jane Chiu Family Foundation",
        acknowledgement="This document was made possible with support from Chun & Jane Chiu Family Foundation.",
    )
    trip = Collection.objects.create(name="Mikoyan's Trip to China", description="January–February 1949.")

    first = Document.objects.create(
        record_id=112436,
        title="Memorandum of Conversation between Anastas Mikoyan and Mao Zedong",
        alternative_titles="Mikoyan–Mao, 31 January 1949\nThe first conversation",
        date=datetime.date(1949, 1, 31),
        date_note="The text says “30 January”.",
        doc_type=cable,
        classification=secret,
        summary="Mao describes the situation.",
        text="Mikoyan:   I have come to listen.\n\n\tMao: “We welcome you.”\nЗдравствуйте",
        transcript="Микоян: Я приехал слушать.",
        source="APRF: F. 39, Op. 1, D. 39. Translated by Sergey Radchenko.",
        rights="Reuse welcomed.",
        original_uploaded_date=datetime.date(2011, 12, 12),
        status=Document.Status.PUBLISHED,
    )
    second = Document.objects.create(
        record_id=300638,
        title="=Statement of the Japan-China Cultural Exchange Association",
        date=datetime.date(1967, 11, 1),
        date_precision="month",
        date_circa=True,
        status=Document.Status.DRAFT,
    )
    third = Document.objects.create(record_id=5, title="@An undated draft", summary="-- starts with a dash")
    first.languages.set([Language.objects.get(code="ru"), mongolian_script])
    first.archives.set([apfr])
    first.subjects.set([subject])
    first.places.set([moscow, beijing])
    first.donors.set([levy, chiu])
    first.collections.set([trip])
    second.languages.set([Language.objects.get(code="ja")])
    for order, (person, role) in enumerate([(mao, "author"), (stalin, "recipient"), (wang, "mentioned")]):
        DocumentPerson.objects.create(document=first, person=person, role=role, order=order)
    DocumentPerson.objects.create(document=first, person=stalin, role="mentioned", order=5)
    DocumentPerson.objects.create(document=second, person=ministry, role="author")
    DocumentPerson.objects.create(document=second, person=other_wang, role="participant")
    Relation.objects.create(source=second, target=first, type=enclosure, note="sent with the memorandum")
    Relation.objects.create(source=third, target=first, type=answer)
    Relation.objects.create(source=first, target=third, type=RelationType.objects.get(slug="related"))
    return {"first": first, "second": second, "third": third, "unlinked": unlinked}


def empty_the_archive():
    """As a fresh database before any import: no documents, people, donors, collections or terms at all,
    and no tombstones (a deleted document's record ID is never taken again: models/record_ids.py)."""
    Document.objects.all().delete()
    DocumentChange.objects.all().delete()
    for model in (PersonAlias, Person, Donor, Collection, DocumentType, Classification, Archive, Subject, Place):
        model.objects.all().delete()
    Language.objects.all().delete()
    RelationType.objects.all().delete()
    OldSlug.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_two_exports_of_the_same_archive_are_byte_identical(rich_archive, fmt):
    assert text(fmt) == text(fmt)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_then_import_into_an_empty_archive_then_export_gives_the_same_bytes(rich_archive, fmt):
    """Documents, people, aliases, donors, relations, collections and vocabularies survive exactly."""
    first = text(fmt).encode()
    empty_the_archive()
    assert not Document.objects.exists() and not Language.objects.exists()
    report = import_file(first, file_name=f"archive.{fmt}", dry_run=False)
    assert report.committed, report.errors
    assert report.summary == "3 created, 0 updated, 0 unchanged, 0 errors"
    assert text(fmt).encode() == first
    # And the archive itself is as it was, through the model, not only through the export.
    stalin = Person.objects.get(wikidata_id="Q855")
    assert (stalin.sort_name, stalin.life_dates, stalin.viaf_id) == ("Stalin, Joseph", "1878–1953", "101787139")
    assert set(stalin.aliases.values_list("name", "kind")) == {
        ("Filippov", "codename"),
        ("Instantsiya", "codename"),
        ("Iosif Stalin", "transliteration"),
    }
    assert sorted(Person.objects.filter(name__in=["Wang Li", "Wáng Lì"]).values_list("name", "slug")) == [
        ("Wang Li", "wang-li"),
        ("Wáng Lì", "wang-li-2"),
    ]
    memo = Document.objects.get(record_id=112436)
    assert memo.text == rich_archive["first"].text and memo.transcript == rich_archive["first"].transcript
    assert [p.name for p in memo.authors] == ["Mao Zedong"]
    statement = Document.objects.get(record_id=300638)
    assert (statement.display_date, statement.status) == ("circa November 1967", "draft")
    assert statement.title.startswith("=")
    relation = Relation.objects.get(source=statement)
    assert (relation.type.slug, relation.note) == ("enclosure", "sent with the memorandum")
    assert RelationType.objects.get(slug="answer").inverse_name == "answered by"
    assert Language.objects.get(code="cmg").name == "Classical Mongolian"
    assert Donor.objects.get(name__startswith="Chun").acknowledgement.endswith("Foundation.")
    assert Donor.objects.get(name__startswith="Leon").url == "https://leonlevy.org"
    assert Person.objects.get(name="Japan. Foreign Ministry").kind == "organisation"
    # Importing the same export again changes nothing.
    again = import_file(first, file_name=f"archive.{fmt}", dry_run=False)
    assert again.summary == "0 created, 0 updated, 3 unchanged, 0 errors" and not again.other_summary.count("updated")


@pytest.mark.django_db
def test_documents_come_by_record_id_and_columns_in_a_fixed_order(rich_archive):
    rows = [json.loads(line) for line in text("jsonl").splitlines()]
    kinds = [row["kind"] for row in rows]
    assert kinds.index("person") < kinds.index("document") and kinds[-3:] == ["document"] * 3
    assert [row["record_id"] for row in rows if row["kind"] == "document"] == [5, 112436, 300638]
    document = next(row for row in rows if row["kind"] == "document")
    assert list(document) == [name for name in COLUMN_NAMES if name in document]
    header = next(csv.reader(io.StringIO(text("csv").lstrip("\ufeff"))))
    assert header == COLUMN_NAMES


@pytest.mark.django_db
def test_names_that_differ_only_by_accents_are_written_as_they_are(rich_archive):
    """People's names are their own (no two alike), so the export writes them without slugs; the
    import takes each for the person of that very name (export then import: the round trip below)."""
    rows = {row.get("record_id"): row for row in map(json.loads, text("jsonl").splitlines())}
    assert rows[112436]["mentioned"] == ["Wang Li", "Joseph Stalin"]
    assert rows[300638]["participants"] == ["Wáng Lì"]
    assert rows[112436]["authors"] == ["Mao Zedong"]


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.django_db
@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_no_cell_of_an_export_can_run_as_a_formula(start):
    """A value that begins like a formula is written with a leading apostrophe, in CSV and JSON Lines, in
    text, names and list items; importing the export brings the value back as it was."""
    # One-line values (titles, names) never begin with a tab or a line break: the admin trims them, and so does
    # the import. Multi-line text may.
    line_start = start.strip() or "="
    person = PersonFactory(name=f"{line_start}Person")
    document = DocumentFactory(
        record_id=700001, title=f"{line_start}1+1 title", summary=f"{start}cmd|' /C calc'!A0", text="Plain."
    )
    RoleFactory(document=document, person=person)
    exported_csv = text("csv")
    for row in csv.DictReader(io.StringIO(exported_csv.lstrip("\ufeff"))):
        for column, cell in row.items():
            assert not cell.startswith(tuple(FORMULA_STARTS)), (column, cell)
    for row in map(json.loads, text("jsonl").splitlines()):
        for value in row.values():
            for item in value if isinstance(value, list) else [value]:
                assert not (isinstance(item, str) and item.startswith(tuple(FORMULA_STARTS))), item
    before = text("jsonl")
    report = import_file(exported_csv.encode(), file_name="export.csv", dry_run=False)
    assert report.summary == "0 created, 0 updated, 1 unchanged, 0 errors", report.errors
    assert text("jsonl") == before


@pytest.mark.django_db
def test_exporting_costs_the_same_queries_for_3_documents_or_30(rich_archive):
    """Documents are read in chunks, each in a fixed number of queries: none per document."""
    with CaptureQueriesContext(connection) as few:
        text("jsonl")
    for n in range(27):
        RoleFactory(document=DocumentFactory(record_id=800000 + n), person=rich_archive["unlinked"])
    with CaptureQueriesContext(connection) as many:
        text("jsonl")
    assert len(many) == len(few)


@pytest.mark.django_db
def test_export_archive_writes_data_to_stdout_and_progress_to_stderr(rich_archive):
    out, err = StringIO(), StringIO()
    call_command("export_archive", "--format", "jsonl", stdout=out, stderr=err)
    assert out.getvalue() == text("jsonl")
    assert all(json.loads(line) for line in out.getvalue().splitlines())
    assert "3/3 documents exported" in err.getvalue()


@pytest.mark.django_db
def test_export_archive_writes_a_file(rich_archive, tmp_path):
    path = tmp_path / "archive.csv"
    err = StringIO()
    call_command("export_archive", "--format", "csv", "--output", str(path), stdout=StringIO(), stderr=err)
    assert path.read_bytes() == text("csv").encode()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"to {path}" in err.getvalue()
    assert not (tmp_path / "archive.csv.part").exists()


@pytest.mark.django_db
def test_the_export_action_downloads_the_selected_documents_with_what_they_name(curator_client, rich_archive):
    """The selection's rows and the people, donors, collections and terms they name; nothing else."""
    response = curator_client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [rich_archive["second"].pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="documents-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    documents = [row["record_id"] for row in rows if row["kind"] == "document"]
    assert documents == ["300638"]
    people = sorted(row["name"] for row in rows if row["kind"] in ("person", "organisation"))
    assert people == ["Japan. Foreign Ministry", "Wáng Lì"]
    assert [row["slug"] for row in rows if row["name"] == "Wáng Lì"] == ["wang-li-2"]
    assert {row["kind"] for row in rows} == {"language", "relation-type", "person", "organisation", "document"}
    assert next(row for row in rows if row["kind"] == "document")["participants"] == "Wáng Lì"


@pytest.mark.django_db
def test_the_jsonl_export_action(curator_client, rich_archive):
    response = curator_client.post(
        CHANGELIST, {"action": "export_jsonl", "_selected_action": [rich_archive["first"].pk]}
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["record_id"] for line in lines if '"kind":"document"' in line] == [112436]
