"""A donor or collection that documents name is not deleted (models/groups.py), drafts' included, as a
person is not: the API answers 409 naming the record IDs, the admin names the documents and refuses."""

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from rest_framework.authtoken.models import Token

from documents.models import Collection, Donor

from .factories import CollectionFactory, DocumentFactory, DonorFactory

API = "/api/v1"
GROUPS = [
    pytest.param(DonorFactory, "donors", "donor", id="donor"),
    pytest.param(CollectionFactory, "collections", "collection", id="collection"),
]


@pytest.fixture
def editor_api(editor):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")


def named_group(factory, field):
    """A group named by a published document and a draft, with the documents."""
    group = factory(name="Blavatnik Family Foundation")
    published = DocumentFactory(record_id=121773)
    draft = DocumentFactory(record_id=121780, draft=True)
    for document in (published, draft):
        getattr(document, field).add(group)
    return group, published, draft


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "field", "path"), GROUPS)
def test_deleting_a_named_donor_or_collection_through_the_api_is_a_409_naming_the_record_ids(
    editor_api, factory, field, path
):
    group, published, draft = named_group(factory, field)
    url = f"{API}/{path}s/{group.slug}/"
    tag = editor_api.get(url)["ETag"]
    response = editor_api.delete(url, HTTP_IF_MATCH=tag)
    assert response.status_code == 409, response.content
    body = response.json()["error"]
    assert body["code"] == "still_named"
    assert body["fields"] == {"documents": ["121773", "121780"]}
    assert "121773, 121780" in body["message"] and "nothing was deleted" in body["message"]
    assert type(group).objects.filter(pk=group.pk).exists()
    assert list(getattr(published, field).all()) == [group] and list(getattr(draft, field).all()) == [group]
    assert editor_api.get(url)["ETag"] == tag


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "field", "path"), GROUPS)
def test_a_donor_or_collection_named_only_by_a_draft_is_not_deleted_either(editor_api, factory, field, path):
    group = factory()
    getattr(DocumentFactory(record_id=121790, draft=True), field).add(group)
    url = f"{API}/{path}s/{group.slug}/"
    response = editor_api.delete(url, HTTP_IF_MATCH=editor_api.get(url)["ETag"])
    assert response.status_code == 409 and response.json()["error"]["fields"] == {"documents": ["121790"]}
    # Once no document names it, the same delete goes through.
    group.documents.clear()
    assert editor_api.delete(url, HTTP_IF_MATCH=editor_api.get(url)["ETag"]).status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "field", "path"), GROUPS)
def test_the_admin_names_the_documents_and_deletes_nothing(staff_client, factory, field, path):
    group, published, draft = named_group(factory, field)
    url = f"/admin/documents/{path}/{group.pk}/delete/"
    page = staff_client.get(url).content.decode()
    assert "protected related objects" in page
    assert str(published) in page and str(draft) in page
    assert staff_client.post(url, {"post": "yes"}).status_code == 200
    assert type(group).objects.filter(pk=group.pk).exists()
    # The list's bulk delete action refuses the same way.
    action = staff_client.post(
        f"/admin/documents/{path}/",
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    assert "protected related objects" in action.content.decode()
    assert type(group).objects.filter(pk=group.pk).exists()
    assert list(getattr(draft, field).all()) == [group]


@pytest.mark.django_db
def test_deleting_a_named_donor_or_collection_in_code_raises_protected_error_and_keeps_the_links():
    donor, collection = DonorFactory(), CollectionFactory()
    document = DocumentFactory()
    document.donors.add(donor)
    document.collections.add(collection)
    for queryset in (Donor.objects.all(), Collection.objects.all()):
        with pytest.raises(ProtectedError), transaction.atomic():
            queryset.delete()
    assert list(document.donors.all()) == [donor] and list(document.collections.all()) == [collection]
    assert Donor.objects.filter(pk=donor.pk).exists() and Collection.objects.filter(pk=collection.pk).exists()
