"""Hostile text never runs: script payloads in a document's title, summary and text and in a person's
name, alias and biography are shown as text on every page that shows them, public and admin, and no
dialog opens. Once with the site's Content-Security-Policy on, as readers get it; once with the
policy bypassed, to prove that escaping alone holds (the CSP is a second wall, not the only one)."""

import json
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from documents.models import DocumentPerson, PersonAlias

from ..factories import DocumentFactory, PersonFactory, RoleFactory
from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAYLOADS = [
    '<script>alert("script")</script>',
    '<img src=x onerror=alert("img")>',
    '"><svg onload=alert("svg")>',
    "</title><script>confirm('title')</script>",
    "<iframe srcdoc=\"<script>parent.alert('iframe')</script>\"></iframe>",
    "{{ 7|add:'7' }} {% now 'Y' %}",  # template syntax stays text, too
]
TITLE = f"Zanzibar memorandum {PAYLOADS[0]} {PAYLOADS[3]}"
NAME = f"Zanzibar {PAYLOADS[1]} {PAYLOADS[5]}"


@pytest.fixture
def hostile():
    cache.clear()  # the cache table outlives the transactional tests' flush
    person = PersonFactory(name=NAME, biography=f"<p>Biography {PAYLOADS[2]} {PAYLOADS[4]}</p>")
    PersonAlias.objects.create(person=person, name=f"Alias {PAYLOADS[1]}")
    document = DocumentFactory(
        title=TITLE,
        summary=f"Summary {PAYLOADS[2]}",
        text=f"Zanzibar text {' '.join(PAYLOADS)}",
    )
    RoleFactory(document=document, person=person, role=DocumentPerson.Role.AUTHOR)
    return document, person


def assert_inert(page):
    """No element the payloads could have made exists, and none of the page's own elements has an
    inline handler."""
    planted = page.evaluate(
        """() => [
            ...document.querySelectorAll('img[src="x"], svg[onload], iframe, [onerror], [onload]'),
            ...Array.from(document.scripts).filter(
                (script) => !(script.src && new URL(script.src).origin === location.origin)
                    && !["application/ld+json", "application/json"].includes(script.type),
            ),
        ].map((element) => element.outerHTML.slice(0, 200))"""
    )
    assert planted == [], f"planted elements on {page.url}: {planted}"
    # Data blocks (JSON-LD) hold the values too: each must still parse, so nothing broke out of it.
    for data in page.locator('script[type="application/ld+json"], script[type="application/json"]').all():
        json.loads(data.text_content())


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_payloads_never_run(new_context, hostile, curator, bypass_csp):
    document, person = hostile
    context = new_context(bypass_csp=bypass_csp)
    page = context.new_page()

    page.goto(document.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    # The text's tags are dropped by the allow-list cleaner (documents/sanitize.py); what is left is text.
    text = page.get_by_role("region", name="English translation")
    expect(text).to_contain_text("Zanzibar text")
    expect(text).to_contain_text(PAYLOADS[-1])
    expect(page.locator(".document-header #authors")).to_contain_text(NAME)  # the header's Author(s)
    assert_inert(page)
    assert page.title().startswith(TITLE)
    (linked_data,) = (
        json.loads(data.text_content()) for data in page.locator('script[type="application/ld+json"]').all()
    )
    assert linked_data["name"] == TITLE

    for path in (
        "/",
        "/documents/?q=Zanzibar",  # snippets with highlighted words
        f"/documents/?q={PAYLOADS[1]}",  # the query itself, echoed back
        f"/documents/?person={person.slug}",  # the person as a facet and a chip
        "/people/",
        person.get_absolute_url(),
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        assert_inert(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)

    if bypass_csp:
        # The admin, where curators see the same values: lists, change forms, the autocomplete.
        admin = sign_in(context, curator)
        for path in (
            f"/admin/documents/document/?q={document.record_id}",
            f"/admin/documents/document/{document.pk}/change/",
            "/admin/documents/person/?q=Zanzibar",
            f"/admin/documents/person/{person.pk}/change/",
        ):
            admin.goto(path)
            admin.wait_for_load_state("load")
            assert_inert(admin)
        admin.goto("/admin/documents/document/add/")
        admin.locator("#id_person_links-0-person + .select2").click()
        admin.locator(".select2-container--open .select2-search__field").fill("Zanzibar")
        expect(admin.locator(".select2-results__option").first).to_contain_text("onerror")
        assert_inert(admin)

    assert context.dialogs == [], f"payloads ran: {context.dialogs}"


def test_detector_sees_a_dialog(new_context, live_server):
    """The detector works: a dialog opened by the page itself is recorded (here through the
    DevTools protocol, since the site allows no inline script)."""
    context = new_context()
    page = context.new_page()
    page.goto("/")
    page.evaluate("() => setTimeout(() => alert('seen'), 0)")
    page.wait_for_timeout(200)
    assert context.dialogs == ["alert: seen"]
    assert re.search("Digital Archive", page.title())
