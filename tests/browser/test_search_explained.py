"""Search that explains itself, in a real browser: why a result matched, its words marked on the page
it opens with the way back, the person facet's role, and following a search."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
SHOTS = Path("/work/shots/search")
WIDTHS = (1280, 390)


def shoot(page, name, width):
    if SHOTS.parent.is_dir():  # screenshots for a person to look at, where there is a place for them
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_search_says_why_and_a_result_opens_marked_with_the_way_back(new_context, archive, axe_check, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto("/documents/?q=Instantsiya&type=cable")
    cards = page.locator("article.document-card")
    expect(cards.first.locator(".document-card-title")).to_have_text("Cable, Joseph Stalin to Anastas Mikoyan")
    expect(cards.first.locator(".match-reason")).to_have_count(0)  # it says the word itself
    reasons = page.locator(".match-reason")
    expect(reasons).to_have_count(3)
    for index in range(3):
        expect(reasons.nth(index)).to_have_text("Matched Instantsiya, an alias of Joseph Stalin.")
    expect(reasons.first.get_by_role("link", name="Joseph Stalin")).to_have_attribute("href", "/people/joseph-stalin/")
    axe_check(page)
    shoot(page, "results-explained", width)

    cards.first.get_by_role("link", name="Cable, Joseph Stalin to Anastas Mikoyan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cable, Joseph Stalin to Anastas Mikoyan")
    marked = page.locator(".document-text mark")
    expect(marked.first).to_have_text("Instantsiya")
    marked.first.scroll_into_view_if_needed()
    axe_check(page)
    shoot(page, "document-marked", width)
    page.get_by_role("navigation", name="Search results").get_by_role("link", name="Back to results").click()
    expect(page).to_have_url(re.compile(r"/documents/\?q=Instantsiya&type=cable$"))
    expect(page.locator("#results-heading")).to_have_text("1–4 of 4 documents")


def test_the_marks_are_in_the_page_itself_without_javascript(new_context, archive):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{SEED}?results=q%3Ddemanding")
    expect(page.locator("article.document mark")).to_have_text(["demands", "demanding"])  # summary, then text
    page.get_by_role("link", name="Read without marks").click()
    expect(page).to_have_url(re.compile(re.escape(SEED) + "$"))
    expect(page.locator("mark")).to_have_count(0)


def open_filters(page):
    """On a phone the filters fold away behind the Filter button (the results come first): open them."""
    toggle = page.get_by_role("button", name=re.compile("^Filter"))
    if toggle.is_visible():
        toggle.click()


@pytest.mark.parametrize("width", WIDTHS)
def test_choosing_a_role_narrows_the_chosen_person(new_context, archive, axe_check, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto("/documents/")
    open_filters(page)
    people = page.locator("section.facet", has=page.get_by_role("heading", name="People (any role)"))
    people.get_by_role("link", name=re.compile("^Joseph Stalin")).click()
    chips = page.get_by_role("list", name="Selections in use")
    expect(chips).to_contain_text("Person (any role): Joseph Stalin")
    any_role = page.locator("#results-heading").inner_text()
    open_filters(page)
    page.get_by_role("link", name="author", exact=True).click()
    page.wait_for_url("**role=author*")
    open_filters(page)
    expect(page.get_by_role("heading", name="People (author)")).to_be_visible()
    expect(chips).to_contain_text("Author: Joseph Stalin")
    expect(chips).not_to_contain_text("any role")
    authors = page.locator("section.facet", has=page.get_by_role("heading", name="People (author)"))
    expect(authors.locator("a.selected")).to_contain_text("Joseph Stalin")
    expect(page.locator("#results-heading")).not_to_have_text(any_role)
    for meta in page.locator("article.document-card .document-meta").all():
        expect(meta).to_contain_text("by Joseph Stalin")
    axe_check(page)
    shoot(page, "facet-author", width)


def test_follow_this_search_is_a_feed_a_reader_can_subscribe_to(page, archive):
    page.goto("/documents/?q=Mikoyan&type=cable")
    link = page.get_by_role("link", name="Follow this search")
    expect(link).to_have_attribute("href", "/feeds/documents/?q=Mikoyan&type=cable")
    alternate = page.locator('head link[rel=alternate][href="/feeds/documents/?q=Mikoyan&type=cable"]')
    expect(alternate).to_have_attribute("type", "application/atom+xml")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())
    titles = [
        entry.findtext("{http://www.w3.org/2005/Atom}title")
        for entry in feed.iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert titles and all(title.startswith("Cable") for title in titles)
