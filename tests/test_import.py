"""Batch import (documents/interchange/, import_archive, the admin's import and undo pages): all rows
or none, a dry run that changes nothing, a second import that changes nothing, undo in one step,
and the 35 real records carried whole through an import file."""

import csv
import html
import io
import json
import os
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision

from documents.history.recover import deleted_versions
from documents.history.states import version_state, versions_of
from documents.interchange.exporter import export
from documents.interchange.format import COLUMN_NAMES, default_acknowledgement
from documents.interchange.importer import can_import, import_file
from documents.interchange.state import CHUNK
from documents.interchange.undo import UndoRefused, undo_batch
from documents.models import (
    Document,
    Donor,
    ImportBatch,
    ImportedRecord,
    Language,
    Person,
    PersonAlias,
    Relation,
    RelationType,
)
from documents.text import name_key

from .factories import AliasFactory, DocumentFactory, PersonFactory, RoleFactory
from .pages import assert_in_order, fact_items, visible_text, without_person_links
from .realdata import LANGUAGE_CODES, MAX_NAME_LENGTH, person_name, read_records
from .test_realdata import expected_display_date, header_order, section_items

IMPORT_URL = "/admin/documents/importbatch/import/"


def csv_bytes(rows, header=None, bom=False, newline="\r\n"):
    """rows (dicts) as a CSV file: the header is every column a row uses, in the format's order."""
    header = header or [name for name in COLUMN_NAMES if any(name in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator=newline)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "\n".join(v) if isinstance(v, list) else v for name, v in row.items()})
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


def jsonl_bytes(rows):
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


MEMO = {
    "record_id": "700001",
    "title": "Memorandum of Conversation between Mikoyan and Mao Zedong",
    "date": "1949-02-04",
    "type": "Memorandum of Conversation",
    "languages": ["ru"],
    "summary": "Mikoyan and Mao discuss the civil war.",
    "text": "Mikoyan: I have come to listen.\nMao: We welcome you.",
    "authors": ["Anastas Mikoyan"],
    "mentioned": ["Mao Zedong", "Chiang Kai-shek"],
    "donors": ["Leon Levy Foundation"],
    "collections": ["Mikoyan's Trip to China"],
    "subjects": ["China--History--Civil War, 1945-1949"],
}
CABLE = {
    "record_id": "700002",
    "title": "Cable, Filippov [Stalin] to Mao Zedong",
    "date": "1949-01",
    "type": "Cable",
    "authors": ["Joseph Stalin"],
    "recipients": ["Mao Zedong"],
    "related": ["reply:700001"],
}
LETTER = {"record_id": "700003", "title": "Letter, Nehru to Menon", "date": "1949", "languages": ["English"]}


def run(data, **options):
    options.setdefault("file_name", "import.jsonl" if data.startswith(b"{") else "import.csv")
    options.setdefault("dry_run", False)
    return import_file(data, **options)


def errors_of(report):
    return [(row, column) for row, column, _ in report.errors]


def archive_state():
    """Everything an import could change, independent of primary keys: the full export."""
    return "".join(export("jsonl"))


def statuses(report):
    return [(result.row, result.status) for result in report.sorted_rows()]


# The import and its report ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_creates_documents_people_and_terms_and_reports_each_row():
    """Rows become documents; people, donors, collections and terms named for the first time are created and listed."""
    report = run(csv_bytes([MEMO, CABLE]))
    assert report.committed, report.errors
    assert report.summary == "2 created, 0 updated, 0 unchanged, 0 errors"
    assert statuses(report) == [(2, "created"), (3, "created")]
    memo = Document.objects.get(record_id=700001)
    assert (memo.status, memo.doc_type.name, memo.text) == ("draft", "Memorandum of Conversation", MEMO["text"])
    assert [p.name for p in memo.authors] == ["Anastas Mikoyan"]
    assert [p.name for p in memo.people_mentioned] == ["Mao Zedong", "Chiang Kai-shek"]
    assert [language.code for language in memo.languages.all()] == ["ru"]
    cable = Document.objects.get(record_id=700002)
    assert cable.display_date == "January 1949"
    relation = Relation.objects.get()
    assert (relation.source, relation.target, relation.type.slug) == (cable, memo, "reply")
    assert Person.objects.filter(name="Mao Zedong").count() == 1
    assert ("person", "Mao Zedong", 2) in report.new_records
    assert ("donor", "Leon Levy Foundation", 2) in report.new_records
    assert ("collection", "Mikoyan's Trip to China", 2) in report.new_records
    batch = ImportBatch.objects.get()
    assert (batch.created_count, batch.updated_count, batch.file_name) == (2, 0, "import.csv")


@pytest.mark.django_db
def test_people_and_documents_named_in_another_script_get_transliterated_slugs():
    """The import chooses slugs as the admin does: "Иосиф Сталин" is iosif-stalin, not "person"."""
    report = run(csv_bytes([{**LETTER, "title": "Телеграмма Сталина", "authors": ["Иосиф Сталин"]}]))
    assert report.committed, report.errors
    assert Person.objects.get(name="Иосиф Сталин").slug == "iosif-stalin"
    assert Document.objects.get(record_id=700003).slug == "telegramma-stalina"


