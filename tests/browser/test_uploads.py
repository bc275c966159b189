"""The critical upload hole, in a real browser: a curator uploads files that are images (or a PDF)
and also HTML or JavaScript, through every upload form, under names that ask for them to be run;
a superuser then opens each one, and loads each as a script from an admin page. Nothing runs:
no dialog, and no request from those pages to the admin."""

import contextlib

import pytest
from django.core.cache import cache
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from documents.models import Collection, Document, Donor

from ..factories import DocumentFactory
from ..test_uploads import gif_js, pdf_html, png_html
from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the cache table outlives the transactional tests' flush


def as_browser_file(upload):
    return {"name": upload.name, "mimeType": "text/html", "buffer": upload.read()}


def test_polyglots_uploaded_on_every_path_run_no_script(new_context, curator, django_user_model):
    document = DocumentFactory(status="draft")
    page = sign_in(new_context(), curator)

    # The document form: the pair in its Scans table (one per save, in the empty row after the saved
    # ones), and the original's PDF, a PDF that is also HTML.
    for row, upload in enumerate([png_html("x.html"), gif_js("x.js")]):
        page.goto(f"/admin/documents/document/{document.pk}/change/")
        page.locator(f"#id_scans-{row}-image").set_input_files(files=[as_browser_file(upload)])
        page.locator(f"#id_scans-{row}-alt_text").fill(f"Page {row + 1}")
        if row == 0:
            page.locator("#id_original_pdf").set_input_files(files=[as_browser_file(pdf_html("x.html"))])
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # Several scans at once: the pair.
    page.goto(f"/admin/documents/scan/upload/{document.pk}/")
    page.locator("input[type=file]").set_input_files(
        files=[as_browser_file(png_html("x.html")), as_browser_file(gif_js("x.js"))]
    )
    page.get_by_role("button", name="Upload and add").click()
    expect(page.locator(".messagelist")).to_contain_text("Added 2 scans")

    # Donors' logos and collections' images: the pair each.
    for url, field in [("/admin/documents/donor/add/", "#id_logo"), ("/admin/documents/collection/add/", "#id_image")]:
        for name, upload in [("HTML", png_html("x.html")), ("JavaScript", gif_js("x.js"))]:
            page.goto(url)
            page.locator("#id_name").fill(f"Polyglot {name}")
            page.locator(field).set_input_files(files=[as_browser_file(upload)])
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    document = Document.objects.get(pk=document.pk)
    scans = list(document.scans.all())
    assert len(scans) == 4
    files = [scan.image.url for scan in scans] + [document.original_pdf.url]
    files += [donor.logo.url for donor in Donor.objects.all()] + [c.image.url for c in Collection.objects.all()]
    assert len(files) == 9

    superuser = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    context = new_context()
    admin_requests = []
    context.on("request", lambda request: "/admin/" in request.url and admin_requests.append(request.url))
    viewer = sign_in(context, superuser)
    for url in files:
        # A PDF is a download, which a browser does not open as a page.
        with contextlib.suppress(PlaywrightError):
            viewer.goto(url)
        viewer.wait_for_timeout(100)
    assert admin_requests == [] and context.dialogs == []

    # One file loaded as a script by a page of the site, as the other could if it were run as HTML.
    viewer.goto("/admin/")
    admin_requests.clear()
    for url in files:
        viewer.evaluate(
            """url => new Promise(done => {
                const script = document.createElement("script");
                script.src = url;
                script.onload = script.onerror = done;
                document.head.append(script);
            })""",
            url,
        )
    viewer.wait_for_timeout(200)
    assert context.dialogs == []
    assert admin_requests == []
