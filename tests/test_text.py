"""Text is stored one way whichever path writes it (documents/text.py): line breaks as \\n and
Unicode in NFC, so a save that changes nothing is no change in the history, the export or the ETag."""

import json
import unicodedata

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from rest_framework.authtoken.models import Token

from documents.history.diff import history
from documents.history.recording import record_each
from documents.interchange.importer import import_file
from documents.models import Document, Person

from .factories import DocumentFactory
from .test_locking import form_data

NFD = unicodedata.normalize("NFD", "Müller, Zhōu Ēnlái")
NFC = unicodedata.normalize("NFC", NFD)


def browser_post(data):
    """What a browser posts from a form: text areas with \\r\\n line breaks (whatever the page held)."""
    return {
        name: value.replace("\r\n", "\n").replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in data.items()
    }


@pytest.mark.django_db
def test_saving_the_seed_in_the_admin_with_only_the_date_note_changed_changes_only_the_date_note(demo, staff_client):
    """The browser posts every text area back with \\r\\n: only the field the curator edited is a change."""
    document = Document.objects.get(record_id=121773)
    assert "\n" in document.text and "\n" in document.rights  # the seed has line breaks to post back
    record_each([document])  # the version the change is compared with
    url = f"/admin/documents/document/{document.pk}/change/"
    data = browser_post(form_data(staff_client.get(url), "document"))
    data["date_note"] = "Dated by the archive\r\nfrom the cable's header."
    assert staff_client.post(url, data).status_code == 302

    document.refresh_from_db()
    assert document.date_note == "Dated by the archive\nfrom the cable's header."
    assert not any("\r" in getattr(document, name) for name in ("text", "rights", "summary", "source", "date_note"))
    assert [change.label for change in history(document)[0].changes] == ["Date note"]
    assert LogEntry.objects.latest("pk").get_change_message() == "Changed Date note."


@pytest.mark.django_db
def test_text_stored_with_crlf_before_is_no_change_either(demo, staff_client):
    """Rows saved before the fix hold \r\n: the next save normalizes them without listing them as changed."""
    document = Document.objects.get(record_id=121773)
    Document.objects.filter(pk=document.pk).update(text=document.text.replace("\n", "\r\n"))
    record_each([Document.objects.get(pk=document.pk)])
    url = f"/admin/documents/document/{document.pk}/change/"
    data = browser_post(form_data(staff_client.get(url), "document"))
    assert staff_client.post(url, data | {"date_note": "Corrected."}).status_code == 302
    assert LogEntry.objects.latest("pk").get_change_message() == "Changed Date note."
    assert [change.label for change in history(document)[0].changes] == ["Date note"]
    document.refresh_from_db()
    assert "\r" not in document.text


@pytest.mark.django_db
def test_the_api_stores_text_as_nfc_with_newlines_and_the_same_text_again_is_no_change(editor):
    document = DocumentFactory(record_id=700001, text="One\ntwo")
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    url = "/api/v1/documents/700001/"

    def patch(body):
        tag = api.get(url)["ETag"]
        response = api.patch(url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH=tag)
        assert response.status_code == 200, response.content
        return response

    patch({"title": NFD, "summary": "Line one\r\nline two\rline three"})
    document.refresh_from_db()
    assert (document.title, document.summary) == (NFC, "Line one\nline two\nline three")
    # The same text, sent as Windows and macOS send it, changes nothing that a reader sees.
    before = {k: v for k, v in api.get(url).json().items() if k not in ("version", "modified_at")}
    patch({"title": NFC, "summary": "Line one\r\nline two\r\nline three", "text": "One\r\ntwo"})
    after = {k: v for k, v in api.get(url).json().items() if k not in ("version", "modified_at")}
    assert after == before
    assert history(document)[0].changes == []


@pytest.mark.django_db
def test_an_import_stores_nfc():
    row = {"record_id": 700001, "title": NFD, "text": f"{NFD}\r\nsecond line", "authors": [NFD]}
    report = import_file(json.dumps(row).encode() + b"\n", file_name="import.jsonl", dry_run=False)
    assert report.committed, report.errors
    document = Document.objects.get(record_id=700001)
    assert (document.title, document.text) == (NFC, f"{NFC}\nsecond line")
    assert Person.objects.get().name == NFC


@pytest.mark.django_db
def test_any_save_stores_nfc_with_newlines():
    """A script, a merge, a revert or a restore saves through the model: it normalizes too."""
    person = Person.objects.create(name=NFD, biography="One\r\ntwo\rthree")
    person.refresh_from_db()
    assert (person.name, person.sort_name, person.biography) == (NFC, NFC, "One\ntwo\nthree")
