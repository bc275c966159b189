"""Record IDs (documents/models/record_ids.py): issued once and never again, deleted documents'
included; a deleted document's address answers 410 Gone and OAI-PMH keeps it as deleted."""

import json

import pytest
from django.db import connection
from django.test import Client
from lxml import etree
from rest_framework.authtoken.models import Token

from documents.interchange.importer import import_file
from documents.models import Document, record_ids
from documents.ops.backup.create import create_backup
from documents.ops.backup.restore import restore_backup

from .factories import DocumentFactory
from .test_backup import empty_everything

API = "/api/v1"
OAI = {"oai": "http://www.openarchives.org/OAI/2.0/"}


def new_document(title="A new document", **fields):
    document = Document(title=title, **fields)
    document.save()
    return document


def api_client(user):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def post(client, body):
    return client.post(f"{API}/documents/", json.dumps(body), content_type="application/json")


@pytest.fixture
def editor_api(editor):
    return api_client(editor)


@pytest.mark.django_db
def test_deleting_the_newest_document_never_gives_its_record_id_to_the_next():
    first = new_document("First")
    newest = new_document("Newest")
    gone = newest.record_id
    newest.delete()
    assert new_document("Next").record_id > gone > first.record_id


@pytest.mark.django_db
def test_through_the_api_a_new_document_never_takes_a_deleted_documents_record_id(editor_api):
    created = post(editor_api, {"title": "Cable"})
    assert created.status_code == 201
    record_id = created.json()["record_id"]
    etag = editor_api.get(f"{API}/documents/{record_id}/")["ETag"]
    assert editor_api.delete(f"{API}/documents/{record_id}/", HTTP_IF_MATCH=etag).status_code == 204
    again = post(editor_api, {"title": "Another cable"})
    assert again.status_code == 201 and again.json()["record_id"] > record_id


@pytest.mark.django_db
def test_an_explicit_record_id_moves_the_sequence_past_it():
    issued = new_document().record_id
    DocumentFactory(record_id=issued + 1000)
    assert new_document().record_id == issued + 1001
    DocumentFactory(record_id=issued + 500)  # below: the sequence stays where it is
    assert new_document().record_id == issued + 1002


@pytest.mark.django_db
def test_a_deleted_documents_address_answers_410_gone_on_the_page_the_permalink_and_the_api(client):
    document = DocumentFactory()
    record_id, slug = document.record_id, document.slug
    document.delete()
    page = client.get(f"/documents/{record_id}/{slug}/")
    assert page.status_code == 410 and b"removed from the archive" in page.content
    assert client.get(f"/documents/{record_id}/").status_code == 410
    answer = client.get(f"{API}/documents/{record_id}/")
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "gone"
    # An ID never issued stays a 404.
    assert client.get(f"/documents/{record_id + 1000}/").status_code == 404
    assert client.get(f"{API}/documents/{record_id + 1000}/").status_code == 404


@pytest.mark.django_db
def test_a_deleted_draft_that_was_never_public_is_a_404_to_the_public_and_410_to_staff(staff_client):
    client = Client()
    draft = DocumentFactory(draft=True)
    record_id = draft.record_id
    draft.delete()
    assert client.get(f"/documents/{record_id}/").status_code == 404
    assert client.get(f"{API}/documents/{record_id}/").status_code == 404
    staff_page = staff_client.get(f"/documents/{record_id}/")
    assert staff_page.status_code == 410 and staff_page["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_oai_keeps_a_deleted_record_deleted_after_new_documents_are_added(client):
    new_document("Older", status=Document.Status.PUBLISHED)
    newest = new_document("Newest", status=Document.Status.PUBLISHED)
    record_id = newest.record_id
    newest.delete()
    new_document("Added after the deletion", status=Document.Status.PUBLISHED)
    response = client.get(
        "/oai/", {"verb": "GetRecord", "identifier": f"oai:testserver:{record_id}", "metadataPrefix": "oai_dc"}
    )
    tree = etree.fromstring(response.content)
    assert tree.find(".//oai:header", OAI).get("status") == "deleted"


@pytest.mark.django_db
def test_a_deleted_documents_record_id_is_refused_when_given_explicitly(editor_api, staff_client):
    document = DocumentFactory()
    record_id = document.record_id
    document.delete()
    # The API
    refused = post(editor_api, {"title": "Reuse", "record_id": record_id})
    assert refused.status_code == 400
    assert "belonged to a deleted document" in refused.json()["error"]["fields"]["record_id"][0]
    # The admin
    form = staff_client.post(
        "/admin/documents/document/add/",
        {
            "record_id": record_id,
            "title": "Reuse",
            "status": "draft",
            "date_precision": "day",
            **{
                f"{prefix}-TOTAL_FORMS": 0
                for prefix in ("person_links", "outgoing_relations", "incoming_relations", "scans")
            },
            **{
                f"{prefix}-INITIAL_FORMS": 0
                for prefix in ("person_links", "outgoing_relations", "incoming_relations", "scans")
            },
        },
    )
    assert form.status_code == 200 and "belonged to a deleted document" in form.content.decode()
    # The import
    report = import_file(
        json.dumps({"record_id": record_id, "title": "Reuse"}).encode() + b"\n", file_name="import.jsonl", dry_run=False
    )
    assert [(column, "deleted document" in message) for _, column, message in report.errors] == [("record_id", True)]
    assert not Document.objects.filter(record_id=record_id).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_moves_the_sequence_past_every_restored_record_id_and_tombstone(media_root, tmp_path):
    new_document("Kept", status=Document.Status.PUBLISHED)
    newest = new_document("Deleted, the newest", status=Document.Status.PUBLISHED)
    gone = newest.record_id
    newest.delete()
    create_backup(tmp_path / "archive.zip")
    empty_everything(media_root)
    # Into a freshly migrated database, whose sequence has issued nothing yet.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(%s, 0)", [record_ids.SEQUENCE])
        else:
            cursor.execute(f"UPDATE {record_ids.COUNTER} SET last = 0")
    restore_backup(tmp_path / "archive.zip")
    assert new_document("Written after the restore").record_id > gone


@pytest.mark.django_db
def test_a_placeholder_record_id_never_sets_the_next_automatic_one():
    issued = new_document().record_id
    DocumentFactory(record_id=record_ids.PLACEHOLDERS.start + 1)  # e.g. the demo's 900001
    assert new_document().record_id == issued + 1


@pytest.mark.django_db
def test_automatic_record_ids_step_over_the_placeholders_so_none_is_handed_out_twice(fresh_record_ids):
    placeholder = DocumentFactory(record_id=record_ids.PLACEHOLDERS.start)
    record_ids.advance_past(record_ids.PLACEHOLDERS.start - 1)
    assert new_document().record_id == record_ids.PLACEHOLDERS.stop
    assert Document.objects.filter(record_id=placeholder.record_id).count() == 1


@pytest.mark.django_db
def test_after_a_restore_placeholders_still_do_not_set_the_next_record_id(fresh_record_ids):
    real = DocumentFactory(record_id=5000)
    DocumentFactory(record_id=record_ids.PLACEHOLDERS.start + 4)
    record_ids.advance_past_stored()
    assert new_document().record_id == real.record_id + 1