@pytest.mark.django_db
def test_a_dry_run_changes_nothing_and_reports_what_would_happen():
    """A dry run reports each row as the import would, and leaves the archive exactly as it was."""
    DocumentFactory(record_id=700001, title="Old title")
    before = archive_state()
    report = run(csv_bytes([MEMO, CABLE]), dry_run=True)
    assert not report.committed and not report.has_errors
    assert statuses(report) == [(2, "updated"), (3, "created")]
    assert "title" in report.sorted_rows()[0].changed
    assert ("person", "Joseph Stalin", 3) in report.new_records
    assert archive_state() == before
    assert not ImportBatch.objects.exists() and not ImportedRecord.objects.exists()
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_one_bad_row_in_the_middle_commits_nothing_and_names_the_row_and_the_field():
    """A file is imported whole or not at all: an invalid date on row 3 stops rows 2 and 4 too."""
    before = archive_state()
    bad = {**CABLE, "date": "1949-13-45"}
    report = run(csv_bytes([MEMO, bad, LETTER]))
    assert not report.committed
    assert report.summary == "2 created, 0 updated, 0 unchanged, 1 error"
    assert errors_of(report) == [(3, "date")]
    assert "not a real date" in report.errors[0][2]
    assert statuses(report) == [(2, "created"), (3, "error"), (4, "created")]
    assert archive_state() == before
    assert not Document.objects.exists() and not Person.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_errors_name_the_field_and_the_reason():
    """Each kind of mistake is reported on its row and column, with a reason a curator can act on."""
    rows = [
        {"record_id": "", "title": "No record ID"},
        {"record_id": "700010", "title": ""},
        {"record_id": "700011", "title": "Bad status", "status": "finished"},
        {"record_id": "700012", "title": "Unknown language", "languages": ["Klingon"]},
        {"record_id": "700013", "title": "Unknown relation type", "related": ["answer:700011"]},
        {"record_id": "700014", "title": "Related to nothing", "related": ["related:999999"]},
        {"record_id": "700015", "title": "Related to itself", "related": ["700015"]},
        {"record_id": "700011", "title": "The same record twice"},
        {"record_id": "700016", "title": "Bad upload date", "original_uploaded_date": "10/10/2023"},
        {"record_id": "700017", "title": "Bad slug", "slug": "not a slug"},
    ]
    report = run(csv_bytes(rows), dry_run=True)
    assert errors_of(report) == [
        (2, "record_id"),
        (3, "title"),
        (4, "status"),
        (5, "languages"),
        (6, "related"),
        (7, "related"),
        (8, "related"),
        (9, "record_id"),
        (10, "original_uploaded_date"),
        (11, "slug"),
    ]
    reasons = {row: reason for row, _, reason in report.errors}
    assert "required" in reasons[2] and "also on row 4" in reasons[9]
    assert "neither in the file nor in the archive" in reasons[7]


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    """Documents are matched by record ID and people by name: a second import finds every row unchanged."""
    data = csv_bytes([MEMO, CABLE, LETTER])
    assert run(data).committed
    after_first = archive_state()
    modified = dict(Document.objects.values_list("record_id", "modified_at"))
    report = run(data)
    assert report.summary == "0 created, 0 updated, 3 unchanged, 0 errors"
    assert not report.new_records
    assert archive_state() == after_first
    assert dict(Document.objects.values_list("record_id", "modified_at")) == modified
    assert ImportBatch.objects.count() == 2


@pytest.mark.django_db
def test_an_update_changes_only_the_columns_the_file_has():
    """A row updates the fields of its columns; the document's other fields, people and links stay."""
    document = DocumentFactory(record_id=700001, title="Old title", summary="Kept summary.")
    RoleFactory(document=document, person=PersonFactory(name="Kept Author"))
    report = run(csv_bytes([{"record_id": "700001", "title": "New title", "date": "1949-02"}]))
    assert statuses(report) == [(2, "updated")]
    assert report.sorted_rows()[0].changed == ["title", "date"]
    document.refresh_from_db()
    assert (document.title, document.summary, document.display_date) == ("New title", "Kept summary.", "February 1949")
    assert [p.name for p in document.authors] == ["Kept Author"]
    assert document.status == "published"


@pytest.mark.django_db
def test_people_are_matched_by_name_or_alias_whatever_the_case():
    """A name that is a person's alias, or their name in other letters' case, is that person; nobody new."""
    mao = PersonFactory(name="Mao Zedong")
    AliasFactory(person=mao, name="Mao Tse-tung", kind="transliteration")
    rows = [
        {"record_id": "700001", "title": "A", "authors": ["Mao Tse-tung"]},
        {"record_id": "700002", "title": "B", "authors": ["mao zedong"]},
    ]
    report = run(csv_bytes(rows))
    assert report.committed and not report.new_records
    assert Person.objects.count() == 1
    assert set(mao.documents.values_list("record_id", flat=True)) == {700001, 700002}


@pytest.mark.django_db
def test_person_rows_give_aliases_so_that_several_spellings_are_one_person():
    """A person row's aliases make every spelling in the documents' cells the one person."""
    rows = [
        {
            "kind": "person",
            "name": "Mao Zedong",
            "sort_name": "Mao Zedong",
            "aliases": ["transliteration: Mao Tse-tung", "Zedong Mao"],
            "wikidata_id": "Q5816",
        },
        {"record_id": "700001", "title": "A", "authors": ["Mao Tse-tung"]},
        {"record_id": "700002", "title": "B", "mentioned": ["Zedong Mao"]},
        {"record_id": "700003", "title": "C", "recipients": ["Mao Zedong"]},
    ]
    report = run(csv_bytes(rows))
    assert report.committed, report.errors
    assert report.other_summary == "person: 1 created"
    mao = Person.objects.get()
    assert (mao.name, mao.wikidata_id) == ("Mao Zedong", "Q5816")
    assert sorted(mao.aliases.values_list("name", "kind")) == [
        ("Mao Tse-tung", "transliteration"),
        ("Zedong Mao", "other"),
    ]
    assert mao.documents.count() == 3


