"""Every way a file enters the archive (a scan in the document form, several scans at once, the
original's PDF, a donor's logo, a collection's image, a restore): its format is read from its
content, it is stored under a name the server chooses, it is served as that format with nosniff and
a sandboxing policy, and a write that fails (a full disk) answers a message and leaves nothing."""

import hashlib
import json
import re
import resource
import signal
import zipfile
from contextlib import contextmanager
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from documents.models import Collection, Document, Donor, Scan
from documents.ops.backup.archive import BackupError
from documents.ops.backup.create import create_backup
from documents.ops.backup.restore import restore_backup
from documents.web.media import MEDIA_CSP

from .factories import DocumentFactory, DonorFactory, image_upload
from .pages import visible_text
from .test_admin import ADD_URL, document_form, inline


def png_html(name="x.html"):
    """A real PNG with a script after its end: a browser told it is HTML runs the script."""
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue() + b"<script>fetch('/admin/');alert(document.domain)</script>")


def gif_js(name="x.js"):
    """A real GIF whose header reads as JavaScript: GIF89a/*…*/=1;alert(1)// (the width bytes open
    a comment that the bytes after the image close)."""
    buffer = BytesIO()
    Image.new("P", (40, 30), 1).save(buffer, "GIF")
    data = b"GIF89a/*" + buffer.getvalue()[8:]
    assert b"*/" not in data
    return SimpleUploadedFile(name, data + b"*/=1;fetch('/admin/');alert(1)//")


def pdf_html(name="x.html"):
    """A file that starts as a PDF and is HTML to a browser that sniffs."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n<html><script>fetch('/admin/');alert(1)</script></html>\n%%EOF\n")


def stored_files(media_root):
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


# Each upload path: (post the file as a curator, the stored FieldFile or None).


def stored(record, field):
    field_file = getattr(record, field, None)
    return field_file or None


def scan_in_document_form(client, file):
    response = client.post(ADD_URL, document_form(scan_file=file))
    scan = Scan.objects.filter(document__record_id=121800).first()
    return response, stored(scan, "image")


def several_scans(client, file):
    document = DocumentFactory()
    url = f"/admin/documents/scan/upload/{document.pk}/"
    response = client.post(url, {"files": [file], "order": "name", "description": ""})
    scan = document.scans.first()
    return response, stored(scan, "image")


def original_pdf(client, file):
    data = {key: value for key, value in document_form(original_pdf=file).items() if not key.startswith("scans-0-")}
    response = client.post(ADD_URL, data | inline("scans", []))
    document = Document.objects.filter(record_id=121800).first()
    return response, stored(document, "original_pdf")


def donor_logo(client, file):
    data = {"name": "Foundation", "slug": "foundation", "description": "", "url": "", "acknowledgement": ""}
    response = client.post("/admin/documents/donor/add/", {**data, "logo": file})
    donor = Donor.objects.filter(slug="foundation").first()
    return response, stored(donor, "logo")


def collection_image(client, file):
    data = {"name": "Trip", "slug": "trip", "description": ""}
    response = client.post("/admin/documents/collection/add/", {**data, "image": file})
    collection = Collection.objects.filter(slug="trip").first()
    return response, stored(collection, "image")


IMAGE_PATHS = [scan_in_document_form, several_scans, donor_logo, collection_image]
ALL_PATHS = [*IMAGE_PATHS, original_pdf]
SERVER_NAME = re.compile(r"^(?:[0-9a-f-]{36}/|pdfs/\d{4}/|donors/|collections/)[0-9a-f]{32}\.(?:png|gif|pdf)$")


def publish_owner(field_file):
    """Publish what the file belongs to, so that an anonymous reader may fetch it."""
    owner = field_file.instance
    document = owner.document if isinstance(owner, Scan) else owner if isinstance(owner, Document) else None
    if document is None:
        document = DocumentFactory(status="published")
        getattr(document, "donors" if isinstance(owner, Donor) else "collections").add(owner)
    else:
        document.status = "published"
        document.save()


# Names a client may choose: dot files, active formats, folders of any system, hidden characters.
HOSTILE_NAMES = [
    ".htaccess",
    "x.svg",
    "x.html",
    "x.js",
    "../x.png",
    "a/b.png",
    "C:\\x.png",
    "x\x00.png",
    "x\x1b[31m.png",
    "x\u202egnp.html",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: path.__name__)
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_no_uploaded_name_decides_where_a_file_is_stored_or_what_it_is_served_as(curator_client, path, name):
    """Rule: the stored name is a random key and the detected format's extension, whatever the
    client called the file; the served type is that format's."""
    file = pdf_html(name) if path is original_pdf else png_html(name)
    response, stored = path(curator_client, file)
    assert response.status_code == 302, visible_text(response)
    assert SERVER_NAME.match(stored.name), stored.name
    if isinstance(stored.instance, Scan):
        assert "/" not in stored.instance.original_filename
        assert not re.search(r"[\x00-\x1f\u202e]", stored.instance.original_filename)
    served = curator_client.get(stored.url)
    assert served.status_code == 200
    assert served["Content-Type"] == ("application/pdf" if path is original_pdf else "image/png")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == MEDIA_CSP


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: path.__name__)
@pytest.mark.parametrize("make", [png_html, gif_js], ids=["png+html", "gif+js"])
def test_a_polyglot_is_served_as_the_image_it_is_and_can_run_nothing(curator_client, media_root, path, make):
    file = make()
    if path is original_pdf:
        response, stored = path(curator_client, file)
        assert response.status_code == 200 and stored is None  # an image is not a PDF
        assert "“x.html” is not a PDF" in visible_text(response) or "“x.js” is not a PDF" in visible_text(response)
        assert stored_files(media_root) == []
        return
    response, stored = path(curator_client, file)
    assert response.status_code == 302, visible_text(response)
    expected = "image/png" if make is png_html else "image/gif"
    publish_owner(stored)
    served = Client().get(stored.url)
    assert served["Content-Type"] == expected
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == MEDIA_CSP
    assert served["Content-Disposition"].startswith("inline;")


