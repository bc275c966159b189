"""Scans: validated and made into derivatives once, on upload; several at once, in page order;
nothing left behind by a refused file; a draft's scans hidden from anonymous readers."""

import struct
import zlib
from io import BytesIO

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from documents.models import Document, Scan
from documents.services import publishing

from .factories import DocumentFactory, image_upload
from .pages import visible_text


def stored_files(media_root):
    """Every file under MEDIA_ROOT (where scans are stored by default), as relative paths."""
    if not media_root.exists():
        return []
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


def upload_url(document):
    return f"/admin/documents/scan/upload/{document.pk}/"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb(name="bomb.png", side=30_000):
    """A real PNG of about 100 KB that decodes to side² pixels (900 million by default): one-bit
    black rows, which zlib squeezes a thousandfold."""
    row = b"\x00" * (1 + side // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # width, height, 1 bit, greyscale
    png = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")
    return SimpleUploadedFile(name, png, content_type="image/png")


def corrupt_png(name="corrupt.png"):
    """A real PNG cut off halfway through its pixel data."""
    buffer = BytesIO()
    Image.effect_noise((600, 800), 64).save(buffer, "PNG")
    whole = buffer.getvalue()
    return SimpleUploadedFile(name, whole[: len(whole) // 2], content_type="image/png")


def not_an_image(name="page-2.png"):
    """A PDF renamed .png."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", content_type="image/png")


def noise_upload(name="noise.png", size=(300, 300)):
    """A PNG that hardly compresses: well over 100 KB."""
    buffer = BytesIO()
    Image.merge("RGB", [Image.effect_noise(size, 128)] * 3).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


BAD_FILES = {
    "corrupt": (corrupt_png, "“corrupt.png” is not a readable image", {}),
    "not an image": (not_an_image, "“page-2.png” is not a readable image", {}),
    "decompression bomb": (decompression_bomb, "“bomb.png” declares far more pixels than the largest accepted", {}),
    "too many pixels": (
        lambda: image_upload("huge.png", size=(200, 100)),
        "“huge.png” is 200×100 pixels; the largest accepted is 10,000 pixels in all",
        {"SCAN_MAX_PIXELS": 10_000},
    ),
    "too many bytes": (noise_upload, " KB; the largest accepted is 100.0 KB", {"SCAN_MAX_BYTES": 102_400}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_FILES)
def test_one_bad_file_refuses_the_whole_batch_naming_it_and_nothing_is_stored(staff_client, settings, media_root, kind):
    make_bad, message, limits = BAD_FILES[kind]
    for name, value in limits.items():
        setattr(settings, name, value)
    document = DocumentFactory()
    files = [image_upload("page-1.png", size=(60, 90)), make_bad(), image_upload("page-3.png", size=(60, 90))]
    response = staff_client.post(upload_url(document), {"files": files, "order": "name", "description": ""})
    assert response.status_code == 200
    text = visible_text(response)
    assert message in text and "Nothing was saved" in text
    assert f"“{files[1].name}” " in text
    assert not Scan.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_in_the_document_form_is_refused_and_nothing_is_stored(staff_client, settings, media_root, kind):
    from .test_admin import ADD_URL, document_form

    make_bad, message, limits = BAD_FILES[kind]
    for name, value in limits.items():
        setattr(settings, name, value)
    response = staff_client.post(ADD_URL, document_form(scan_file=make_bad()))
    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Document.objects.filter(record_id=121800).exists() and not Scan.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_tiff_masters_are_accepted_and_kept_as_uploaded(staff_client, media_root):
    document = DocumentFactory()
    master = image_upload("page-1.tif", size=(1200, 1800), fmt="TIFF")
    original = master.read()
    master.seek(0)
    response = staff_client.post(upload_url(document), {"files": [master], "order": "name", "description": ""})
    assert response.status_code == 302
    scan = document.scans.get()
    with scan.image.open() as stored:
        assert stored.read() == original
    assert scan.reading.name.endswith(".jpg") and (scan.reading.width, scan.reading.height) == (1067, 1600)


@pytest.mark.django_db
def test_several_scans_are_appended_in_file_name_order_with_their_derivatives(curator_client, media_root):
    """Rule: a batch becomes the document's next pages, page-2 before page-10, each with a thumbnail
    and a reading-size image made on upload and the original kept."""
    document = DocumentFactory()
    Scan.append_to(document, [image_upload("cover.png", size=(60, 90))])
    files = [
        image_upload("page-10.png", size=(2000, 3000)),
        image_upload("page-2.png", size=(60, 90)),
        image_upload("page-1.jpg", size=(800, 600), fmt="JPEG"),
    ]
    response = curator_client.post(
        upload_url(document), {"files": files, "order": "name", "description": "typed cable"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/documents/document/{document.pk}/change/"
    scans = list(document.scans.all())
    assert [(scan.order, scan.alt_text) for scan in scans] == [
        (1, "Page 1"),
        (2, "Page 2, typed cable"),
        (3, "Page 3, typed cable"),
        (4, "Page 4, typed cable"),
    ]
    # Stored under the server's names (documents/files/uploads.py); the uploaded names are kept as data.
    assert [scan.original_filename for scan in scans[1:]] == ["page-1.jpg", "page-2.png", "page-10.png"]
    assert [scan.image.name.rsplit(".", 1)[1] for scan in scans[1:]] == ["jpg", "png", "png"]
    large = scans[3]
    assert (large.width, large.height) == (2000, 3000)
    assert (large.reading.width, large.reading.height) == (1067, 1600)
    assert (large.thumbnail.width, large.thumbnail.height) == (267, 400)
    small = scans[2]
    assert (small.reading.width, small.reading.height) == (60, 90)  # never enlarged
    # Each scan's three files, in its own folder under the private scans folder, and nothing else.
    expected = sorted(f"scans/{name}" for scan in scans for name in scan.file_names)
    assert stored_files(media_root) == expected and len(expected) == 12


@pytest.mark.django_db
def test_the_order_the_files_were_selected_in_can_be_kept(staff_client):
    document = DocumentFactory()
    files = [image_upload("b.png", size=(20, 20)), image_upload("a.png", size=(20, 20))]
    staff_client.post(upload_url(document), {"files": files, "order": "selected", "description": ""})
    assert [scan.original_filename for scan in document.scans.all()] == ["b.png", "a.png"]


@pytest.mark.django_db
def test_the_document_page_links_to_the_batch_upload(staff_client):
    document = DocumentFactory()
    response = staff_client.get(f"/admin/documents/document/{document.pk}/change/")
    assert f'href="{upload_url(document)}"' in response.content.decode()
    assert "documents/js/scan-order.js" in response.content.decode()
    assert staff_client.get(upload_url(document)).status_code == 200


@pytest.mark.django_db
def test_only_those_who_may_add_scans_may_upload_them(client, django_user_model):
    document = DocumentFactory()
    client.force_login(django_user_model.objects.create_user("visitor", password="x", is_staff=True))
    response = client.post(upload_url(document), {"files": [image_upload()], "order": "name"})
    assert response.status_code == 403
    assert not Scan.objects.exists()


@pytest.mark.django_db
def test_a_failure_part_way_through_a_batch_leaves_no_row_and_no_file(media_root):
    """Rule: stored files follow their rows; if the batch fails after the first page was written,
    that page's files are removed with the rolled-back rows."""
    document = DocumentFactory()
    with pytest.raises(OSError):
        # append_to expects validated files: the second one fails when its derivatives are made.
        Scan.append_to(document, [image_upload("page-1.png"), corrupt_png()])
    assert not Scan.objects.exists()
    assert stored_files(media_root) == []


def change_form_data(response):
    """What the browser would post back from an admin change page, untouched."""
    data = {}
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(name): management[name].value() for name in management.fields}
        forms_on_page += formset.forms
    for form in forms_on_page:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False or isinstance(field, forms.FileField):
                continue
            if isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(item) for item in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


@pytest.mark.django_db
def test_pages_are_reordered_by_their_numbers(staff_client):
    document = DocumentFactory()
    Scan.append_to(document, [image_upload(f"page-{n}.png", size=(20, 20)) for n in (1, 2, 3)])
    url = f"/admin/documents/document/{document.pk}/change/"
    data = change_form_data(staff_client.get(url))
    first, last = (
        key
        for key, value in data.items()
        if key.startswith("scans-") and key.endswith("-order") and value in ("1", "3")
    )
    data[first], data[last] = "3", "1"
    response = staff_client.post(url, data)
    assert response.status_code == 302, visible_text(response)[:2000]
    assert [scan.alt_text for scan in document.scans.all()] == ["Page 3", "Page 2", "Page 1"]
    page = Client().get(document.get_absolute_url()).content.decode()
    positions = [page.index(f'alt="Page {n}"') for n in (3, 2, 1)]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_a_new_row_in_the_form_is_numbered_as_the_next_page(staff_client):
    document = DocumentFactory()
    Scan.append_to(document, [image_upload(f"page-{n}.png", size=(20, 20)) for n in (1, 2)])
    response = staff_client.get(f"/admin/documents/document/{document.pk}/change/")
    scans = next(
        inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "scans"
    )
    assert [form["order"].value() for form in scans.forms] == [1, 2, 3]


@pytest.mark.django_db
def test_a_drafts_scans_are_hidden_from_anonymous_readers_and_shown_to_staff(curator_client):
    """Rule: one visibility rule for scan files too; a draft's scans answer 404 at their URLs."""
    document = DocumentFactory(draft=True)
    (scan,) = Scan.append_to(document, [image_upload("secret.png")])
    urls = [scan.image.url, scan.thumbnail.url, scan.reading.url]
    assert all(url.startswith("/media/scans/") for url in urls)
    anonymous = Client()
    for url in urls:
        assert anonymous.get(url).status_code == 404, url
        preview = curator_client.get(url)
        assert preview.status_code == 200, url
        assert preview["Cache-Control"] == "private, no-store"
    with scan.image.open() as stored:
        assert b"".join(curator_client.get(scan.image.url).streaming_content) == stored.read()
    publishing.publish(Document.objects.filter(pk=document.pk))
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"].startswith("public")
    assert anonymous.get(scan.image.url)["Content-Type"] == "image/png"
    assert anonymous.get(scan.reading.url)["Content-Type"] == "image/jpeg"


@pytest.mark.django_db
def test_only_a_scans_own_files_are_served(client):
    document = DocumentFactory()
    (scan,) = Scan.append_to(document, [image_upload("page.png")])
    key = str(scan.key)
    for path in [
        f"/media/scans/{key}/other.png",
        f"/media/scans/{key}/",
        f"/media/scans/{key}/../{key}/page.png",
        "/media/scans/not-a-key/page.png",
        "/media/scans/00000000-0000-0000-0000-000000000000/page.png",
    ]:
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_the_document_page_shows_thumbnails_linking_to_the_reading_size_and_the_original(client):
    document = DocumentFactory()
    (scan,) = Scan.append_to(document, [image_upload("page.png")], description="typed cable")
    page = client.get(document.get_absolute_url()).content.decode()
    assert f'<a href="{scan.reading.url}"><img src="{scan.thumbnail.url}" alt="Page 1, typed cable"' in page
    assert f'href="{scan.image.url}"' in page


@pytest.mark.django_db
def test_behind_nginx_the_view_only_decides_and_nginx_sends_the_file(client, settings):
    settings.SCAN_ACCEL_REDIRECT = "/internal-scans/"
    (scan,) = Scan.append_to(DocumentFactory(), [image_upload("page.png")])
    response = client.get(scan.thumbnail.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/internal-scans/{scan.thumbnail.name}"
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.django_db
def test_a_batch_over_the_requests_pixel_budget_is_refused_and_nothing_is_stored(staff_client, settings, media_root):
    """Each scan is decoded in turn; together they must not hold the worker past its timeout."""
    settings.SCAN_REQUEST_MAX_PIXELS = 10_000
    document = DocumentFactory()
    files = [image_upload(f"page-{n}.png", size=(60, 90)) for n in (1, 2)]
    response = staff_client.post(upload_url(document), {"files": files, "order": "name", "description": ""})
    assert response.status_code == 200
    assert (
        "These 2 scans hold 10,800 pixels in all; one upload may hold at most 10,000. Upload them in smaller "
        "batches. Nothing was saved." in visible_text(response)
    )
    assert not Scan.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_the_document_forms_new_scans_share_one_pixel_budget(staff_client, settings, media_root):
    from .test_admin import ADD_URL, document_form, inline

    settings.SCAN_REQUEST_MAX_PIXELS = 10_000
    data = document_form() | inline(
        "scans",
        [
            {"image": image_upload(f"page-{n}.png", size=(60, 90)), "alt_text": f"Page {n}", "order": str(n)}
            for n in (1, 2)
        ],
    )
    response = staff_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "These 2 scans hold 10,800 pixels in all" in visible_text(response)
    assert not Document.objects.filter(record_id=121800).exists() and not Scan.objects.exists()
    assert stored_files(media_root) == []
