"""The reading layout in a real browser (issue 16): the document page reads at about 70 characters a
line with its facts beside the title, the list puts results first on a phone and opens its filters
from a "Filter" control, nothing scrolls sideways at 320 px, and a short cable prints on one A4 page
without the site's chrome. Screenshots of each go to ARCHIVE_SHOTS (if set) for a person to look at."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
PHONE, NARROWEST, DESKTOP = 390, 320, 1280
SHOTS = os.environ.get("ARCHIVE_SHOTS")
# Characters (spaces included) on the longest line of a text block: a Range per character, grouped by
# the line box it lands on.
LONGEST_LINE = """element => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const range = document.createRange(), lines = new Map();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
            if (node.data[i] === "\\n") continue;
            range.setStart(node, i); range.setEnd(node, i + 1);
            const box = range.getClientRects()[0];
            if (box) lines.set(Math.round(box.bottom), (lines.get(Math.round(box.bottom)) || 0) + 1);
        }
    }
    return Math.max(...lines.values());
}"""


def shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def at_width(new_context, width, **options):
    return new_context(viewport={"width": width, "height": 900}, **options).new_page()


def test_the_document_reads_at_about_seventy_characters_a_line_with_its_facts_by_the_title(new_context, archive):
    page = at_width(new_context, DESKTOP)
    page.goto(SEED)
    translation = page.get_by_role("region", name="English translation")
    expect(translation).to_contain_text("Instantsiya [codename for Stalin] is demanding an immediate answer.")
    longest = translation.locator(".document-text").evaluate(LONGEST_LINE)
    assert 55 <= longest <= 80, f"{longest} characters on the translation's longest line"
    facts = page.locator(".document-header dl")
    expect(facts).to_contain_text("February 4, 1949")
    expect(facts).to_contain_text("dated 6 February 1949 in its text")
    for name in ("Joseph Stalin", "Anastas Mikoyan", "Cable", "Strictly Secret"):
        expect(facts.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(facts).to_contain_text("121773")
    # The summary comes before the text, right under the header.
    summary_top = page.locator(".document-summary").first.bounding_box()["y"]
    assert summary_top < translation.bounding_box()["y"]
    shoot(page, "document-1280")


@pytest.mark.parametrize("width", [PHONE, NARROWEST])
def test_on_a_phone_the_results_come_first_and_the_filters_open_from_a_button(new_context, archive, width):
    page = at_width(new_context, width)
    page.goto("/documents/")
    first = page.locator(".results .document-card").first
    assert first.bounding_box()["y"] < 500, "the first result should be near the top"
    filters = page.locator("aside.filters")
    expect(filters).to_be_hidden()
    button = page.get_by_role("button", name="Filter")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "filters")
    shoot(page, f"list-{width}")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(filters).to_be_visible()
    expect(page.get_by_role("heading", name="Search and narrow")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, f"list-{width}-filters-open")
    # A facet from the opened filters narrows the list, which again shows the results first.
    filters.get_by_role("link", name=re.compile(r"^Memorandum of Conversation")).click()
    expect(page.locator("#results-heading")).to_have_text("1 document")
    expect(filters).to_be_hidden()
    page.get_by_role("button", name="Filter (1 in use)").click()
    expect(filters).to_be_visible()
    # Escape closes them and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(filters).to_be_hidden()
    expect(page.get_by_role("button", name="Filter (1 in use)")).to_be_focused()


def test_without_javascript_the_filter_link_shows_the_filters(new_context, archive):
    page = at_width(new_context, PHONE, java_script_enabled=False)
    page.goto("/documents/")
    filters = page.locator("aside.filters")
    expect(filters).to_be_hidden()
    page.get_by_role("link", name="Filter").click()
    expect(filters).to_be_visible()
    assert page.url.endswith("#filters")


def test_on_a_wide_screen_the_filters_stand_beside_the_results_with_no_button(new_context, archive):
    page = at_width(new_context, DESKTOP)
    page.goto("/documents/")
    expect(page.locator("aside.filters")).to_be_visible()
    expect(page.get_by_role("button", name="Filter")).to_be_hidden()
    shoot(page, "list-1280")


@pytest.mark.parametrize("path", ["/documents/", SEED, "/people/joseph-stalin/"])
def test_nothing_scrolls_sideways_at_320_pixels(new_context, archive, path):
    page = at_width(new_context, NARROWEST)
    page.goto(path)
    page.wait_for_load_state("load")
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(element => element.getBoundingClientRect().right > innerWidth + 0.5)
            .map(element => element.outerHTML.slice(0, 80))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), wide
    if path == SEED:
        shoot(page, "document-320")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_pages_of_the_layout_pass_axe(new_context, archive, axe_check, width):
    page = at_width(new_context, width)
    for path in (SEED, "/documents/", "/documents/?q=Mikoyan&type=cable", "/people/joseph-stalin/", "/collections/"):
        page.goto(path)
        page.wait_for_load_state("load")
        axe_check(page)
        if width == PHONE and path == SEED:
            shoot(page, "document-390")
    if width == PHONE:
        page.goto("/documents/")
        page.get_by_role("button", name="Filter").click()
        axe_check(page)


def test_a_ten_line_cable_prints_on_one_a4_page_without_the_sites_chrome(page, archive):
    page.goto(SEED)
    page.wait_for_load_state("load")
    assert len(archive.text.splitlines()) == 11  # the seed: ten lines and its signature date
    page.emulate_media(media="print")
    for chrome in (
        page.get_by_role("navigation", name="Main"),
        page.get_by_role("banner").get_by_role("search"),
        page.get_by_role("button", name="Copy citation"),
        page.get_by_role("group", name=re.compile("^Scans of the original")),
        page.locator(".site-footer"),
    ):
        expect(chrome).to_be_hidden()
    for kept in ("Instantsiya [codename for Stalin]", "Cite this document", "Permanent URL", "Strictly Secret"):
        expect(page.locator("main").get_by_text(kept, exact=False).first).to_be_visible()
    expect(page.locator(".permalink")).to_contain_text(re.compile(r"https?://[^/]+/documents/121773/$"))
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 1, f"the cable prints on {pages} pages"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SHOTS) / "document-print.pdf").write_bytes(pdf)
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        shoot(page, "document-print")