@pytest.mark.django_db
def test_a_name_two_people_share_must_be_given_with_a_slug():
    """Two people who go by the same name (one's name without accents, the other's alias; no two
    people have the same name) cannot be told apart by it: the row is refused until it names the slug."""
    PersonFactory(name="Wáng Lì", slug="wang-li")
    second = AliasFactory(person=PersonFactory(name="Wang Li-min", slug="wang-li-2"), name="Wang Li").person
    report = run(csv_bytes([{"record_id": "700001", "title": "A", "authors": ["Wang Li"]}]))
    assert errors_of(report) == [(2, "authors")]
    assert "wang-li, wang-li-2" in report.errors[0][2]
    report = run(csv_bytes([{"record_id": "700001", "title": "A", "authors": ["Wang Li <wang-li-2>"]}]))
    assert report.committed
    assert Document.objects.get().authors == [second]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://evil.example","Click")', "“=”"),
        ("+1+cmd|' /C calc'!A0", "“+”"),
        ("-2+3", "“-”"),
        ("@SUM(1,1)", "“@”"),
        ("\t=1+1", "a tab"),
        ("\r=1+1", "a carriage return"),
    ],
)
def test_an_import_refuses_a_cell_a_spreadsheet_would_run_as_a_formula(cell, shown):
    """Formula-like cells (OWASP: = + - @ tab CR at the start) are refused, in text and in list items."""
    for row, column in [({"title": cell}, "title"), ({"title": "A", "authors": [cell]}, "authors")]:
        report = run(jsonl_bytes([{"record_id": 700001, **row}]))
        assert errors_of(report) == [(1, column)], cell
        assert shown in report.errors[0][2] and "apostrophe" in report.errors[0][2]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_cell_written_with_a_leading_apostrophe_is_kept_as_text():
    """The escape the export writes ('=…) is taken away again on import: the value survives, never as a formula."""
    report = run(csv_bytes([{"record_id": "700001", "title": "'=1+1 is two", "summary": "'-- a dash first"}]))
    assert report.committed, report.errors
    document = Document.objects.get()
    assert (document.title, document.summary) == ("=1+1 is two", "-- a dash first")


