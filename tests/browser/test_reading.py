"""A reader in a real browser: search, facets on and off, paging, a document, its citation copied,
its scans in the viewer; then all of it again with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"


def facets(page):
    return page.locator("aside.filters")


def results(page):
    return page.locator("#results-heading")


def test_search_facets_and_paging(page, archive):
    """The search box finds, a facet narrows and its chip removes it, and pages keep the filters."""
    page.goto("/")
    search = page.get_by_role("banner").get_by_role("search")
    search.get_by_label("Search the archive").fill("Mikoyan")
    search.get_by_role("button", name="Search").click()
    expect(results(page)).to_have_text("1–5 of 5 documents")

    facets(page).get_by_role("link", name=re.compile(r"^Memorandum of Conversation")).click()
    expect(results(page)).to_have_text("1 document")
    expect(page.locator(".document-card-title")).to_have_text(
        "Memorandum of Conversation between Anastas Mikoyan and Mao Zedong"
    )
    chips = page.get_by_role("list", name="Selections in use")
    expect(chips).to_contain_text("Memorandum of Conversation")

    # The chip's ✕ takes the choice away; so does the selected facet's own link, below.
    page.get_by_role("link", name="Remove type Memorandum of Conversation").click()
    expect(results(page)).to_have_text("1–5 of 5 documents")
    assert "q=Mikoyan" in page.url and "type=" not in page.url

    facets(page).get_by_role("link", name=re.compile(r"^Cable\b")).click()
    expect(results(page)).to_have_text("1–4 of 4 documents")
    facets(page).get_by_role("link", name=re.compile(r"^Cable .*selected")).click()
    expect(results(page)).to_have_text("1–5 of 5 documents")

    # All 26 documents: two pages, and the type filter survives paging.
    page.get_by_role("link", name="Clear all").click()
    expect(results(page)).to_have_text("1–20 of 26 documents")
    facets(page).get_by_role("link", name=re.compile(r"^Cable\b")).click()
    expect(results(page)).to_have_text("1–20 of 25 documents")
    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Next").click()
    expect(results(page)).to_have_text("21–25 of 25 documents")
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
    assert "type=cable" in page.url
    pages.get_by_role("link", name="Previous").click()
    expect(results(page)).to_have_text("1–20 of 25 documents")


def test_document_citation_and_scans(new_context, archive):
    """From the results to the document page; the citation lands on the clipboard; the viewer turns pages."""
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/documents/?q=Instantsiya")
    # Two cables share the title; the seed record is the one with scans. A result's link carries the
    # way back to the results (tests/browser/test_search_explained.py).
    page.locator(f'a[href="{SEED}?results=q%3DInstantsiya"]').click()
    expect(page).to_have_url(re.compile(re.escape(SEED) + r"\?results=q%3DInstantsiya$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cable, Joseph Stalin to Anastas Mikoyan")

    citation = page.locator("#citation-text").inner_text()
    assert "Cable, Joseph Stalin to Anastas Mikoyan" in citation
    page.get_by_role("button", name="Copy citation").click()
    expect(page.locator("[data-cite-status]")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == " ".join(citation.split())

    viewer = page.get_by_role("group", name=re.compile("^Scans of the original"))
    image = page.locator(".scan-viewer-image")
    status = page.locator(".scan-viewer-status")
    expect(status).to_have_text("Page 1 of 2")
    expect(image).to_have_attribute("alt", "Page 1 of the typed cable")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, "the reading image did not load"
    page.get_by_role("button", name="Next page").click()
    expect(status).to_have_text("Page 2 of 2")
    expect(image).to_have_attribute("alt", "Page 2 of the typed cable")
    expect(page.get_by_role("button", name="Next page")).to_have_attribute("aria-disabled", "true")
    page.get_by_role("button", name="Previous page").click()
    expect(status).to_have_text("Page 1 of 2")
    # A thumbnail opens its page in the viewer, not a new page.
    page.locator(".scans a", has=page.get_by_role("img", name="Page 2 of the typed cable")).click()
    expect(status).to_have_text("Page 2 of 2")
    expect(viewer).to_be_focused()
    assert page.url.endswith(SEED + "?results=q%3DInstantsiya")


def tab_to(page, target, limit=80, back=False):
    """Press Tab (or Shift+Tab) until the target has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_keyboard_only(new_context, archive):
    """Everything above with the keyboard alone: every control is reachable and works with Enter or arrows."""
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/")

    # The first Tab reaches the skip link, which moves the focus to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    search = page.get_by_role("banner").get_by_label("Search the archive")
    tab_to(page, search, back=True)
    page.keyboard.type("Mikoyan")
    page.keyboard.press("Enter")
    expect(results(page)).to_have_text("1–5 of 5 documents")

    facet = facets(page).get_by_role("link", name=re.compile(r"^Memorandum of Conversation"))
    tab_to(page, facet)
    page.keyboard.press("Enter")
    expect(results(page)).to_have_text("1 document")
    remove = page.get_by_role("link", name="Remove type Memorandum of Conversation")
    tab_to(page, remove)
    page.keyboard.press("Enter")
    expect(results(page)).to_have_text("1–5 of 5 documents")

    page.goto("/documents/")
    following = page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next")
    tab_to(page, following)
    page.keyboard.press("Enter")
    expect(results(page)).to_have_text("21–26 of 26 documents")
    previous = page.get_by_role("navigation", name="Pages").get_by_role("link", name="Previous")
    tab_to(page, previous)
    page.keyboard.press("Enter")
    expect(results(page)).to_have_text("1–20 of 26 documents")

    title = page.locator(f'a[href^="{SEED}?results="]')  # a result's link, with the way back to this page
    tab_to(page, title)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cable, Joseph Stalin to Anastas Mikoyan")

    # The viewer: arrows, End and Home turn the pages while it has the focus.
    viewer = page.get_by_role("group", name=re.compile("^Scans of the original"))
    status = page.locator(".scan-viewer-status")
    tab_to(page, viewer)
    page.keyboard.press("ArrowRight")
    expect(status).to_have_text("Page 2 of 2")
    page.keyboard.press("Home")
    expect(status).to_have_text("Page 1 of 2")
    page.keyboard.press("End")
    expect(status).to_have_text("Page 2 of 2")
    page.keyboard.press("ArrowLeft")
    expect(status).to_have_text("Page 1 of 2")
    next_page = page.get_by_role("button", name="Next page")
    tab_to(page, next_page)
    page.keyboard.press("Enter")
    expect(status).to_have_text("Page 2 of 2")
    page.keyboard.press("Space")  # at the last page the button keeps its focus and does nothing
    expect(status).to_have_text("Page 2 of 2")
    expect(next_page).to_be_focused()

    copy = page.get_by_role("button", name="Copy citation")
    tab_to(page, copy)
    page.keyboard.press("Enter")
    expect(page.locator("[data-cite-status]")).to_have_text("Copied")
    assert "Cable, Joseph Stalin to Anastas Mikoyan" in page.evaluate("navigator.clipboard.readText()")
