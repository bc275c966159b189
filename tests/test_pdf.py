"""A document's PDF (documents/web/pdf.py): its page printed on the server, read back by a real parser."""

import io
import zipfile

import pytest
from django.test import Client

from documents.models import Document
from documents.web import pdf
from documents.web.pdf import StaticFilesOnly

from . import pages
from .factories import DocumentFactory
from .realdata import load_records, read_records


@pytest.fixture(autouse=True)
def _pdfs_can_be_made():
    """Without Pango these tests fail, naming the fix, rather than pass for a PDF never made."""
    if pdf.UNAVAILABLE:
        pytest.fail(pdf.UNAVAILABLE, pytrace=False)


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    return pages.pdf_text(response.content)


def test_the_seed_as_pdf_holds_its_title_text_and_citation(demo, client):
    response = client.get("/documents/121773/document.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="archive121773.pdf"'
    text = " ".join(pdf_text(response).split())
    assert "Cable, Joseph Stalin to Anastas Mikoyan" in text
    assert "To Mikoyan" in text  # the translation
    assert "Cite this document" in text
    # The page links it, for readers and for the crawl that checks it never shows a draft.
    assert 'href="/documents/121773/document.pdf"' in client.get("/documents/121773/", follow=True).content.decode()


@pytest.mark.django_db
def test_the_original_script_is_printed_not_dropped(client):
    """Russian transcripts are common; a PDF font without Cyrillic would print blanks or boxes."""
    document = DocumentFactory(transcript="Строго секретно. Товарищу Микояну.")
    text = pdf_text(client.get(f"/documents/{document.record_id}/document.pdf"))
    assert "Товарищу Микояну" in " ".join(text.split())


@pytest.mark.django_db
def test_a_readers_pdf_is_made_once_then_served_from_the_page_cache(client, django_assert_max_num_queries):
    document = DocumentFactory()
    first = client.get(f"/documents/{document.record_id}/document.pdf")
    # Again: the narrow read and the archive's stamp (two), nothing that renders the page.
    with django_assert_max_num_queries(3):
        again = client.get(f"/documents/{document.record_id}/document.pdf")
    assert again.content == first.content
    # An edit makes a new one.
    document.title = "Memorandum, retitled"
    document.save()
    assert "Memorandum, retitled" in pdf_text(client.get(f"/documents/{document.record_id}/document.pdf"))


@pytest.mark.django_db
def test_a_drafts_pdf_is_for_staff_only_and_kept_by_no_cache(staff_client):
    draft = DocumentFactory(draft=True, title="Memorandum not yet published")
    assert Client().get(f"/documents/{draft.record_id}/document.pdf").status_code == 404
    response = staff_client.get(f"/documents/{draft.record_id}/document.pdf")
    assert "Memorandum not yet published" in pdf_text(response)
    assert "Draft preview" in pdf_text(response)
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_deleted_documents_pdf_is_gone_and_an_unknown_one_not_found(client):
    document = DocumentFactory()
    record_id = document.record_id
    document.delete()
    assert client.get(f"/documents/{record_id}/document.pdf").status_code == 410
    assert client.get(f"/documents/{record_id + 1}/document.pdf").status_code == 404
    assert not Document.objects.filter(record_id=record_id).exists()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://testserver.evil/static/documents/css/site.css",
        "http://testserver/static/../archive_project/settings.py",
        "http://testserver/static//etc/passwd",
        "http://testserver/media/scans/1.png",
        "data:text/css,body{}",
    ],
)
def test_a_pdf_reads_no_address_but_the_sites_static_files(url):
    """Curators' HTML could name any address: the printer must never fetch it (no SSRF, no local files)."""
    fetcher = StaticFilesOnly("http://testserver/")
    with pytest.raises(ValueError, match="Only the site's static files"):
        fetcher.fetch(url)


def test_the_sites_stylesheet_is_read_from_disk():
    response = StaticFilesOnly("http://testserver/").fetch("http://testserver/static/documents/css/site.css")
    assert response.content_type == "text/css" and b"body" in response.read()


@pytest.mark.django_db
def test_without_pango_the_page_offers_no_pdf_and_the_check_says_why(client, monkeypatch):
    document = DocumentFactory()
    assert "document.pdf" in client.get(document.get_absolute_url()).content.decode()
    monkeypatch.setattr(pdf, "UNAVAILABLE", "PDFs cannot be made: WeasyPrint needs Pango (no libpango).")
    document.save()  # a new page: the cached one offered the PDF
    assert "document.pdf" not in client.get(document.get_absolute_url()).content.decode()
    response = client.get(f"/documents/{document.record_id}/document.pdf")
    assert response.status_code == 503 and b"needs Pango" in response.content
    assert [warning.id for warning in pdf.pdfs_can_be_made(None)] == ["documents.W003"]


@pytest.mark.django_db
@pytest.mark.parametrize("record_id", [134156, 300638, 300238, 113379])
def test_real_records_print_whole(client, record_id):
    """The longest real text (42,000 characters), a Japanese record, a German one and a short Russian cable:
    each PDF holds the title and the text to its last words (read back as a reader would copy it)."""
    [record] = [record for record in read_records() if record["record_id"] == str(record_id)]
    load_records()
    document = Document.objects.get(record_id=record_id)
    text = " ".join(pdf_text(client.get(f"/documents/{record_id}/document.pdf")).split())
    assert " ".join(document.title.split()) in text
    last_words = " ".join(record["body"].split()[-6:])
    assert last_words in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # WeasyPrint recursed per level here: a 500 after a minute.
        ("<blockquote>" * 300 + "deep" + "</blockquote>" * 300, "nested too deeply"),
        # Over 30 s for a megabyte: gunicorn killed the worker before any PDF was made or cached.
        ("Lorem ipsum dolor sit amet. " * 12_000, "too long"),
    ],
)
def test_a_page_too_big_to_print_on_the_server_is_refused_at_once_with_the_reason(client, text, reason):
    document = DocumentFactory(text=text)
    response = client.get(f"/documents/{document.record_id}/document.pdf")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    message = response.content.decode()
    assert reason in message and "print the page from your browser" in message
    # The page itself still shows it all.
    assert client.get(f"/documents/{document.record_id}/", follow=True).status_code == 200


@pytest.mark.django_db
def test_a_zip_says_why_a_pdf_it_could_not_make_is_missing(client):
    printable = DocumentFactory()
    nested = DocumentFactory(text="<blockquote>" * 300 + "deep" + "</blockquote>" * 300)
    response = client.get("/reading-list/documents.zip", {"ids": f"{printable.record_id},{nested.record_id}"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert f"archive{printable.record_id}.pdf" in names
    assert f"archive{nested.record_id}.pdf" not in names
    assert "nested too deeply" in archive.read(f"archive{nested.record_id}.txt").decode()
    assert "reading-list.bib" in names