# Content that is no image a web page may show, under an image's name.
NOT_WEB_IMAGES = {
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!doctype html><script>alert(1)</script>",
    "pdf": b"%PDF-1.4\n%%EOF\n",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", IMAGE_PATHS, ids=lambda path: path.__name__)
@pytest.mark.parametrize("kind", NOT_WEB_IMAGES)
def test_what_is_not_an_accepted_image_is_refused_whatever_its_name(curator_client, media_root, path, kind):
    response, stored = path(curator_client, SimpleUploadedFile("logo.png", NOT_WEB_IMAGES[kind]))
    assert response.status_code == 200 and stored is None
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_tiff_logo_is_refused_it_is_no_image_a_page_shows(curator_client, media_root):
    response, stored = donor_logo(curator_client, image_upload("logo.png", fmt="TIFF"))
    assert stored is None
    assert "“logo.png” is not a JPEG, PNG, GIF or WebP image, whatever its name says" in visible_text(response)


@pytest.mark.django_db
def test_pdfs_and_tiff_masters_are_downloaded_and_web_images_shown(staff_client):
    document = DocumentFactory()
    (tiff, png) = Scan.append_to(document, [image_upload("a.tif", fmt="TIFF"), image_upload("b.png")])
    document.original_pdf.save("x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    expected = [
        (tiff.image, "image/tiff", "attachment"),
        (tiff.reading, "image/jpeg", "inline"),
        (png.image, "image/png", "inline"),
        (document.original_pdf, "application/pdf", "attachment"),
    ]
    for field_file, content_type, disposition in expected:
        response = staff_client.get(field_file.url)
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].split(";")[0] == disposition, field_file.name


