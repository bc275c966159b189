"""Curators in a real browser: a draft made in the admin with people, a relation and a scan,
previewed, then published by an editor; and two people editing one record at once."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from documents.models import Document

from ..factories import image_upload
from .conftest import log_in, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Cable, Mao Zedong to Joseph Stalin, on the browser test"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the cache table outlives the transactional tests' flush


def choose(page, select_id, search, option):
    """Pick a value in one of the admin's autocomplete (Select2) boxes: open it, type, click the match."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-container--open .select2-results__option", has_text=option).first.click()
    expect(page.locator(f"#{select_id} + .select2 .select2-selection__rendered")).to_contain_text(option)


def test_curator_drafts_and_editor_publishes(new_context, demo, curator, editor):
    """A curator's draft, with an author, a recipient, a related document and a scan, is visible
    only to staff until an editor publishes it."""
    page = log_in(new_context(), "curator")
    page.goto("/admin/documents/document/add/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_date").fill("1949-02-07")
    page.locator("#id_text").fill("To Filippov [Stalin]. We have received your cable.")
    expect(page.locator("#id_status")).to_have_count(0)  # a curator cannot set the status

    choose(page, "id_person_links-0-person", "Mao", "Mao Zedong")
    page.locator("#id_person_links-0-role").select_option("author")
    page.locator(".add-row a", has_text="Add another Person in a role").click()
    choose(page, "id_person_links-1-person", "Stalin", "Joseph Stalin")
    page.locator("#id_person_links-1-role").select_option("recipient")

    choose(page, "id_outgoing_relations-0-target", "121773", "Cable, Joseph Stalin to Anastas Mikoyan")
    choose(page, "id_outgoing_relations-0-type", "related", "related to")

    png = image_upload("page-1.png").read()
    page.locator("#id_scans-0-image").set_input_files(
        files=[{"name": "page-1.png", "mimeType": "image/png", "buffer": png}]
    )
    page.locator("#id_scans-0-alt_text").fill("Page 1 of the cable")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    document = Document.objects.get(title=TITLE)
    assert document.status == Document.Status.DRAFT
    url = document.get_absolute_url()

    # The curator previews the draft through the admin's "View on site".
    with page.expect_navigation():
        page.get_by_role("link", name="View on site").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("note")).to_contain_text("Draft preview")
    # In the header beside the title (docs/reading-room.md).
    expect(page.locator(".document-header #authors")).to_contain_text("Mao Zedong")
    expect(page.locator(".document-header #recipients")).to_contain_text("Joseph Stalin")
    related = page.get_by_role("region", name="Related Documents")
    expect(related.get_by_role("link", name="Cable, Joseph Stalin to Anastas Mikoyan")).to_be_visible()
    expect(page.locator(".scan-viewer-image")).to_have_attribute("alt", "Page 1 of the cable")

    # Nobody else sees it yet; the curator has no publish action.
    reader = new_context().new_page()
    assert reader.goto(url).status == 404
    page.goto("/admin/documents/document/")
    expect(page.locator("select[name=action] option[value=publish]")).to_have_count(0)

    staff = log_in(new_context(), "group-editor")
    staff.goto(f"/admin/documents/document/?q={document.record_id}")
    staff.locator(f"input[name=_selected_action][value='{document.pk}']").check()
    staff.locator("select[name=action]").select_option("publish")
    staff.get_by_role("button", name=re.compile("^(Go|Run)$")).click()
    expect(staff.locator(".messagelist")).to_contain_text("Published 1 document.")

    assert reader.goto(url).status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.get_by_role("note")).to_have_count(0)
    expect(reader.get_by_role("region", name="Related Documents")).to_contain_text("Joseph Stalin to Anastas Mikoyan")
    # ...and the related document links back to it.
    reader.get_by_role("link", name="Cable, Joseph Stalin to Anastas Mikoyan").click()
    expect(reader.get_by_role("region", name="Related Documents").get_by_role("link", name=TITLE)).to_be_visible()


def test_simultaneous_edits_conflict(new_context, demo, curator, editor):
    """Two people edit one document at once: fields only one changed are merged, the field both
    changed is shown side by side, and the second person's choice is what is saved; nothing is lost."""
    change = f"/admin/documents/document/{Document.objects.get(record_id=121773).pk}/change/"
    first = sign_in(new_context(), curator)
    second = sign_in(new_context(), editor)
    first.goto(change)
    second.goto(change)

    first.locator("#id_title").fill("Cable, Joseph Stalin to Anastas Mikoyan (corrected)")
    first.locator("#id_summary").fill("The curator's summary.")
    first.get_by_role("button", name="Save and continue editing").click()
    expect(first.locator(".messagelist")).to_contain_text("was changed successfully")

    second.locator("#id_summary").fill("The editor's summary.")
    second.locator("#id_source").fill("Archive of the President, the editor's reading.")
    second.get_by_role("button", name="Save and continue editing").click()
    conflict = second.get_by_role("alert")
    expect(conflict).to_contain_text("Not saved")
    row = conflict.get_by_role("row", name=re.compile("^Summary"))
    expect(row).to_contain_text("The curator's summary.")
    expect(row).to_contain_text("The editor's summary.")
    expect(conflict.get_by_role("row")).to_have_count(2)  # the heading row and Summary: nothing else clashed
    document = Document.objects.get(record_id=121773)
    assert document.summary == "The curator's summary."

    row.get_by_label("Keep mine").check()
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".messagelist")).to_contain_text("was changed successfully")
    document.refresh_from_db()
    assert document.title == "Cable, Joseph Stalin to Anastas Mikoyan (corrected)"
    assert document.summary == "The editor's summary."
    assert document.source == "Archive of the President, the editor's reading."
