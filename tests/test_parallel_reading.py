"""Parallel reading (templatetags/reading_tags.py, templates/documents/detail/parallel.html): pages cut at the
texts' page breaks, set beside the scans row by row."""

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Language, Scan
from documents.text import split_pages

from .factories import DocumentFactory, image_upload

TRANSCRIPT = "Строго секретно.\nТоварищу Микояну. //\nВторая страница.\n//\nТретья страница: http://example.org/a//b"
TRANSLATION = "Strictly secret.\nTo Comrade Mikoyan. // Second page. // Third page."


@pytest.mark.parametrize(
    "text, pages",
    [
        ("One page only.", ["One page only."]),
        ("First // second", ["First", "second"]),
        ("First\n//\nsecond\n//", ["First", "second"]),  # a break at the end opens no empty page
        ("See http://example.org//path and a///b", ["See http://example.org//path and a///b"]),
        ("Лист 1 //Лист 2", ["Лист 1 //Лист 2"]),  # "//" must stand alone
        ("", [""]),
    ],
)
def test_texts_are_cut_at_page_breaks_that_stand_alone(text, pages):
    assert split_pages(text) == pages


def page_rows(response):
    """(id, scan's alt text, original, translation) of each page row; a missing part reads as its notice."""
    tree = lxml.html.fromstring(response.content)
    rows = []
    for page in tree.xpath('//section[@data-parallel]//section[@class="parallel-page"]'):
        cells = {}
        for cell in page.xpath('.//div[@class="parallel-cell"]'):
            shown = cell.xpath('.//img/@alt | .//div[@class="document-text"] | .//p[@class="parallel-none"]')
            [part] = shown
            cells[cell.get("data-column")] = part if isinstance(part, str) else " ".join(part.text_content().split())
        rows.append((page.get("id"), cells.get("scan"), cells.get("original"), cells.get("translation")))
    return rows


@pytest.fixture
def cable(db):
    document = DocumentFactory(transcript=TRANSCRIPT, text=TRANSLATION)
    document.languages.add(Language.objects.get_or_create(code="ru", defaults={"name": "Russian"})[0])
    for order in (1, 2):
        Scan.objects.create(
            document=document, image=image_upload(f"sheet-{order}.png"), alt_text=f"Sheet {order}", order=order
        )
    return document


def test_scans_original_and_translation_read_page_by_page(cable, client):
    response = client.get(cable.get_absolute_url())
    assert page_rows(response) == [
        ("page-1", "Sheet 1", "Строго секретно. Товарищу Микояну.", "Strictly secret. To Comrade Mikoyan."),
        ("page-2", "Sheet 2", "Вторая страница.", "Second page."),
        ("page-3", "No scan of this page.", "Третья страница: http://example.org/a//b", "Third page."),
    ]
    tree = lxml.html.fromstring(response.content)
    # The original is marked as Russian for screen readers and fonts; pages link to each other.
    assert tree.xpath('//div[@data-column="original"]/div/@lang') == ["ru", "ru", "ru"]
    assert tree.xpath('//nav[@aria-label="Pages of the document"]//a/@href') == ["#page-1", "#page-2", "#page-3"]
    assert tree.xpath('//section[@id="page-2"]//a[@rel="next"]/@href') == ["#page-3"]
    # Each scan zooms from its full-size file; the separate scan viewer is not repeated.
    assert len(tree.xpath("//a[@data-zoom]")) == 2 and not tree.xpath("//*[@data-scan-viewer]")


@pytest.mark.django_db
def test_original_and_translation_alone_read_side_by_side_on_one_page(client):
    document = DocumentFactory(transcript="Строго секретно.", text="Strictly secret.")
    assert page_rows(client.get(document.get_absolute_url())) == [
        ("page-1", None, "Строго секретно.", "Strictly secret."),
    ]


@pytest.mark.django_db
def test_without_a_transcript_the_page_reads_as_before(client):
    document = DocumentFactory(text="Strictly secret. // Second page.")
    Scan.objects.create(document=document, image=image_upload("sheet.png"), alt_text="Sheet", order=1)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "data-parallel" not in page and "data-scan-viewer" in page
    assert "Strictly secret. // Second page." in page


def test_the_page_with_its_pages_costs_no_query_per_page(cable, client):
    """Three pages or thirty: the same queries (the scans are prefetched, the texts cut in Python)."""
    longer = DocumentFactory(transcript=" // ".join(["лист"] * 30), text=" // ".join(["sheet"] * 30))
    longer.languages.set(cable.languages.all())
    for order in range(1, 31):
        Scan.objects.create(document=longer, image=image_upload(f"s-{order}.png", size=(20, 30)), order=order)
    counts = []
    for document in (cable, longer):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(document.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