@pytest.mark.django_db
def test_csv_with_or_without_bom_crlf_or_lf_and_json_lines_import_the_same():
    """UTF-8 with or without BOM, CRLF or LF line ends, or JSON Lines: the same rows give the same archive."""
    rows = [MEMO, CABLE, LETTER]
    assert run(csv_bytes(rows, bom=True, newline="\r\n"), file_name="windows.csv").committed
    imported = archive_state()
    variants = {
        "lf.csv": csv_bytes(rows, bom=False, newline="\n"),
        "bom-lf.csv": csv_bytes(rows, bom=True, newline="\n"),
        "crlf.csv": csv_bytes(rows, bom=False, newline="\r\n"),
        "rows.jsonl": jsonl_bytes(rows),
        "bom.jsonl": b"\xef\xbb\xbf" + jsonl_bytes(rows),
        "no-extension": csv_bytes(rows, newline="\n"),
    }
    for name, data in variants.items():
        report = run(data, file_name=name)
        assert report.summary == "0 created, 0 updated, 3 unchanged, 0 errors", (name, report.errors)
    # Multi-line text with CRLF inside a cell is the same text.
    crlf_text = csv_bytes([{"record_id": "700001", "text": MEMO["text"].replace("\n", "\r\n")}])
    assert run(crlf_text).summary == "0 created, 0 updated, 1 unchanged, 0 errors"
    assert archive_state() == imported


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"record_id,title,colour\r\n1,A,red\r\n", "Unknown column in the header: colour"),
        (b"record_id;title\r\n1;A\r\n", "not semicolons"),
        ("record_id,title\r\n700001,Caf\xe9\r\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b'{"record_id": 1, "title": "A"}\n{"record_id": 2,\n', "Line 2 is not JSON"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(data, message):
    report = run(data, file_name="bad.jsonl" if data.startswith(b"{") else "bad.csv")
    assert not report.committed and report.file_errors
    assert message in report.file_errors[0]
    assert report.summary.endswith("1 error")
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_related_record_ids_resolve_in_the_file_or_the_archive():
    """A relation may name a document later in the file, or one already in the archive."""
    existing = DocumentFactory(record_id=121773)
    rows = [
        {"record_id": "700001", "title": "A", "related": ["related:700002", "follow-up:121773 (the next day)"]},
        {"record_id": "700002", "title": "B"},
    ]
    assert run(csv_bytes(rows)).committed
    links = Relation.objects.order_by("target__record_id").values_list("target__record_id", "type__slug", "note")
    assert list(links) == [(121773, "follow-up", "the next day"), (700002, "related", "")]
    assert existing.incoming_relations.count() == 1


@pytest.mark.django_db
def test_a_symmetric_link_entered_from_the_other_document_is_the_same_link():
    """ "related to" reads the same both ways: listing it from either document is no change and no duplicate."""
    first, second = DocumentFactory(record_id=700001), DocumentFactory(record_id=700002)
    Relation.objects.create(source=second, target=first, type=RelationType.objects.get(slug="related"))
    report = run(csv_bytes([{"record_id": "700001", "related": ["related:700002"]}]))
    assert report.summary == "0 created, 0 updated, 1 unchanged, 0 errors"
    assert Relation.objects.count() == 1


@pytest.mark.django_db
def test_a_directed_link_the_other_way_round_is_refused():
    """A reply cannot be both ways: the row is refused and nothing is written."""
    first, second = DocumentFactory(record_id=700001), DocumentFactory(record_id=700002)
    Relation.objects.create(source=second, target=first, type=RelationType.objects.get(slug="reply"))
    report = run(csv_bytes([{"record_id": "700001", "related": ["reply:700002"]}]))
    assert errors_of(report) == [(2, "related")]
    assert "already has “reply to”" in report.errors[0][2]
    assert list(Relation.objects.values_list("source__record_id", flat=True)) == [700002]


# Undo ---------------------------------------------------------------------------------------


@pytest.fixture
def existing_archive(db):
    """A published document with an author, a relation and a donor, and the person the import will rename."""
    document = DocumentFactory(record_id=700001, title="Original title", summary="Original summary.")
    target = DocumentFactory(record_id=121773)
    RoleFactory(document=document, person=PersonFactory(name="Original Author"))
    Relation.objects.create(source=document, target=target, type=RelationType.objects.get(slug="related"))
    document.donors.add(Donor.objects.create(name="Original Donor"))
    PersonFactory(name="Joseph Stalin", slug="joseph-stalin", sort_name="Stalin, Joseph")
    return document


def changing_file():
    return csv_bytes(
        [
            {"kind": "person", "name": "Joseph Stalin", "slug": "joseph-stalin", "aliases": ["codename: Filippov"]},
            {**MEMO, "title": "New title", "related": ["follow-up:121773"], "status": "draft"},
            CABLE,
        ]
    )


@pytest.mark.django_db
def test_undo_restores_the_archive_as_it_was_before_the_import(existing_archive, editor):
    """One step puts back changed documents, people and links, and deletes what the import created."""
    before = archive_state()
    facets_before = _facet_rows()
    report = run(changing_file(), user=editor)
    assert report.committed, report.errors
    assert statuses(report) == [(2, "updated"), (3, "updated"), (4, "created")]
    assert archive_state() != before

    batch = undo_batch(report.batch, editor)

    assert archive_state() == before
    assert _facet_rows() == facets_before
    assert (batch.status, batch.undone_by) == ("undone", editor)
    document = Document.objects.get(record_id=700001)
    assert (document.title, document.status) == ("Original title", "published")
    assert not Person.objects.filter(name="Anastas Mikoyan").exists()
    assert not PersonAlias.objects.exists()
    assert Person.objects.get(slug="joseph-stalin").sort_name == "Stalin, Joseph"


def _facet_rows():
    """What the search index holds, entry by entry, once it has caught up."""
    from documents import search
    from documents.search.maintenance import indexed_fingerprints

    search.sync()
    return indexed_fingerprints()


@pytest.mark.django_db
def test_undo_refuses_when_a_document_was_edited_after_the_import_and_says_which(existing_archive, editor):
    """An edit after the import would be lost: undo names the document and who saved it, and changes nothing."""
    report = run(changing_file(), user=editor)
    cable = Document.objects.get(record_id=700002)
    cable.title = "Edited by hand afterwards"
    cable.modified_by = editor
    cable.save()
    after_edit = archive_state()
    with pytest.raises(UndoRefused) as refusal:
        undo_batch(report.batch, editor)
    assert len(refusal.value.problems) == 1
    assert "700002: Edited by hand afterwards has been changed since the import" in refusal.value.problems[0]
    assert "group-editor" in refusal.value.problems[0]
    assert archive_state() == after_edit
    assert ImportBatch.objects.get().status == "applied"


@pytest.mark.django_db
def test_undo_refuses_when_a_relation_was_added_to_an_imported_document(existing_archive, editor):
    """Deleting a created document would take a later link with it: that counts as a change too."""
    report = run(changing_file(), user=editor)
    Relation.objects.create(
        source=Document.objects.get(record_id=121773),
        target=Document.objects.get(record_id=700002),
        type=RelationType.objects.get(slug="enclosure"),
    )
    with pytest.raises(UndoRefused, match="700002"):
        undo_batch(report.batch, editor)


@pytest.mark.django_db
def test_a_relation_the_import_turned_round_is_turned_back_by_undo(editor):
    """A file may move a link from one document to the other; undo moves it back (one link per pair, throughout)."""
    first, second = DocumentFactory(record_id=700001), DocumentFactory(record_id=700002)
    Relation.objects.create(source=first, target=second, type=RelationType.objects.get(slug="reply"))
    before = archive_state()
    rows = [{"record_id": "700001", "related": []}, {"record_id": "700002", "related": ["reply:700001"]}]
    report = run(csv_bytes(rows), user=editor)
    assert report.committed, report.errors
    assert list(Relation.objects.values_list("source__record_id", "target__record_id")) == [(700002, 700001)]
    undo_batch(report.batch, editor)
    assert archive_state() == before


@pytest.mark.django_db
def test_only_editors_may_undo_and_an_import_is_undone_once(existing_archive, curator, editor):
    report = run(changing_file(), user=editor)
    with pytest.raises(PermissionDenied):
        undo_batch(report.batch, curator)
    undo_batch(report.batch, editor)
    with pytest.raises(UndoRefused, match="already been undone"):
        undo_batch(report.batch, editor)


@pytest.mark.django_db
def test_a_curators_import_may_not_publish_or_unpublish(curator):
    """Curators import drafts and correct published documents; a row that changes the status is refused."""
    published = DocumentFactory(record_id=700009, title="Published")
    report = run(csv_bytes([{**LETTER, "status": "published"}]), user=curator)
    assert errors_of(report) == [(2, "status")] and "only editors" in report.errors[0][2]
    report = run(csv_bytes([{"record_id": "700009", "status": "draft"}]), user=curator)
    assert errors_of(report) == [(2, "status")]
    report = run(
        csv_bytes([LETTER, {"record_id": "700009", "title": "Corrected", "status": "published"}]), user=curator
    )
    assert report.committed, report.errors
    assert Document.objects.get(record_id=700003).status == "draft"
    published.refresh_from_db()
    assert (published.title, published.status, published.modified_by) == ("Corrected", "published", curator)


@pytest.mark.django_db
def test_an_editors_import_publishes(editor):
    report = run(csv_bytes([{**LETTER, "status": "published"}]), user=editor)
    assert report.committed
    document = Document.objects.get()
    assert document.is_published and document.first_published_at is not None


# History ----------------------------------------------------------------------------------


def latest_revision(obj):
    revision = versions_of(obj).first().revision
    return revision.comment, revision.user


@pytest.mark.django_db
def test_an_import_and_its_undo_are_in_the_history_of_what_they_wrote(existing_archive, editor):
    """Each record an import writes gets a version by whoever imported, naming the batch, that holds the
    document with its people and relations; undo is recorded the same way, and the documents it deleted
    can be recovered from history."""
    report = run(changing_file(), user=editor)
    batch = report.batch
    memo, cable = Document.objects.get(record_id=700001), Document.objects.get(record_id=700002)
    target = Document.objects.get(record_id=121773)  # not in the file: it gained and lost incoming relations
    imported = (f"Imported from import.csv (batch {batch.pk}).", editor)
    written = Person.objects.exclude(name="Original Author")  # named before and after: the person is unchanged
    for record in (memo, cable, target, *written, *Donor.objects.filter(name="Leon Levy Foundation")):
        assert latest_revision(record) == imported, record
    held = version_state(versions_of(memo).first())
    assert held.values["title"] == "New title"
    assert held.values["donors"] == [Donor.objects.get(name="Leon Levy Foundation").pk]
    assert held.values["languages"] == [Language.objects.get(code="ru").pk]
    mikoyan = Person.objects.get(name="Anastas Mikoyan")
    assert [(row["person_id"], row["role"]) for row in held.parts["person_links"] if row["role"] == "author"] == [
        (mikoyan.pk, "author")
    ]
    assert [row["target_id"] for row in held.parts["outgoing_relations"]] == [target.pk]
    assert [row["source_id"] for row in held.parts["incoming_relations"]] == [cable.pk]
    aliases = version_state(versions_of(Person.objects.get(name="Joseph Stalin")).first())
    assert [row["name"] for row in aliases.parts["aliases"]] == ["Filippov"]

    undo_batch(batch, editor)

    undone = (f"Undid import batch {batch.pk} (import.csv).", editor)
    for record in (memo, target, Person.objects.get(name="Joseph Stalin")):
        assert latest_revision(record) == undone, record
    assert version_state(versions_of(memo).first()).values["title"] == "Original title"
    deleted = deleted_versions(Document).get(object_id=str(cable.pk))
    assert (deleted.revision.comment, deleted.revision.user) == undone
    assert len(version_state(deleted).parts["person_links"]) == 2
    assert {v.object_repr for v in deleted_versions(Person)} == {
        "Anastas Mikoyan",
        "Mao Zedong",
        "Chiang Kai-shek",
    }
    page = Client()
    page.force_login(editor)
    text = visible_text(page.get(f"/admin/documents/document/{memo.pk}/history/"))
    assert f"Imported from import.csv (batch {batch.pk})" in text and f"Undid import batch {batch.pk}" in text


@pytest.mark.django_db
def test_a_dry_run_records_no_history(existing_archive, editor):
    run(changing_file(), user=editor, dry_run=True)
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_the_document_list_links_to_the_import_page_for_those_who_may_import(curator_client, curator, client):
    """The link shows exactly when the import page would open (can_import), beside "Recover deleted"."""
    page = curator_client.get("/admin/documents/document/")
    assert can_import(curator) and f'href="{IMPORT_URL}"' in page.content.decode()
    assert "Recover deleted documents" in visible_text(page)
    assert IMPORT_URL not in curator_client.get("/admin/documents/person/").content.decode()
    reader = User.objects.create_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_document"))
    client.force_login(reader)
    page = client.get("/admin/documents/document/")
    assert page.status_code == 200 and not can_import(reader)
    assert IMPORT_URL not in page.content.decode()
    assert client.get(IMPORT_URL).status_code == 403


# Scale ------------------------------------------------------------------------------------


def many_rows(count, start=800000):
    return [
        {
            "record_id": str(start + n),
            "title": f"Cable number {n}",
            "date": f"19{50 + n % 40}-0{1 + n % 9}",
            "type": ["Cable", "Letter", "Report"][n % 3],
            "languages": ["ru", "en"][: 1 + n % 2],
            "authors": [f"Author {n % 7}"],
            "recipients": [f"Recipient {n % 5}"],
            "subjects": [f"Subject {n % 4}"],
            "related": [f"related:{start + n - 1}"] if n else [],
        }
        for n in range(count)
    ]


def queries_to_import(rows):
    data = csv_bytes(rows)
    with CaptureQueriesContext(connection) as queries:
        report = run(data)
    assert report.committed, report.errors
    return len(queries)


@pytest.mark.django_db
def test_queries_per_row_are_bounded_and_reads_are_chunked():
    """An import costs a fixed number of queries per chunk, plus about one per document written
    (its insert; links and batch records go in bulk), and none per row that is unchanged."""
    queries_to_import(many_rows(20, start=700000))  # the people and terms exist from now on
    forty, eighty = queries_to_import(many_rows(40, start=800000)), queries_to_import(many_rows(80, start=900000))
    assert (eighty - forty) / 40 <= 2, (forty, eighty)
    with CaptureQueriesContext(connection) as queries:
        report = run(csv_bytes(many_rows(80, start=900000)))
    assert report.summary == "0 created, 0 updated, 80 unchanged, 0 errors"
    assert len(queries) < 40, [q["sql"][:80] for q in queries.captured_queries]
    assert CHUNK >= 80  # the rows above fit in one chunk: the bounds are per chunk


@pytest.mark.django_db
def test_a_file_is_read_as_a_stream_not_whole(tmp_path):
    """Rows are read one at a time: the importer never asks for the whole file at once."""

    class Stream(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            assert size is not None and size >= 0, "the whole file was read at once"
            Stream.largest = max(Stream.largest, size)
            return super().read(size)

        def read1(self, size=-1):
            return self.read(size if size >= 0 else 8192)

        def readinto(self, buffer):
            data = self.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    data = csv_bytes(many_rows(200))
    report = import_file(lambda: Stream(data), file_name="big.csv", dry_run=True)
    assert report.summary == "200 created, 0 updated, 0 unchanged, 0 errors"
    assert Stream.largest < len(data)


# The management command -------------------------------------------------------------------


@pytest.mark.django_db
def test_import_archive_command_ends_with_the_summary_line(tmp_path, curator):
    path = tmp_path / "documents.csv"
    path.write_bytes(csv_bytes([MEMO, CABLE]))
    out, err = StringIO(), StringIO()
    call_command("import_archive", str(path), "--dry-run", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[-1] == "2 created, 0 updated, 0 unchanged, 0 errors"
    assert "Dry run: nothing was changed." in out.getvalue()
    assert "new person: Mao Zedong (first named on row 2)" in out.getvalue()
    assert "2/2 rows read" in err.getvalue()
    assert not Document.objects.exists()

    call_command("import_archive", str(path), "--user", "curator", stdout=out, stderr=err)
    assert Document.objects.count() == 2
    assert ImportBatch.objects.get().user == curator


@pytest.mark.django_db
def test_import_archive_command_reports_errors_and_fails(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(jsonl_bytes([{**MEMO, "record_id": 700001}, {"record_id": 700002, "title": "=cmd"}]))
    out = StringIO()
    with pytest.raises(CommandError, match="1 created, 0 updated, 0 unchanged, 1 error"):
        call_command("import_archive", str(path), stdout=out, stderr=StringIO())
    assert "row 2, title: starts with “=”" in out.getvalue()
    assert "Nothing was imported" in out.getvalue()
    assert not Document.objects.exists()


# The admin --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def import_uploads(settings, tmp_path):
    """Uploads wait for their confirmation in a folder of the test's own (the storage named "imports")."""
    folder = tmp_path / "imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def waiting_uploads(folder):
    return list(folder.iterdir()) if folder.exists() else []


def upload(client, data, name="documents.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(IMPORT_URL, {"file": file})


@pytest.mark.django_db
def test_admin_import_shows_the_dry_run_then_commits_on_confirmation(curator_client, curator, import_uploads):
    response = curator_client.get("/admin/documents/importbatch/")
    assert IMPORT_URL in response.content.decode()
    response = upload(curator_client, csv_bytes([MEMO, CABLE]))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Dry run: documents.csv" in text
    assert "2 created, 0 updated, 0 unchanged, 0 errors" in text
    assert "Person: Mao Zedong (first named on row 2)" in text
    assert not Document.objects.exists()

    token = response.context["token"]
    response = curator_client.post(IMPORT_URL, {"token": token})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/admin/documents/importbatch/{batch.pk}/change/"
    assert Document.objects.count() == 2 and batch.user == curator
    page = curator_client.get(response.url)
    assert page.status_code == 200
    assert "700002: Cable, Filippov [Stalin] to Mao Zedong" in visible_text(page)
    assert "Undo this import" not in visible_text(page)  # curators do not undo

    # The upload is gone once used: the same confirmation cannot import twice.
    assert not waiting_uploads(import_uploads)
    response = curator_client.post(IMPORT_URL, {"token": token}, follow=True)
    assert "no longer available" in visible_text(response)
    assert ImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_admin_import_can_be_cancelled_and_keeps_no_file(curator_client, import_uploads):
    response = upload(curator_client, csv_bytes([MEMO]))
    assert len(waiting_uploads(import_uploads)) == 1
    response = curator_client.post(IMPORT_URL, {"token": response.context["token"], "cancel": "Cancel"}, follow=True)
    assert "Nothing was imported from documents.csv." in visible_text(response)
    assert not Document.objects.exists() and not waiting_uploads(import_uploads)


@pytest.mark.django_db
def test_an_upload_nobody_confirmed_is_removed_at_a_later_upload(curator_client, import_uploads):
    upload(curator_client, csv_bytes([MEMO]))
    (abandoned,) = waiting_uploads(import_uploads)
    half_a_day_ago = time.time() - 13 * 3600
    os.utime(abandoned, (half_a_day_ago, half_a_day_ago))
    upload(curator_client, csv_bytes([LETTER]))
    assert abandoned not in waiting_uploads(import_uploads) and len(waiting_uploads(import_uploads)) == 1


@pytest.mark.django_db
def test_admin_import_with_errors_offers_no_confirmation(curator_client, import_uploads):
    response = upload(curator_client, csv_bytes([MEMO, {**CABLE, "date": "someday"}]))
    assert response.context["token"] is None
    text = visible_text(response)
    assert "Nothing was imported" in text and "date : “someday” is not a date" in text
    assert 'name="token"' not in response.content.decode()
    assert not waiting_uploads(import_uploads)


@pytest.mark.django_db
def test_a_confirmation_cannot_be_forged_or_reused_by_another_user(curator_client, editor):
    """The token names the upload and who made it: another user, or a changed token, imports nothing."""
    response = upload(curator_client, csv_bytes([MEMO]))
    token = response.context["token"]
    editor_client = Client()
    editor_client.force_login(editor)
    editor_client.post(IMPORT_URL, {"token": token})
    editor_client.post(IMPORT_URL, {"token": token[:-2] + "xx"})
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_admin_undo_page_for_editors(editor_client, editor, existing_archive):
    before = archive_state()
    report = run(changing_file(), user=editor)
    url = f"/admin/documents/importbatch/{report.batch.pk}/undo/"
    page = editor_client.get(f"/admin/documents/importbatch/{report.batch.pk}/change/")
    assert url in page.content.decode()
    confirm = editor_client.get(url)
    assert "delete the 1 document it created" in visible_text(confirm)
    response = editor_client.post(url)
    assert response.status_code == 302
    assert archive_state() == before


@pytest.mark.django_db
def test_admin_undo_page_says_why_it_cannot(editor_client, editor, existing_archive):
    report = run(changing_file(), user=editor)
    Document.objects.filter(record_id=700002).update(title="Changed by someone")
    response = editor_client.post(f"/admin/documents/importbatch/{report.batch.pk}/undo/")
    assert response.status_code == 200
    assert "cannot be undone" in visible_text(response)
    assert "700002: Changed by someone has been changed since the import" in visible_text(response)
    assert ImportBatch.objects.get().status == "applied"


@pytest.mark.django_db
def test_admin_undo_is_refused_to_curators(curator_client, editor, existing_archive):
    report = run(changing_file(), user=editor)
    assert curator_client.post(f"/admin/documents/importbatch/{report.batch.pk}/undo/").status_code == 403
    assert ImportBatch.objects.get().status == "applied"


# The 35 real records ------------------------------------------------------------------------

RECORDS = read_records()
# What the file says about people the records spell several ways, or the PDF layout reversed.
PERSON_ROWS = [
    {
        "kind": "person",
        "name": "Mao Zedong",
        "sort_name": "Mao Zedong",
        "aliases": ["Zedong Mao", "transliteration: Mao Tse-tung"],
    },
    {
        "kind": "person",
        "name": "Chiang Kai-shek",
        "sort_name": "Chiang Kai-shek",
        "aliases": ["Kai-shek (Jiang Jieshi) Chiang", "transliteration: Jiang Jieshi"],
    },
]
ORGANISATIONS = {
    "Japan. Foreign Ministry",
    "Japan. Foreign Ministry. Asian Affairs Bureau",
    "Japan-China Cultural Exchange Association",
    "Japan-China Import-Export Association",
}
ROLE_FIELDS = {"authors": "authors", "document_contributors": "participants", "persons_orgs": "mentioned"}


def assigned_record_ids():
    """Record IDs for the two records without one: the next free numbers, as tests/realdata.py gives them."""
    real = [int(record["record_id"]) for record in RECORDS if record["record_id"]]
    missing = [record["doc_key"] for record in RECORDS if not record["record_id"]]
    return {key: max(real) + n for n, key in enumerate(missing, start=1)}


def record_id(record):
    return int(record["record_id"]) if record["record_id"] else assigned_record_ids()[record["doc_key"]]


def names_in(record, field):
    """The record's names in a role, as the page shows them ("Last, First" → "First Last"); PDF garbage left out."""
    return [person_name(raw)[0] for raw in record[field] or [] if raw.strip() and len(raw) <= MAX_NAME_LENGTH]


def realdata_rows():
    """The 35 records as an import file: people, donors, then one row per document."""
    rows = list(PERSON_ROWS)
    spelled = {name_key(row["name"]) for row in rows} | {
        name_key(a.split(": ")[-1]) for r in rows for a in r["aliases"]
    }
    people = {}
    for record in RECORDS:
        for field in ROLE_FIELDS:
            for raw in record[field] or []:
                if raw.strip() and len(raw) <= MAX_NAME_LENGTH:
                    name, sort_name = person_name(raw)
                    if name_key(name) not in spelled:
                        people.setdefault(name_key(name), (name, sort_name))
    for name, sort_name in people.values():
        kind = "organisation" if name in ORGANISATIONS else "person"
        rows.append({"kind": kind, "name": name, "sort_name": sort_name if sort_name != name else ""})
    donors = {}
    for record in RECORDS:
        for donor in record["donors"]:
            donors.setdefault(donor, record["credits"] or "")
    rows += [{"kind": "donor", "name": name, "acknowledgement": credits} for name, credits in donors.items()]
    for record in RECORDS:
        title = record["title"]
        rows.append(
            {
                "kind": "document",
                "record_id": record_id(record),
                "title": title,
                "status": "published",
                "date": record["date_iso"],
                "date_note": record["date_notes"] or "",
                "type": record["type"] or record["type_inferred_from_title"] or "",
                "languages": record["language"],
                "classification": record["original_classification"] or "",
                "summary": record["summary"] or "",
                "text": record["body"] or "",
                "source": record["source"] or "",
                "archives": record["original_archive"],
                "rights": record["rights"] or "",
                "original_uploaded_date": record["original_uploaded_date"] or "",
                "alternative_titles": [v["title"] for v in record["title_variants"] if v["title"] != title],
                **{column: names_in(record, field) for field, column in ROLE_FIELDS.items()},
                "donors": record["donors"],
                "collections": record["collections"],
                "subjects": record["subjects"],
                "places": record["places"],
                "related": [f"related:{related}" for related in record["related"]],
            }
        )
    return rows


def canonical(name):
    """The person a spelling in the records is, once the aliases say so."""
    for row in PERSON_ROWS:
        if name_key(name) in {name_key(row["name"])} | {name_key(a.split(": ")[-1]) for a in row["aliases"]}:
            return row["name"]
    return name


@pytest.fixture
def imported_realdata(db):
    rows = realdata_rows()
    report = run(csv_bytes(rows, bom=True), file_name="wilson-sample.csv")
    assert report.committed, report.errors
    return report


@pytest.mark.django_db
def test_the_35_real_records_import_from_a_file(imported_realdata):
    """All 35 records become published documents; a person spelled several ways is one person."""
    assert imported_realdata.summary == "35 created, 0 updated, 0 unchanged, 0 errors"
    assert Document.objects.published().count() == 35
    mao = Person.objects.get(name__iexact="mao zedong")
    assert not Person.objects.filter(name__in=["Zedong Mao", "Mao zedong"]).exists()
    assert set(mao.documents.values_list("record_id", flat=True)) == {119300, 110393, 300640}
    chiang = Person.objects.get(name="Chiang Kai-shek")
    assert set(chiang.documents.values_list("record_id", flat=True)) == {300638}
    assert Person.objects.get(name="Japan. Foreign Ministry").kind == "organisation"
    assert Person.objects.get(name="Eisaku Satō").sort_name == "Satō, Eisaku"
    assert not Person.objects.filter(name__startswith="Date:").exists()
    assert sorted(Language.objects.filter(documents__isnull=False).distinct().values_list("code", flat=True)) == sorted(
        LANGUAGE_CODES.values()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("record", RECORDS, ids=[record["doc_key"] for record in RECORDS])
def test_every_field_of_every_real_record_is_on_its_document_page(client, imported_realdata, record):
    """Title, date (and its note), acknowledgement, summary, full text, people by role, places, subjects and
    every Document Information field of the record appear on its page, in the page's order."""
    document = Document.objects.get(record_id=record_id(record))
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    content, text = response.content.decode(), visible_text(response)
    date = expected_display_date(record)
    assert f'<p class="document-date">{date}</p>' in content
    assert f'<h1 id="document-title">{html.escape(record["title"])}</h1>' in content
    if record["credits"]:
        assert f'<p class="acknowledgement">{html.escape(record["credits"])}</p>' in content
    else:
        assert 'class="acknowledgement"' not in content
    assert html.escape(record["body"].strip()) in without_person_links(content)
    assert_in_order(text, header_order(record, date))
    for field, heading in ROLE_FIELDS.items():
        expected = [canonical(name) for name in names_in(record, field)]
        # Authors are named in the compact header beside the title; the others in sections below.
        if heading == "authors":
            assert (fact_items(response, "authors") if expected else []) == expected, field
            assert expected or 'id="authors"' not in content
        elif expected:
            assert section_items(response, f"{heading}-heading") == expected, field
        else:
            assert f'id="{heading}-heading"' not in content
    for field in ("subjects", "places"):
        if record[field]:
            assert sorted(section_items(response, f"{field}-heading")) == sorted(record[field])
    information = ["Document Information"]
    if record["source"]:
        information += ["Source", record["source"]]
    if record["original_archive"]:
        information += ["Original Archive", *sorted(record["original_archive"])]
    if record["rights"]:
        information += ["Rights", record["rights"]]
    if record["original_uploaded_date"]:
        information += ["Original Uploaded Date", record["original_uploaded_date"]]
    if record["type"] or record["type_inferred_from_title"]:
        information += ["Type", record["type"] or record["type_inferred_from_title"]]
    if record["language"]:
        information += ["Language", ", ".join(record["language"])]
    information += ["Record ID", str(record_id(record))]
    if record["original_classification"]:
        information += ["Original Classification", record["original_classification"]]
    if record["donors"]:
        information += ["Donors", ", ".join(sorted(record["donors"]))]
    variants = [v["title"] for v in record["title_variants"] if v["title"] != record["title"]]
    if variants:
        information += ["Other Titles", *variants]
    assert_in_order(text[text.index("Document Information") :], information)


@pytest.mark.django_db
def test_every_field_of_every_real_record_is_in_its_export(imported_realdata):
    """The export's row for each record holds every field of the record, and re-importing it changes nothing."""
    exported = [json.loads(line) for line in "".join(export("jsonl")).splitlines()]
    documents = {row["record_id"]: row for row in exported if row["kind"] == "document"}
    donors = {row["name"]: row for row in exported if row["kind"] == "donor"}
    for record in RECORDS:
        row = documents[record_id(record)]
        assert row["title"] == record["title"]
        assert (row["status"], row["date"], row["date_note"]) == (
            "published",
            record["date_iso"],
            record["date_notes"] or "",
        )
        assert row["type"] == (record["type"] or record["type_inferred_from_title"] or "")
        assert row["languages"] == sorted(LANGUAGE_CODES[name] for name in record["language"])
        assert row["classification"] == (record["original_classification"] or "")
        assert (row["summary"], row["text"], row["source"]) == (
            record["summary"] or "",
            record["body"] or "",
            record["source"] or "",
        )
        assert (row["rights"], row["original_uploaded_date"]) == (
            record["rights"] or "",
            record["original_uploaded_date"] or "",
        )
        assert sorted(row["archives"]) == sorted(record["original_archive"])
        assert row["alternative_titles"] == [
            v["title"] for v in record["title_variants"] if v["title"] != record["title"]
        ]
        for field, column in ROLE_FIELDS.items():
            assert row[column] == [canonical(name) for name in names_in(record, field)], (record["doc_key"], column)
        assert sorted(row["donors"]) == sorted(record["donors"])
        assert sorted(row["subjects"]) == sorted(record["subjects"])
        assert sorted(row["places"]) == sorted(record["places"])
        assert row["related"] == [] and row["collections"] == []
        for donor in record["donors"]:
            # Empty when it is the standard sentence, which the import then supplies.
            assert (donors[donor]["acknowledgement"] or default_acknowledgement(donor)) == record["credits"]
    assert len(documents) == 35
    again = run("".join(export("jsonl")).encode(), file_name="again.jsonl")
    assert again.summary == "0 created, 0 updated, 35 unchanged, 0 errors"


def test_the_real_records_file_expresses_their_quirks():
    """The builder above keeps what tests/realdata.py keeps: a record spelled "Mao zedong", a month-only date."""
    rows = {row.get("record_id"): row for row in realdata_rows() if row["kind"] == "document"}
    assert rows[110393]["authors"] == ["Mao zedong"]
    assert rows[300638]["date"] == "1967-11"
    assert sorted(rows)[-2:] == [300654, 300655]  # the two records without a record ID


# docs/import-format.md ------------------------------------------------------------------------

FORMAT_DOC = Path(__file__).resolve().parent.parent / "docs" / "import-format.md"


def doc_block(language):
    """The text of the first fenced block of this language in docs/import-format.md."""
    match = re.search(rf"^```{language}\n(.*?)^```$", FORMAT_DOC.read_text(), re.S | re.M)
    assert match, f"no ```{language} block"
    return match.group(1)


def test_the_format_doc_lists_every_column_in_order():
    """The columns table of docs/import-format.md is COLUMNS, in the same order."""
    table = re.search(r"^## Columns\n\n(.*?)\n\n", FORMAT_DOC.read_text(), re.S | re.M).group(1)
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, re.M)
    assert documented == COLUMN_NAMES


@pytest.mark.django_db
def test_the_worked_example_imports_as_the_doc_says(tmp_path):
    """The doc's CSV imports with the report it shows; its JSON Lines is the same rows; each is idempotent."""
    path = tmp_path / "example.csv"
    path.write_text(doc_block("csv"), encoding="utf-8", newline="")
    out = StringIO()
    call_command("import_archive", str(path), "--dry-run", stdout=out, stderr=StringIO())
    assert out.getvalue() == doc_block("text")
    call_command("import_archive", str(path), stdout=StringIO(), stderr=StringIO())
    stalin = Person.objects.get(name="Joseph Stalin")
    first = Document.objects.get(record_id=113353)
    assert first.recipients == [stalin] and first.text == "To Comrade Filippov.\nToday Mao Zedong received me."
    second = Document.objects.get(record_id=113377)
    assert second.summary.startswith("-- Stalin's answer") and second.display_date == "June 1949"
    assert Relation.objects.get().type.slug == "reply"
    assert Donor.objects.get().acknowledgement.endswith("the Leon Levy Foundation.")
    imported = archive_state()
    for data, name in [(doc_block("csv").encode(), "again.csv"), (doc_block("jsonl").encode(), "same.jsonl")]:
        report = run(data, file_name=name)
        assert report.summary == "0 created, 0 updated, 2 unchanged, 0 errors", (name, report.errors)
        assert report.other_summary == "person: 1 unchanged; donor: 1 unchanged", name
    assert archive_state() == imported
