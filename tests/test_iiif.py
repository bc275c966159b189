"""IIIF: every manifest valid against the Presentation 3 schema, and what a schema cannot check (ids that
resolve, canvases the size of their images, annotations that paint their own canvas, page order); the
level-0 image service; drafts hidden as everywhere else; the document page's link and viewer."""

import importlib
import json
import re
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft7Validator
from PIL import Image

from documents.iiif import manifests as iiif
from documents.models import Archive, Document, DocumentPerson, Place, Scan, Subject
from documents.services import publishing

from .factories import (
    ClassificationFactory,
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    LanguageFactory,
    PersonFactory,
    RoleFactory,
    image_upload,
)
from .pages import assert_in_order, main_text

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "schemas" / "iiif_3_0.json"
MANIFEST_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_INFO_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def add_scans(document, *files):
    """Real images, uploaded through the model as the admin does."""
    return Scan.append_to(document, list(files), description="typed cable")


@pytest.fixture
def rich(db):
    """A published document with every field the page shows, three scans of different formats and
    sizes, and a page order that differs from the order of upload."""
    document = DocumentFactory(
        title="Cable, Joseph Stalin to Anastas Mikoyan",
        summary="Stalin cable to Mikoyan, asking him to meet Mao.",
        source="Provided by Sergo Mikoyan.\nTranslated by Sergey Radchenko.",
        rights="Reuse is welcome under https://creativecommons.org/licenses/by-nc/4.0/.",
        original_uploaded_date="2015-03-25",
        classification=ClassificationFactory(name="Strictly Secret"),
        alternative_titles="Stalin to Mikoyan\nInstantsiya to Mikoyan",
        date_note="The cable bears no date of its own.",
    )
    document.languages.add(LanguageFactory())
    document.archives.add(Archive.objects.create(name="Archive of the President, Russian Federation"))
    document.places.add(Place.objects.create(name="Xibaipo"))
    document.subjects.add(Subject.objects.create(name="China--History--Civil War, 1945-1949"))
    document.collections.add(CollectionFactory(name="Sino-Soviet Relations"))
    document.donors.add(DonorFactory(name="MacArthur Foundation"), DonorFactory(name="Leon Levy Foundation"))
    for role, name in [
        (DocumentPerson.Role.AUTHOR, "Joseph Stalin"),
        (DocumentPerson.Role.RECIPIENT, "Anastas Mikoyan"),
        (DocumentPerson.Role.PARTICIPANT, "Mao Zedong"),
        (DocumentPerson.Role.MENTIONED, "Zhou Enlai"),
    ]:
        RoleFactory(document=document, person=PersonFactory(name=name), role=role)
    *_, tiny = add_scans(
        document,
        image_upload("page-1.png", size=(1700, 2000)),
        image_upload("page-2.jpg", size=(800, 600), fmt="JPEG"),
        image_upload("page-3.tif", size=(60, 90), fmt="TIFF"),
    )
    # Curators moved the last page to the front.
    Scan.objects.filter(pk=tiny.pk).update(order=0)
    return document


@pytest.fixture
def plain(db):
    """A published document with the least a manifest needs: a title and one scan."""
    document = DocumentFactory(title="Memorandum", summary="", date=None, doc_type=None)
    add_scans(document, image_upload("only.png", size=(640, 900)))
    return document


@pytest.fixture
def draft(db):
    document = DocumentFactory(draft=True, title="Draft memorandum")
    add_scans(document, image_upload("secret.png", size=(640, 900)))
    return document


def manifest_path(document):
    return f"/iiif/{document.record_id}/manifest.json"


