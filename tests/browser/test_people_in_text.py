"""The people inside a document's text in a real browser: each name a link, its card on hover, on
keyboard focus and on a tap; Escape closes it, nothing moves, axe stays clean; no JavaScript, plain links."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from documents.models import Person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
SHOTS = Path("/work/shots/peopletext")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


@pytest.fixture
def seed(archive):
    Person.objects.filter(slug="joseph-stalin").update(birth_year=1878, death_year=1953)
    return archive


def codename(page):
    return page.locator(".document-text a.person-mention", has_text="Instantsiya")


def test_hover_and_keyboard_show_the_card_without_moving_the_text(new_context, seed, axe_check):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(SEED)
    card = page.locator("#person-card-joseph-stalin")
    expect(card).to_be_hidden()
    axe_check(page)
    text = page.locator(".document-text").first  # the translation, in its framed section
    before = text.bounding_box()

    codename(page).scroll_into_view_if_needed()
    codename(page).hover()
    expect(card).to_be_visible()
    expect(card).to_contain_text("Joseph Stalin (1878–1953)")
    expect(card).to_contain_text("Role in this document: author")
    # Screen readers hear the card as the name's description.
    description = codename(page).evaluate(
        "a => document.getElementById(a.getAttribute('aria-describedby')).textContent"
    )
    assert " ".join(description.split()) == "Joseph Stalin (1878–1953). Role in this document: author"
    assert text.bounding_box() == before  # the card floats over the text: nothing moves
    name_box, card_box = codename(page).bounding_box(), card.bounding_box()
    assert card_box["y"] >= name_box["y"] + name_box["height"] or card_box["y"] + card_box["height"] <= name_box["y"]
    shot(page, "card-hover-1280.png")
    axe_check(page)

    page.mouse.move(5, 5)
    expect(card).to_be_hidden()

    # The keyboard: focus opens the card, Tab goes into it, Escape closes it and returns to the name.
    codename(page).focus()
    expect(card).to_be_visible()
    page.keyboard.press("Tab")
    expect(card.get_by_role("link", name="All documents of Joseph Stalin")).to_be_focused()
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(codename(page)).to_be_focused()
    # Another name's card replaces the first.
    page.locator(".document-text a.person-mention", has_text="MIKOYAN").first.focus()
    expect(page.locator("#person-card-anastas-mikoyan")).to_be_visible()
    expect(card).to_be_hidden()
    shot(page, "card-focus-1280.png")
    axe_check(page)

    page.keyboard.press("Enter")
    page.wait_for_url("**/people/anastas-mikoyan/")


def test_a_tap_on_a_phone_shows_the_card_and_its_link_leads_on(new_context, seed, axe_check):
    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
    page.goto(SEED)
    axe_check(page)
    codename(page).scroll_into_view_if_needed()
    codename(page).tap()
    card = page.locator("#person-card-joseph-stalin")
    expect(card).to_be_visible()
    assert page.url.endswith(SEED)  # the first tap shows the card, it does not leave the page
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "card-tap-390.png")
    axe_check(page)

    page.locator(".document-header h1").tap()
    expect(card).to_be_hidden()
    codename(page).tap()
    card.get_by_role("link", name="All documents of Joseph Stalin").tap()
    page.wait_for_url("**/people/joseph-stalin/")


def test_without_javascript_the_names_are_plain_links(new_context, seed):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(SEED)
    expect(page.locator(".person-card").first).to_be_hidden()
    codename(page).click()
    page.wait_for_url("**/people/joseph-stalin/")
