"""The reading list (documents/web/reading_list.py): the page a list's address shows, and its downloads."""

import io
import json
import zipfile

import bibtexparser
import pytest
import rispy
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Document

from .factories import DocumentFactory
from .pages import pdf_text

LIST = "/reading-list/"


@pytest.fixture
def listed(demo):
    """The list a reader made: three published documents in their order, a draft, a deleted one and an
    ID never issued."""
    draft = DocumentFactory(draft=True, title="Zzdraft memorandum")
    deleted = DocumentFactory()
    deleted_id = deleted.record_id
    deleted.delete()
    return [900002, 121773, draft.record_id, 900001, deleted_id, 999999999]


def ids(record_ids):
    return ",".join(str(record_id) for record_id in record_ids)


def test_the_list_shows_what_the_reader_may_read_in_their_order_and_says_how_many_are_left_out(listed, client):
    response = client.get(LIST, {"ids": ids(listed)})
    page = response.content.decode()
    assert response.status_code == 200
    titles = [Document.objects.get(record_id=record_id).title for record_id in (900002, 121773, 900001)]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "3 documents on this list are no longer available and are left out." in page
    assert "Zzdraft" not in page
    # The downloads name only what is shown, in the same order.
    assert f'href="/reading-list/citations.bib?ids={ids([900002, 121773, 900001])}"' in page
    assert f'href="/reading-list/documents.zip?ids={ids([900002, 121773, 900001])}"' in page


@pytest.mark.django_db
def test_an_empty_list_says_so(client):
    response = client.get(LIST)
    assert response.status_code == 200 and "Your reading list is empty." in response.content.decode()
    assert client.get(LIST, {"ids": ""}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value, message",
    [
        ("121773,abc", "“abc” is not a record ID"),
        ("-5", "“-5” is not a record ID"),
        ("1e5", "“1e5” is not a record ID"),
        ("１２３", "“１２３” is not a record ID"),
        ("9" * 40, "is not a record ID"),
        # An empty place was quoted as “” is not a record ID: the reader could not see what was meant.
        ("121773,,900001", "two commas with nothing between them, or a comma at its start or end"),
        ("121773,", "two commas with nothing between them, or a comma at its start or end"),
        (ids(range(1, 202)), "at most 200 documents; this one names 201"),
    ],
)
@pytest.mark.parametrize("path", [LIST, f"{LIST}citations.bib", f"{LIST}citations.ris", f"{LIST}documents.zip"])
def test_a_malformed_list_is_refused_with_a_reason(client, path, value, message):
    response = client.get(path, {"ids": value})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_citations_download_as_one_file_in_each_format(listed, client):
    shown = [900002, 121773, 900001]
    bib = client.get(f"{LIST}citations.bib", {"ids": ids(listed)})
    assert bib["Content-Disposition"] == 'attachment; filename="reading-list.bib"'
    entries = bibtexparser.parse_string(bib.content.decode()).entries
    assert [entry.key for entry in entries] == [f"archive{record_id}" for record_id in shown]
    ris = rispy.loads(client.get(f"{LIST}citations.ris", {"ids": ids(listed)}).content.decode())
    assert [entry["urls"] for entry in ris] == [
        [f"http://testserver{Document.objects.get(record_id=record_id).get_absolute_url()}"] for record_id in shown
    ]
    csl = json.loads(client.get(f"{LIST}citations.json", {"ids": ids(listed)}).content)
    assert [item["id"] for item in csl] == [f"archive{record_id}" for record_id in shown]
    assert "Zzdraft" not in bib.content.decode() + json.dumps(csl)


def test_the_zip_holds_each_documents_pdf_and_the_lists_citations(listed, client):
    response = client.get(f"{LIST}documents.zip", {"ids": ids(listed)})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        "archive900002.pdf",
        "archive121773.pdf",
        "archive900001.pdf",
        "reading-list.bib",
        "reading-list.ris",
        "reading-list.json",
    ]
    seed = pdf_text(archive.read("archive121773.pdf"))
    assert "Cable, Joseph Stalin to Anastas Mikoyan" in " ".join(seed.split())
    # The same PDF the document's own link gives.
    assert archive.read("archive121773.pdf") == client.get("/documents/121773/document.pdf").content


def test_a_long_lists_pdfs_come_in_parts(demo, client):
    documents = [DocumentFactory() for _ in range(26)]
    page = client.get(LIST, {"ids": ids(d.record_id for d in documents)}).content.decode()
    assert (
        f'documents.zip?ids={ids(d.record_id for d in documents[:25])}" rel="nofollow" download>documents 1–25' in page
    )
    assert f'documents.zip?ids={documents[25].record_id}" rel="nofollow" download>document 26' in page
    response = client.get(f"{LIST}documents.zip", {"ids": ids(d.record_id for d in documents)})
    assert response.status_code == 400 and "at most 25 PDFs" in response.content.decode()


def test_nothing_to_download_is_a_clear_refusal(listed, client):
    for path in ("citations.bib", "documents.zip"):
        response = client.get(f"{LIST}{path}", {"ids": ids(listed[2:3] + listed[4:])})
        assert response.status_code == 400 and "None of the documents" in response.content.decode()


def test_staff_see_their_drafts_on_a_list_in_answers_no_cache_keeps(listed, staff_client):
    response = staff_client.get(f"{LIST}citations.ris", {"ids": ids(listed)})
    assert "Zzdraft memorandum" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "Zzdraft memorandum" in staff_client.get(LIST, {"ids": ids(listed)}).content.decode()


@pytest.mark.django_db
def test_the_lists_queries_do_not_grow_with_its_length(client):
    few = [DocumentFactory().record_id for _ in range(2)]
    many = few + [DocumentFactory().record_id for _ in range(8)]
    client.get(LIST, {"ids": ids(few)})  # warm what every page reads once
    counts = []
    for listed in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"ids": ids(listed)}).status_code == 200
            assert client.get(f"{LIST}citations.bib", {"ids": ids(listed)}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