def get_manifest(client, document):
    response = client.get(manifest_path(document))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MANIFEST_TYPE
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def path_of(url):
    """The path and query of one of our absolute URLs (the test client answers for testserver)."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def image_size(response):
    with Image.open(BytesIO(body(response))) as image:
        return image.format, image.size


def paintings(manifest):
    for canvas in manifest["items"]:
        for page in canvas["items"]:
            for annotation in page["items"]:
                yield canvas, annotation


def all_ids(value):
    if isinstance(value, dict):
        if "id" in value:
            yield value["id"]
        for item in value.values():
            yield from all_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_ids(item)


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["rich", "plain", "draft"])
def test_every_manifest_validates_against_the_presentation_3_schema(which, request, staff_client, validator):
    """Rule: whatever a document holds or leaves empty, its manifest is valid Presentation 3."""
    document = request.getfixturevalue(which)
    manifest = get_manifest(staff_client, document)
    errors = sorted(validator.iter_errors(manifest), key=lambda error: list(error.absolute_path))
    assert not errors, [f"{list(error.absolute_path)}: {error.message}" for error in errors]
    assert manifest["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert manifest["type"] == "Manifest"
    assert manifest["id"] == f"http://testserver{manifest_path(document)}"
    # Ids are http(s) URLs; the manifest's own resources (canvases, pages, annotations) each have their own.
    ids = [value for value in all_ids(manifest) if value.startswith(f"http://testserver/iiif/{document.record_id}/")]
    assert len(ids) == 1 + 3 * len(manifest["items"]) and len(ids) == len(set(ids))
    assert all(urlsplit(value).scheme in ("http", "https") for value in all_ids(manifest))


@pytest.mark.django_db
def test_every_id_a_viewer_follows_resolves_with_the_right_content_type(client, rich):
    """Rule: the manifest, each painted image, each image service and size, each thumbnail, the
    original and the homepage answer 200 with what they claim to be."""
    manifest = get_manifest(client, rich)
    assert client.get(path_of(manifest["id"])).status_code == 200
    homepage = client.get(path_of(manifest["homepage"][0]["id"]))
    assert homepage.status_code == 200 and homepage["Content-Type"].startswith("text/html")
    assert manifest["homepage"][0]["id"] == f"http://testserver{rich.get_absolute_url()}"
    images = [annotation["body"] for _, annotation in paintings(manifest)]
    images += [canvas["thumbnail"][0] for canvas in manifest["items"]] + manifest["thumbnail"]
    for image in images:
        response = client.get(path_of(image["id"]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", image["id"]
        assert response["Access-Control-Allow-Origin"] == "*"
        assert image_size(response) == ("JPEG", (image["width"], image["height"]))
        service = image["service"][0]
        assert service == {"id": service["id"], "type": "ImageService3", "profile": "level0"}
        info_response = client.get(path_of(service["id"] + "/info.json"))
        assert info_response.status_code == 200 and info_response["Content-Type"] == "application/json"
        assert info_response["Access-Control-Allow-Origin"] == "*"
        info = json.loads(info_response.content)
        assert info["id"] == service["id"] and info["profile"] == "level0" and info["type"] == "ImageService3"
        assert {"width": image["width"], "height": image["height"]} in info["sizes"]
        for size in info["sizes"]:
            sized = client.get(path_of(f"{info['id']}/full/{size['width']},{size['height']}/0/default.jpg"))
            assert image_size(sized) == ("JPEG", (size["width"], size["height"]))
        largest = client.get(path_of(f"{info['id']}/full/max/0/default.jpg"))
        assert image_size(largest) == ("JPEG", (info["width"], info["height"]))
    for canvas in manifest["items"]:
        original = client.get(path_of(canvas["rendering"][0]["id"]))
        assert original.status_code == 200
        assert original["Content-Type"] == canvas["rendering"][0]["format"]


@pytest.mark.django_db
def test_canvases_are_the_size_of_their_images_in_page_order_and_painted_by_their_own_annotation(client, rich):
    """Rule: one canvas per scan, in Scan.order; each canvas has its reading image's size (the full image
    of its service), and its painting annotation targets that canvas."""
    manifest = get_manifest(client, rich)
    scans = list(rich.scans.order_by("order", "pk"))
    assert [scan.original_filename for scan in scans] == ["page-3.tif", "page-1.png", "page-2.jpg"]
    assert [canvas["id"].rsplit("/", 1)[1] for canvas in manifest["items"]] == [str(scan.key) for scan in scans]
    assert [canvas["label"] for canvas in manifest["items"]] == [{"en": [f"Page {n}"]} for n in (1, 2, 3)]
    for scan, (canvas, annotation) in zip(scans, paintings(manifest), strict=True):
        with scan.reading.open() as stored, Image.open(stored) as reading:
            assert (canvas["width"], canvas["height"]) == reading.size
        with scan.image.open() as stored, Image.open(stored) as original:
            # The same page: the reading image is the original scaled down, never up.
            assert abs(canvas["width"] / canvas["height"] - original.width / original.height) < 0.01
            assert canvas["width"] <= original.width
        assert annotation["motivation"] == "painting" and annotation["target"] == canvas["id"]
        assert (annotation["body"]["width"], annotation["body"]["height"]) == (canvas["width"], canvas["height"])
        assert annotation["body"]["format"] == "image/jpeg" and annotation["body"]["type"] == "Image"
        assert canvas["summary"] == {"en": [scan.alt_text]}
    assert [(canvas["width"], canvas["height"]) for canvas in manifest["items"]] == [(60, 90), (1360, 1600), (800, 600)]


@pytest.mark.django_db
def test_the_manifest_describes_the_document_as_its_page_does(client, rich):
    """Rule: label, summary and metadata pairs come from the page, in the page's order; rights only as
    a Creative Commons or RightsStatements URI; the acknowledgement lines are the required statement."""
    manifest = get_manifest(client, rich)
    assert manifest["label"] == {"en": ["Cable, Joseph Stalin to Anastas Mikoyan"]}
    assert manifest["summary"] == {"en": ["Stalin cable to Mikoyan, asking him to meet Mao."]}
    labels = [pair["label"]["en"][0] for pair in manifest["metadata"]]
    assert labels == [
        "Date",
        "Author(s)",
        "Recipient(s)",
        "Participants",
        "Associated People & Organizations",
        "Associated Places",
        "Subjects Discussed",
        "Collections",
        "Source",
        "Original Archive",
        "Rights",
        "Original Uploaded Date",
        "Type",
        "Language",
        "Record ID",
        "Original Classification",
        "Donors",
        "Other Titles",
        "About the Date",
    ]
    values = {pair["label"]["en"][0]: pair["value"] for pair in manifest["metadata"]}
    assert values["Date"] == {"en": ["February 4, 1949"]}
    assert values["Author(s)"] == {"none": ["Joseph Stalin"]}
    assert values["Donors"] == {"none": ["Leon Levy Foundation", "MacArthur Foundation"]}
    assert values["Other Titles"] == {"en": ["Stalin to Mikoyan", "Instantsiya to Mikoyan"]}
    assert values["Record ID"] == {"none": [str(rich.record_id)]}
    # The page shows the same values in the same order: the date (with its note), the authors and the
    # recipients in the header beside the title (docs/reading-room.md), the others after the scans.
    page = main_text(client.get(rich.get_absolute_url()))
    shown = {pair["label"]["en"][0]: next(iter(pair["value"].values()))[0] for pair in manifest["metadata"]}
    in_header = ["Date", "About the Date", "Author(s)", "Recipient(s)"]
    assert_in_order(page[: page.index("English translation")], [shown[label] for label in in_header])
    after_scans = [value for label, value in shown.items() if label not in in_header]
    assert_in_order(page[page.index("Scans of the original") :], after_scans)
    assert manifest["rights"] == "http://creativecommons.org/licenses/by-nc/4.0/"
    assert manifest["requiredStatement"] == {
        "label": {"en": ["Acknowledgement"]},
        "value": {
            "en": [
                "This document was made possible with support from Leon Levy Foundation",
                "This document was made possible with support from MacArthur Foundation",
            ]
        },
    }
    assert manifest["navDate"] == "1949-02-04T00:00:00Z"
    assert manifest["provider"][0]["label"] == {"en": ["Digital Archive"]}


@pytest.mark.django_db
def test_rights_that_are_not_an_allowed_uri_stay_text(client, plain):
    plain.rights = "The History and Public Policy Program welcomes reuse of this document."
    plain.save()
    manifest = get_manifest(client, plain)
    assert "rights" not in manifest
    assert {"label": {"en": ["Rights"]}, "value": {"en": [plain.rights]}} in manifest["metadata"]
    assert "requiredStatement" not in manifest  # no donor, no acknowledgement


@pytest.mark.parametrize(
    "text, uri",
    [
        ("http://rightsstatements.org/vocab/InC-EDU/1.0/", "http://rightsstatements.org/vocab/InC-EDU/1.0/"),
        (
            "See https://creativecommons.org/publicdomain/zero/1.0/.",
            "http://creativecommons.org/publicdomain/zero/1.0/",
        ),
        ("https://example.org/licence", None),
        ("", None),
    ],
)
def test_only_creative_commons_and_rightsstatements_uris_become_rights(text, uri):
    assert iiif.rights_uri(text) == uri


@pytest.mark.django_db
def test_titles_with_quotes_and_markup_stay_plain_text(client, plain):
    """Rule: JSON carries the text as typed, unescaped; a value that would read as HTML to a viewer
    (it starts with "<" and ends with ">") is escaped so that it shows as typed."""
    title = 'The "Long" Telegram </script><script>alert(1)</script> & <b>more</b>'
    plain.title = title
    plain.summary = "<b>Bold</b>"
    plain.save()
    response = client.get(manifest_path(plain))
    manifest = json.loads(response.content)
    assert manifest["label"] == {"en": [title]}
    assert manifest["homepage"][0]["label"] == {"en": [title]}
    assert "&quot;" not in response.content.decode() and "&lt;/script" not in response.content.decode()
    assert manifest["summary"] == {"en": ["<span>&lt;b&gt;Bold&lt;/b&gt;</span>"]}


@pytest.mark.django_db
def test_a_draft_has_no_manifest_info_or_image_for_anonymous_readers(staff_client, draft):
    """Rule: drafts are 404 on every IIIF address for the public, as their pages are; staff preview them."""
    client = Client()
    scan = draft.scans.get()
    service = f"/iiif/image/{scan.key}"
    paths = [
        manifest_path(draft),
        service,
        f"{service}/info.json",
        f"{service}/full/max/0/default.jpg",
        f"{service}/full/{scan.reading_width},{scan.reading_height}/0/default.jpg",
        f"{service}/full/{scan.thumbnail_width},{scan.thumbnail_height}/0/default.jpg",
        f"{service}/0,0,1,1/max/0/default.jpg",  # refused as not found before it is judged
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    for path in paths[:-1]:
        response = staff_client.get(path)
        assert response.status_code in (200, 303), path
        assert response["Cache-Control"] == "private, no-store" if response.status_code == 200 else True
    assert staff_client.get(manifest_path(draft))["X-Robots-Tag"] == "noindex"
    publishing.publish(Document.objects.filter(pk=draft.pk))
    assert client.get(manifest_path(draft)).status_code == 200
    assert client.get(f"{service}/full/max/0/default.jpg")["Cache-Control"] == "public, max-age=3600"


@pytest.mark.django_db
def test_a_document_without_scans_has_no_manifest(client):
    document = DocumentFactory()
    assert client.get(manifest_path(document)).status_code == 404
    assert client.get("/iiif/999999/manifest.json").status_code == 404
    page = client.get(document.get_absolute_url()).content.decode()
    assert "/iiif/" not in page and "scan-viewer.js" not in page


@pytest.mark.django_db
def test_info_json_is_a_level_0_service_offering_the_sizes_made_on_upload(client, rich):
    scan = rich.scans.get(original_filename="page-1.png")
    assert (scan.thumbnail_width, scan.thumbnail_height, scan.reading_width, scan.reading_height) == (
        340,
        400,
        1360,
        1600,
    )
    response = client.get(f"/iiif/image/{scan.key}/info.json", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == IMAGE_INFO_TYPE and "Accept" in response["Vary"]
    assert json.loads(response.content) == {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": f"http://testserver/iiif/image/{scan.key}",
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": 1360,
        "height": 1600,
        "sizes": [{"width": 340, "height": 400}, {"width": 1360, "height": 1600}],
    }
    base = client.get(f"/iiif/image/{scan.key}")
    assert base.status_code == 303 and base["Location"] == f"/iiif/image/{scan.key}/info.json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_path, status",
    [
        ("full/284,400/0/default.jpg", 200),
        ("full/640,900/0/default.jpg", 200),
        ("full/max/0/default.jpg", 200),
        # Valid Image API requests that a level-0 service does not offer.
        ("full/285,400/0/default.jpg", 404),
        ("full/284,/0/default.jpg", 404),
        ("full/pct:50/0/default.jpg", 404),
        ("full/!500,500/0/default.jpg", 404),
        ("full/^max/0/default.jpg", 404),
        ("0,0,100,100/max/0/default.jpg", 404),
        ("square/max/0/default.jpg", 404),
        ("full/max/90/default.jpg", 404),
        ("full/max/!0/default.jpg", 404),
        ("full/max/0/gray.jpg", 404),
        ("full/max/0/default.png", 404),
        # Not Image API syntax at all.
        ("everything/max/0/default.jpg", 400),
        ("full/big/0/default.jpg", 400),
        ("full/0,0/0/default.jpg", 400),
        ("full/max/400/default.jpg", 400),
        ("full/max/left/default.jpg", 400),
        ("full/max/0/pretty.jpg", 400),
        ("full/max/0/default", 400),
        ("full/max/0/default.exe", 400),
    ],
)
def test_image_requests_answer_as_the_image_api_says(client, plain, request_path, status):
    scan = plain.scans.get()
    response = client.get(f"/iiif/image/{scan.key}/{request_path}")
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_unknown_scans_are_not_found(client):
    assert client.get("/iiif/image/00000000-0000-0000-0000-000000000000/info.json").status_code == 404
    assert client.get("/iiif/image/not-a-key/info.json").status_code == 404


@pytest.mark.django_db
def test_the_page_links_the_manifest_by_drag_and_drop_and_loads_the_viewer_without_inline_script(client, rich):
    """Rule: the IIIF drag-and-drop link (href = manifest?manifest=manifest), a self-hosted viewer script
    loaded by src, no inline script or event handler, and a list of thumbnails that works without it."""
    page = client.get(rich.get_absolute_url()).content.decode()
    manifest = f"http://testserver{manifest_path(rich)}"
    assert f'href="{manifest}?manifest={manifest}"' in page
    assert '<script src="/static/documents/js/scan-viewer.js" defer></script>' in page
    # The only script without src is the JSON-LD data block, which browsers never run.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", page), "an inline script"
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"
    assert not re.search(r'<(script src|link rel="stylesheet" href)="(https?:)?//', page), "a file from elsewhere"
    assert page.count("data-scan ") == 3 and "data-scan-viewer" in page
    for scan in rich.scans.all():
        assert f'<a href="{scan.reading.url}"><img src="{scan.thumbnail.url}" alt="{scan.alt_text}"' in page
        assert f'data-width="{scan.reading_width}" data-height="{scan.reading_height}"' in page
    script = (Path(__file__).resolve().parents[1] / "documents/static/documents/js/scan-viewer.js").read_text()
    for needed in ["ArrowLeft", "ArrowRight", "aria-live", "Previous page", "Next page", " of ${pages.length}"]:
        assert needed in script


@pytest.mark.django_db
def test_manifest_queries_do_not_grow_with_scans_or_people(client, plain, rich):
    def count(document):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(manifest_path(document)).status_code == 200
        return len(queries)

    assert count(rich) == count(plain)


@pytest.mark.django_db
def test_the_migration_fills_the_sizes_of_scans_uploaded_before_it(plain):
    scan = plain.scans.get()
    Scan.objects.filter(pk=scan.pk).update(
        thumbnail_width=None, thumbnail_height=None, reading_width=None, reading_height=None, width=None
    )
    migration = importlib.import_module("documents.migrations.0014_scan_sizes")
    migration.read_sizes(apps, SimpleNamespace(connection=connection))
    scan.refresh_from_db()
    assert (scan.width, scan.height, scan.reading_width, scan.reading_height) == (640, 900, 640, 900)
    assert (scan.thumbnail_width, scan.thumbnail_height) == (284, 400)
