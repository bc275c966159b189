"""Who wrote to whom, in a real browser: the archive's network and a person's, read and followed with
the keyboard alone."""

import os

import pytest
from playwright.sync_api import expect

from documents.models import DocumentPerson, Person

from ..factories import DocumentFactory, RoleFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS")
NAMES = [
    "Dean Rusk",
    "Andrei Gromyko",
    "Anatoly Dobrynin",
    "U Thant",
    "Zhou Enlai",
    "Chiang Kai-shek",
    "Nikita Khrushchev",
]


@pytest.fixture
def letters(archive):
    """Seven correspondents and Stalin, in 20 letters of weights from 1 to 5."""
    people = [Person.objects.get_or_create(name=name)[0] for name in [*NAMES, "Joseph Stalin"]]
    for index, author in enumerate(people):
        for step in (1, 3):
            recipient = people[(index + step) % len(people)]
            for _ in range(1 + (index + step) % 5 if step == 1 else 1):
                document = DocumentFactory()
                RoleFactory(document=document, person=author, role=DocumentPerson.Role.AUTHOR)
                RoleFactory(document=document, person=recipient, role=DocumentPerson.Role.RECIPIENT)


def test_the_network_reads_and_follows_by_keyboard(page, letters, axe_check):
    page.goto("/people/")
    page.get_by_role("link", name="Who wrote to whom").click()
    figure = page.locator("figure.network")
    expect(figure.locator(".network-nodes a")).to_have_count(9)  # and Anastas Mikoyan, who wrote to Stalin in the demo
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        axe_check(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/network-{width}.png", full_page=True)
    # Tab reaches the arrows: the first is the busiest pair, and Enter opens its documents.
    first = figure.locator(".network-edges a").first
    label = first.get_attribute("aria-label")
    first.focus()
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/documents/?author=*")
    count = label.rsplit(": ", 1)[1].split()[0]
    expect(page.locator("#results-heading")).to_contain_text(count)

    page.goto("/people/dean-rusk/")
    person = page.locator("figure.network")
    expect(person.locator(".network-nodes a").first).to_have_attribute("aria-label", "Dean Rusk")
    axe_check(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/network-person.png", full_page=True)


def test_a_name_without_spaces_fits_a_phone(new_context, archive):
    """A name is whatever a curator typed: 245 letters without a space widened the person's page and
    the network's table to thousands of pixels on a 390 px phone."""
    long = Person.objects.create(name="Wolfeschlegelsteinhausenbergerdorff" * 7)
    other = Person.objects.create(name="Hans Müller")
    document = DocumentFactory()
    RoleFactory(document=document, person=long, role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=document, person=other, role=DocumentPerson.Role.RECIPIENT)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    for path in (f"/people/{long.slug}/", "/people/network/"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/long-name{path.replace('/', '-')}390.png", full_page=True)


def test_every_name_in_the_figure_is_drawn_inside_it(page, archive):
    """Names of 25 letters and more (full Russian names with patronymics) ran past the figure's edge
    on both sides, cut off mid-word ("rrespondent", "Vyacheslav Mikhailovich M")."""
    centre = Person.objects.create(name="Joseph Vissarionovich Stalin")
    for name in (
        "Vyacheslav Mikhailovich Molotov",
        "Anastas Ivanovich Mikoyan",
        "Andrei Andreyevich Gromyko",
        "Lavrentiy Pavlovich Beria",
        "Kliment Yefremovich Voroshilov",
        "Lazar Moiseyevich Kaganovich",
        "Georgy Maximilianovich Malenkov",
        "Nikolai Alexandrovich Bulganin",
    ):
        document = DocumentFactory()
        RoleFactory(document=document, person=centre, role=DocumentPerson.Role.AUTHOR)
        RoleFactory(document=document, person=Person.objects.create(name=name), role=DocumentPerson.Role.RECIPIENT)
    for path in (f"/people/{centre.slug}/", "/people/network/"):
        page.goto(path)
        outside = page.evaluate(
            """() => [...document.querySelectorAll('.network svg')].flatMap(svg => {
                const box = svg.viewBox.baseVal;
                return [...svg.querySelectorAll('text')].map(text => [text.textContent, text.getBBox()])
                    .filter(([, b]) => b.x < box.x || b.x + b.width > box.x + box.width)
                    .map(([name]) => name);
            })"""
        )
        assert outside == [], path
