"""The curators' admin: adding a whole document on one page, uploads, publishing."""

import datetime

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document, DocumentPerson, Relation, RelationType, Scan

from .factories import DocumentFactory, DocumentTypeFactory, PersonFactory, image_upload
from .pages import visible_text

ADD_URL = "/admin/documents/document/add/"


def inline(prefix, rows, initial=0):
    """The management form and rows of an admin inline formset, as the browser posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def document_form(scan_file=None, **fields):
    stalin, mikoyan = PersonFactory(name="Joseph Stalin"), PersonFactory(name="Anastas Mikoyan")
    earlier = DocumentFactory(title="Cable, Anastas Mikoyan to Joseph Stalin")
    data = {
        "record_id": "121800",
        "title": "Cable, Joseph Stalin to Anastas Mikoyan",
        "slug": "",
        "status": "draft",
        "date": "1949-02-06",
        "date_precision": "day",
        "doc_type": DocumentTypeFactory(name="Cable").pk,
        "summary": "Stalin demands an immediate answer.",
        "text": "To Mikoyan.",
        **fields,
    }
    data |= inline(
        "person_links",
        [
            {"person": stalin.pk, "role": "author", "order": "0"},
            {"person": mikoyan.pk, "role": "recipient", "order": "0"},
        ],
    )
    data |= inline("outgoing_relations", [{"target": earlier.pk, "type": RelationType.objects.get(slug="reply").pk}])
    data |= inline("incoming_relations", [])
    data |= inline("scans", [{"image": scan_file, "alt_text": "Page 1 of the typed cable", "order": "1"}])
    return data


@pytest.mark.django_db
def test_curator_adds_a_document_with_people_a_relation_and_a_scan(curator_client):
    response = curator_client.post(ADD_URL, document_form(scan_file=image_upload()))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    document = Document.objects.get(record_id=121800)
    assert not document.is_published
    assert [p.name for p in document.authors] == ["Joseph Stalin"]
    assert [p.name for p in document.recipients] == ["Anastas Mikoyan"]
    assert [r.wording for r in document.related_documents()] == ["reply to"]
    scan = document.scans.get()
    assert (scan.width, scan.height) == (640, 900)
    assert scan.thumbnail.name.endswith(".jpg") and scan.thumbnail.height == 400
    assert document.modified_by.username == "curator"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("page.png", b"\x89PNG\r\n\x1a\n not really an image"),
            "“page.png” is not a readable image",
        ),
        (SimpleUploadedFile("page.jpg", b"%PDF-1.4 a pdf named .jpg"), "“page.jpg” is not a readable image"),
        (image_upload("page.bmp", fmt="BMP"), "BMP images are not accepted"),
    ],
)
def test_a_corrupt_or_unsupported_upload_is_refused_and_nothing_is_saved(staff_client, upload, message):
    response = staff_client.post(ADD_URL, document_form(scan_file=upload))
    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Document.objects.filter(record_id=121800).exists()
    assert not Scan.objects.exists() and not DocumentPerson.objects.exists() and not Relation.objects.exists()


@pytest.mark.django_db
def test_a_truncated_image_is_refused(staff_client):
    whole = image_upload("page.jpg", fmt="JPEG").read()
    truncated = SimpleUploadedFile("page.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    response = staff_client.post(ADD_URL, document_form(scan_file=truncated))
    assert response.status_code == 200
    assert not Document.objects.filter(record_id=121800).exists()


@pytest.mark.django_db
def test_a_relation_to_itself_is_refused_with_a_message(staff_client):
    document = DocumentFactory()
    url = f"/admin/documents/document/{document.pk}/change/"
    data = {
        "record_id": document.record_id,
        "title": document.title,
        "slug": document.slug,
        "status": "published",
        "date": "1949-02-04",
        "date_precision": "day",
    }
    data |= inline("person_links", []) | inline("incoming_relations", []) | inline("scans", [])
    data |= inline("outgoing_relations", [{"target": document.pk, "type": RelationType.objects.get(slug="related").pk}])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "A document cannot be related to itself." in visible_text(response)
    assert not Relation.objects.exists()


@pytest.mark.django_db
def test_publish_and_unpublish_actions(staff_client):
    drafts = DocumentFactory.create_batch(2, draft=True)
    staff_client.post("/admin/documents/document/", {"action": "publish", "_selected_action": [d.pk for d in drafts]})
    assert Document.objects.published().count() == 2
    staff_client.post("/admin/documents/document/", {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert Document.objects.published().count() == 1
    assert Document.objects.get(pk=drafts[0].pk).modified_by.username == "editor"


@pytest.mark.django_db
def test_a_saved_record_id_cannot_be_changed_in_the_admin(staff_client):
    document = DocumentFactory()
    form = staff_client.get(f"/admin/documents/document/{document.pk}/change/").content.decode()
    assert 'name="record_id"' not in form
    assert 'name="record_id"' in staff_client.get(ADD_URL).content.decode()


@pytest.mark.django_db
def test_a_curator_without_the_publish_permission_cannot_publish(curator_client):
    draft = DocumentFactory(draft=True)
    changelist = curator_client.get("/admin/documents/document/")
    assert 'value="publish"' not in changelist.content.decode()
    curator_client.post("/admin/documents/document/", {"action": "publish", "_selected_action": [draft.pk]})
    assert not Document.objects.published().exists()
    form = curator_client.get(f"/admin/documents/document/{draft.pk}/change/")
    assert 'name="status"' not in form.content.decode()


@pytest.mark.django_db
def test_changelist_search_and_filters(staff_client):
    wanted = DocumentFactory(record_id=121773, title="Cable, Joseph Stalin to Anastas Mikoyan")
    DocumentFactory(title="Letter about something else", draft=True, date=datetime.date(1958, 9, 4))
    for query in ["q=121773", "q=Mikoyan", "status__exact=published", "decade=1940"]:
        response = staff_client.get(f"/admin/documents/document/?{query}")
        assert response.status_code == 200, query
        assert list(response.context["cl"].result_list) == [wanted], query


@pytest.mark.django_db
def test_every_model_has_a_working_admin_page(staff_client, demo):
    for model in [
        "document",
        "person",
        "donor",
        "collection",
        "relation",
        "relationtype",
        "scan",
        "documenttype",
        "classification",
        "language",
        "subject",
        "place",
        "archive",
        "oldslug",
    ]:
        assert staff_client.get(f"/admin/documents/{model}/").status_code == 200, model
        assert staff_client.get(f"/admin/documents/{model}/?q=a").status_code == 200, model


@pytest.mark.django_db
def test_autocomplete_finds_people_by_alias(staff_client, demo):
    response = staff_client.get(
        "/admin/autocomplete/",
        {"term": "Instantsiya", "app_label": "documents", "model_name": "documentperson", "field_name": "person"},
    )
    assert [result["text"] for result in response.json()["results"]] == ["Joseph Stalin"]


@pytest.mark.django_db
def test_view_on_site_previews_a_draft(staff_client):
    draft = DocumentFactory(draft=True)
    response = staff_client.get(f"/admin/r/{_content_type_id()}/{draft.pk}/", follow=True)
    assert response.status_code == 200
    assert draft.title in visible_text(response)


def _content_type_id():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Document).pk


# Change lists filter only by their declared filters.

REFUSED = "That filter is not available here, or its value is not valid: showing every row."


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def refused(client, url, query):
    """The list answers a refused filter with a redirect to itself, unfiltered, and says why."""
    response = client.get(f"{url}?{query}")
    assert (response.status_code, response.get("Location")) == (302, url), query
    page = client.get(url)
    assert page.status_code == 200 and REFUSED in visible_text(page)
    return True


@pytest.mark.django_db
def test_every_change_list_refuses_a_lookup_it_does_not_declare(staff_client):
    """No admin runs a query parameter that is not one of its filters: ?pk__regex=[ is refused with a
    message, never a database error, on every model, Django's own and DRF's tokens included."""
    for model in admin.site._registry:
        assert refused(staff_client, changelist_url(model), "pk__regex=[")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "title__regex=[",  # an invalid regex: a database error before
        "title__regex=^Cable",  # a valid one is still not a declared filter
        "title__icontains=Cable",
        "donors__name__regex=[",
        "e=1&title__regex=[",
        "doc_type__id__exact=abc",
        "decade=99999999999999999999999",  # too big for the database: 500 before
        "decade=abc",
        "date__year=99999",
        "status__exact=published&title__startswith=C",
    ],
)
def test_document_list_refuses_undeclared_filters_and_invalid_values(staff_client, query):
    DocumentFactory(title="Cable", date=datetime.date(1949, 2, 4))
    refused(staff_client, changelist_url(Document), query)


@pytest.mark.django_db
def test_declared_filters_still_filter_the_document_list(staff_client):
    cable = DocumentFactory(title="Cable", date=datetime.date(1949, 2, 4))
    draft = DocumentFactory(
        title="Draft memo",
        date=datetime.date(1962, 10, 1),
        status=Document.Status.DRAFT,
        doc_type=DocumentTypeFactory(name="Memo"),
    )
    url = changelist_url(Document)
    for query, shown in [
        ("status__exact=draft", [draft]),
        ("decade=1940", [cable]),
        ("date__year=1962", [draft]),
        (f"doc_type__id__exact={cable.doc_type_id}", [cable]),
        ("q=Cable", [cable]),
    ]:
        response = staff_client.get(f"{url}?{query}")
        assert response.status_code == 200, query
        assert list(response.context["cl"].result_list) == shown, query
