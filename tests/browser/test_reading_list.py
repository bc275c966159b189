"""A reader's reading list in a real browser: marked while browsing, kept in the browser, shown,
downloaded, sent to a colleague, cleared."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
# Screenshots to look at (docs/browser-tests.md): ARCHIVE_SCREENSHOTS=folder.
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS")


def nav_link(page):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Reading list"))


def test_mark_read_download_share_and_clear(new_context, archive, axe_check):
    reader = new_context()
    page = reader.new_page()
    page.goto("/documents/?q=Mikoyan")
    cards = page.locator("article.document-card")
    cards.nth(1).get_by_role("button", name="Add to reading list").click()
    expect(nav_link(page)).to_have_text("Reading list (1)")
    expect(page.locator("[data-reading-list-status]")).to_have_text("Added to your reading list: 1 document.")
    second_title = cards.nth(1).locator(".document-card-title").inner_text()

    page.goto(SEED)
    page.get_by_role("button", name="Add to reading list").first.click()
    expect(nav_link(page)).to_have_text("Reading list (2)")
    # The list outlives the page: another page of the same browser counts it.
    page.goto("/people/")
    expect(nav_link(page)).to_have_text("Reading list (2)")

    nav_link(page).click()
    expect(page.get_by_role("heading", name="2 documents")).to_be_visible()
    titles = page.locator(".reading-list .document-card-title a")
    expect(titles).to_have_text([second_title, "Cable, Joseph Stalin to Anastas Mikoyan"])
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        axe_check(page)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/reading-list-{width}.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    assert download.value.suggested_filename == "reading-list.bib"
    assert "@misc{archive121773," in Path(download.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as download:
        page.get_by_role("link", name="2 PDFs").click()
    assert download.value.suggested_filename == "reading-list.zip"
    shared = page.url

    # A colleague opens the address: the same list, kept apart from theirs until they add it.
    colleague = new_context().new_page()
    colleague.goto(shared)
    expect(colleague.locator(".reading-list .document-card-title a")).to_have_count(2)
    expect(nav_link(colleague)).to_have_text("Reading list")
    colleague.get_by_role("button", name="Keep this reading list in this browser").click()
    expect(nav_link(colleague)).to_have_text("Reading list (2)")

    # Removing on the list's own page shows the shorter list; clearing empties it.
    page.locator(".reading-list").get_by_role("button", name="Remove from reading list").first.click()
    expect(page.get_by_role("heading", name="1 document")).to_be_visible()
    expect(nav_link(page)).to_have_text("Reading list (1)")
    page.get_by_role("button", name="Clear the reading list").click()
    expect(page.get_by_text("Your reading list is empty.")).to_be_visible()
    expect(nav_link(page)).to_have_text("Reading list")
    assert reader.dialogs == []


def test_a_stored_list_beyond_its_limit_or_repeating_itself_still_opens(page, archive):
    """What the browser holds is read, never trusted: an overlong or repeating list (another tab's
    bug, an older version, a hand edit) was counted as it was and sent whole, so the reader's list
    page answered "at most 200" with no way to remove anything."""
    page.goto("/")
    hostile = [121773] * 5000 + list(range(1, 251)) + ["<img src=x onerror=window.pwned=1>", -3, 1.5, None]
    page.evaluate("value => localStorage.setItem('archive-reading-list', JSON.stringify(value))", hostile)
    page.goto("/people/")
    expect(nav_link(page)).to_have_text("Reading list (200)")
    nav_link(page).click()
    # 121773 and 199 record IDs no document has: the list's page opens, and says what it left out.
    expect(page.get_by_role("heading", name="1 document")).to_be_visible()
    expect(page.get_by_text("199 documents on this list are no longer available")).to_be_visible()
    assert page.evaluate("window.pwned") is None
