"""A reader follows the seed's versions in Chromium: from the current page to an earlier version,
reads the notice and what changed, and back; axe finds nothing serious at 1280 and 390 px."""

import os
from pathlib import Path

import pytest

from documents.history.public import number_history
from documents.history.recording import recording
from documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHOTS = Path(os.environ.get("ARCHIVE_SHOTS", "/work/shots/versions"))


@pytest.fixture
def versioned(archive):
    """The seed with two public versions: as loaded, then with its summary corrected."""
    number_history(Document.objects.filter(pk=archive.pk))
    seed = Document.objects.get(pk=archive.pk)
    seed.summary = seed.summary.replace("Stalin", "Joseph Stalin", 1) + " Corrected after a reader's note."
    with recording(None, "Corrected the summary."):
        seed.save()
    return seed


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reader_goes_from_the_current_page_to_an_earlier_version_and_back(new_context, versioned, axe_check, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(versioned.get_absolute_url())
    versions = page.locator("section.document-versions")
    assert "This is version 2" in versions.inner_text()
    versions.get_by_text("All versions (2)").click()
    versions.get_by_role("link", name="Version 1").click()
    page.wait_for_url("**/v/1/")
    notice = page.locator(".version-notice")
    assert notice.is_visible()
    assert "You are reading version 1 of 2, as published on" in notice.inner_text()
    assert "Corrected after a reader's note." not in page.locator("main").inner_text()
    assert no_sideways_scroll(page)
    axe_check(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"version-1-{width}.png")

    page.goto(f"/documents/{versioned.record_id}/v/2/")
    assert page.get_by_text("What changed from version 1").is_visible()
    changes = page.locator(".version-changes dl")
    assert changes.is_visible()
    assert "Corrected after a reader's note." in changes.locator("ins").first.inner_text()
    assert no_sideways_scroll(page)
    axe_check(page)
    page.locator(".version-notice").screenshot(path=SHOTS / f"version-2-changes-{width}.png")
    page.get_by_role("link", name="Read the current version.").click()
    page.wait_for_url(f"**{versioned.get_absolute_url()}")
    page.locator("section.document-versions").screenshot(path=SHOTS / f"current-versions-{width}.png")
    axe_check(page)