@pytest.mark.django_db
def test_a_file_stored_earlier_under_a_clients_name_is_served_as_what_it_is(client):
    """Files stored before the server chose names keep theirs: the name's extension is never trusted."""
    document = DocumentFactory(status="published")
    (scan,) = Scan.append_to(document, [image_upload("page.png")])
    old_name = f"{scan.key}/page.html"
    with scan.image.open() as stored:
        scan.image.storage.save(old_name, ContentFile(stored.read() + b"<script>alert(1)</script>"))
    Scan.objects.filter(pk=scan.pk).update(image=old_name)
    response = client.get(f"/media/scans/{old_name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"

    Document.objects.filter(pk=document.pk).update(original_pdf="pdfs/old.html")
    default_storage.save("pdfs/old.html", ContentFile(b"<html><script>alert(1)</script></html>"))
    response = client.get("/media/pdfs/old.html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_behind_nginx_the_view_sets_the_same_headers(client, settings):
    settings.SCAN_ACCEL_REDIRECT, settings.MEDIA_ACCEL_REDIRECT = "/internal-scans/", "/internal-media/"
    document = DocumentFactory(status="published")
    (scan,) = Scan.append_to(document, [image_upload("x.html", fmt="GIF")])
    document.original_pdf.save("x.html", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    for field_file, location, content_type in [
        (scan.image, "/internal-scans/", "image/gif"),
        (document.original_pdf, "/internal-media/", "application/pdf"),
    ]:
        response = client.get(field_file.url)
        assert response["X-Accel-Redirect"] == location + field_file.name
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == MEDIA_CSP


@pytest.mark.django_db
def test_a_drafts_pdf_is_hidden_from_anonymous_readers_and_a_file_no_record_names_is_not_served(staff_client):
    client = Client()
    document = DocumentFactory(status="draft")
    document.original_pdf.save("x.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    assert client.get(document.original_pdf.url).status_code == 404
    response = staff_client.get(document.original_pdf.url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    default_storage.save("pdfs/stray.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    assert staff_client.get("/media/pdfs/stray.pdf").status_code == 404
    assert staff_client.get("/media/../archive_project/settings.py").status_code == 404

    donor = DonorFactory()
    donor.logo.save("logo.png", image_upload("logo.png"))
    assert client.get(donor.logo.url).status_code == 404  # no published document names the donor yet
    DocumentFactory(status="published").donors.add(donor)
    assert client.get(donor.logo.url).status_code == 200


# -- a full disk ---------------------------------------------------------------------------------


@contextmanager
def no_file_larger_than(size):
    """A real failed write: this process may not write a file past size bytes (RLIMIT_FSIZE, as a
    quota or a full disk stops it), and the write fails (EFBIG) instead of killing the process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, ignored)


def large_png(name="page.png"):
    buffer = BytesIO()
    Image.merge("RGB", [Image.effect_noise((300, 300), 128)] * 3).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue())  # about 270 kB


def large_pdf(name="original.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF\n")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: path.__name__)
def test_a_full_disk_on_any_upload_path_answers_a_message_and_leaves_nothing(curator_client, media_root, path):
    file = large_pdf() if path is original_pdf else large_png()
    documents = Document.objects.count()
    with no_file_larger_than(100_000):
        response, stored = path(curator_client, file)
    assert response.status_code == 200
    text = visible_text(response)
    assert "could not be stored (File too large). Nothing was saved" in text
    assert stored is None and not Scan.objects.exists()
    assert Document.objects.count() <= documents + 1  # several_scans makes its document before the upload
    assert not Donor.objects.exists() and not Collection.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_file_written_before_a_later_one_fails_is_removed_with_the_rolled_back_save(curator_client, media_root):
    """The PDF fits, the scan after it does not: the form is refused and the PDF is not left."""
    small_pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n")
    with no_file_larger_than(100_000):
        response = curator_client.post(ADD_URL, document_form(scan_file=large_png(), original_pdf=small_pdf))
    assert response.status_code == 200
    assert "could not be stored (File too large). Nothing was saved" in visible_text(response)
    assert not Document.objects.filter(record_id=121800).exists()
    assert stored_files(media_root) == []


# -- restore -------------------------------------------------------------------------------------


def rewrite_media(path, rename):
    """The archive with its media files renamed by rename(name) (and the index and manifest to match),
    as someone crafting an archive would."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    manifest = json.loads(members["manifest.json"])
    index = [json.loads(line) for line in members["media.jsonl"].splitlines()]
    for entry in index:
        if "member" in entry:
            new = rename(entry["name"])
            members[f"media/{entry['storage']}/{new}"] = members.pop(entry["member"])
            entry["name"], entry["member"] = new, f"media/{entry['storage']}/{new}"
    members["media.jsonl"] = b"".join(json.dumps(entry).encode() + b"\n" for entry in index)
    manifest["media"]["sha256"] = hashlib.sha256(members["media.jsonl"]).hexdigest()
    manifest["media"]["size"] = len(members["media.jsonl"])
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rename",
    [lambda name: name.rsplit(".", 1)[0] + ".html", lambda name: name + "\u202egnp.html"],
    ids=["html extension", "bidi"],
)
def test_a_restore_refuses_files_not_named_as_what_they_are(media_root, tmp_path, rename):
    document = DocumentFactory(status="published")
    Scan.append_to(document, [image_upload("page.png")])
    path = tmp_path / "archive.zip"
    create_backup(path)
    rewrite_media(path, rename)
    for file in media_root.rglob("*"):
        if file.is_file():
            file.unlink()
    with pytest.raises(BackupError):
        restore_backup(path, replace=True)
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_the_uploaded_name_is_kept_only_as_data_and_shown_escaped(curator_client):
    markup = '<img src=x onerror="alert(1)">.png'
    _, stored_image = several_scans(curator_client, png_html(markup))
    scan = stored_image.instance
    assert scan.original_filename == markup
    page = curator_client.get(f"/admin/documents/document/{scan.document.pk}/change/").content.decode()
    assert markup not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.png" in page
