"""Parallel reading in a real browser: scan, original and translation side by side and aligned, columns
switched, tabs on a phone, [ and ] between pages, a deep link to a page, a scan zoomed and moved."""

import os

import pytest
from playwright.sync_api import expect

from documents.models import Language, Scan

from ..factories import DocumentFactory, image_upload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS")

TRANSCRIPT = (
    "Строго секретно\nИ.В. СТАЛИН – А.И. МИКОЯНУ\n6 февраля 1949 г.\n\nМикояну.\n"
    "Получили вашу шифровку. //\nВторая страница шифровки.\nПодпись. //\nТретья страница."
)
TRANSLATION = (
    "Strictly Secret\nI.V. STALIN to A.I. MIKOYAN\n6 February 1949\n\nTo Mikoyan.\n"
    "We received your cable. //\nSecond page of the cable.\nSignature. //\nThird page."
)


@pytest.fixture
def cable(archive):
    document = DocumentFactory(title="Cable with its original", transcript=TRANSCRIPT, text=TRANSLATION)
    document.languages.add(Language.objects.get_or_create(code="ru", defaults={"name": "Russian"})[0])
    for order in (1, 2, 3):
        Scan.objects.create(
            document=document,
            image=image_upload(f"sheet-{order}.png", size=(1200, 1700), color=(250, 245 - 30 * order, 225)),
            alt_text=f"Sheet {order} of the cable",
            order=order,
        )
    return document


def cells(page, number):
    return page.locator(f"#page-{number} .parallel-cell")


def test_side_by_side_aligned_switched_and_turned(page, cable, axe_check):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(cable.get_absolute_url())
    row = cells(page, 2)
    expect(row).to_have_count(3)
    tops = [box["y"] for box in (row.nth(i).bounding_box() for i in range(3))]
    lefts = [box["x"] for box in (row.nth(i).bounding_box() for i in range(3))]
    assert max(tops) - min(tops) < 2 and lefts == sorted(lefts)  # one row: scan, original, translation
    axe_check(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/parallel-1280.png", full_page=True)

    columns = page.get_by_role("group", name="Columns to show")
    columns.get_by_role("button", name="Scan").click()
    expect(columns.get_by_role("button", name="Scan")).to_have_attribute("aria-pressed", "false")
    expect(cells(page, 2).locator("visible=true")).to_have_count(2)
    columns.get_by_role("button", name="Scan").click()
    expect(cells(page, 2).locator("visible=true")).to_have_count(3)

    # ] and [ turn the pages, and the address names the page.
    page.locator("#page-1").focus()
    page.keyboard.press("]")
    expect(page.locator("#page-2")).to_be_focused()
    assert page.url.endswith("#page-2")
    page.keyboard.press("]")
    page.keyboard.press("[")
    expect(page.locator("#page-2")).to_be_focused()

    # The zoom: a dialog, larger with Zoom in, closed with Escape.
    cells(page, 1).locator("a[data-zoom]").click()
    dialog = page.get_by_role("dialog", name="Scan, zoomed")
    expect(dialog).to_be_visible()
    before = dialog.locator("img").bounding_box()["width"]
    dialog.get_by_role("button", name="Zoom in").click()
    dialog.get_by_role("button", name="Zoom in").click()
    assert dialog.locator("img").bounding_box()["width"] > before * 1.5
    axe_check(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_deep_link_opens_at_its_page_and_a_phone_reads_in_tabs(new_context, cable, axe_check):
    page = new_context(viewport={"width": 390, "height": 800}).new_page()
    page.goto(cable.get_absolute_url() + "#page-3")
    expect(page.locator("#page-3")).to_be_in_viewport()
    # One column at a time: the translation first, the others a tap away.
    expect(cells(page, 3).locator("visible=true")).to_have_count(1)
    expect(cells(page, 3).locator("visible=true")).to_contain_text("Third page.")
    page.get_by_role("group", name="Columns to show").get_by_role("button", name="Original").click()
    expect(cells(page, 3).locator("visible=true")).to_contain_text("Третья страница.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/parallel-390.png", full_page=True)
