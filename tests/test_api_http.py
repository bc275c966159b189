"""The API's HTTP: validators and 304, CSV and JSON Lines, errors, CORS and the throttle."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from documents.api import export
from documents.models import Document, DocumentType, Person, Relation, RelationType

from .factories import DocumentFactory, DonorFactory, PersonFactory, RoleFactory
from .test_api import API, get_json

# -- ETag and Last-Modified ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/documents/121773/", "/documents/?type=cable", "/people/", "/people/joseph-stalin/", "/types/"]
)
def test_a_matching_if_none_match_is_a_304_and_a_change_is_not(client, demo, path):
    first = client.get(API + path)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Last-Modified"]
    again = client.get(API + path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # A rename shows in every representation that names the record: their ETags change.
    renamed = DocumentType.objects.get(slug="cable") if path == "/types/" else Person.objects.get(slug="joseph-stalin")
    renamed.name = f"{renamed.name} (renamed)"
    renamed.save()
    changed = client.get(API + path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.django_db
def test_a_documents_etag_leads_with_its_version(client, demo):
    document = Document.objects.get(record_id=121773)
    assert client.get(f"{API}/documents/121773/")["ETag"].startswith(f'"{document.version}-')


@pytest.mark.django_db
def test_the_etag_differs_between_json_csv_and_field_selections(client, demo):
    etags = {client.get(f"{API}/documents/{query}")["ETag"] for query in ("", "?format=csv", "?fields=title")}
    assert len(etags) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/documents/121773/", "/documents/", "/people/joseph-stalin/"])
def test_if_modified_since_is_a_304_until_the_document_changes(client, demo, path):
    last_modified = client.get(API + path)["Last-Modified"]
    assert client.get(API + path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    later = timezone.now() + datetime.timedelta(seconds=5)
    Document.objects.filter(record_id=121773).update(modified_at=later)
    response = client.get(API + path, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response["Last-Modified"] == http_date(int(later.timestamp()))


@pytest.mark.django_db
def test_a_list_is_modified_when_a_document_leaves_it(client, archive_of_two):
    """A deletion changes no remaining row's time: the tombstone's time moves Last-Modified on."""
    last_modified = client.get(f"{API}/documents/")["Last-Modified"]
    Document.objects.filter(pk=archive_of_two[0].pk).update(modified_at=timezone.now() - datetime.timedelta(days=1))
    from documents.models import DocumentChange

    archive_of_two[1].delete()
    DocumentChange.objects.update(changed_at=timezone.now() + datetime.timedelta(seconds=5))
    assert client.get(f"{API}/documents/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200


@pytest.fixture
def archive_of_two(db):
    return [DocumentFactory(), DocumentFactory()]


@pytest.mark.django_db
def test_anonymous_reads_are_publicly_cacheable_and_staff_reads_are_private(staff_client, demo):
    assert "public" in Client().get(f"{API}/documents/")["Cache-Control"]
    assert "private" in staff_client.get(f"{API}/documents/")["Cache-Control"]


# -- errors -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/documents/999999/", 404, "not_found"),
        ("/people/nobody/", 404, "not_found"),
        ("/no-such-resource/", 404, "not_found"),
        ("/documents/?format=csv&date_from=x", 400, "invalid_filter"),
        ("/documents/?updated_since=yesterday", 400, "invalid_parameters"),
    ],
)
def test_errors_are_json_with_one_shape(client, demo, path, status, code):
    response = client.get(API + path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] | {"message": "", "fields": {}} == {
        "status": status,
        "code": code,
        "message": "",
        "fields": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "12abc", "0x10", "²", "١٢", "121773 OR 1=1", "99999999999999999999", "2147483648"]
)
def test_a_malformed_record_id_on_the_relations_list_is_a_400_naming_document(client, demo, value):
    response = client.get(f"{API}/relations/", {"document": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid_parameters"
    assert error["message"] == "document is not a record ID."
    assert list(error["fields"]) == ["document"]


@pytest.mark.django_db
def test_the_relations_of_one_document(client, demo):
    relations = client.get(f"{API}/relations/", {"document": "121773"}).json()["results"]
    assert relations and all(
        121773 in (relation["source"]["record_id"], relation["target"]["record_id"]) for relation in relations
    )
    assert client.get(f"{API}/relations/", {"document": " 121773 "}).json()["results"] == relations
    assert client.get(f"{API}/relations/", {"document": "2147483647"}).json()["results"] == []


@pytest.mark.django_db
def test_anonymous_clients_cannot_write(client, demo):
    count = Document.objects.count()
    response = client.post(f"{API}/documents/", {"title": "Forged"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert Document.objects.count() == count


# -- CSV ----------------------------------------------------------------------------------------------


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
@pytest.mark.parametrize("how", [{"query": "?format=csv"}, {"HTTP_ACCEPT": "text/csv"}])
def test_lists_come_as_csv_with_nested_values_flattened(client, demo, how):
    query = how.get("query", "")
    headers = {key: value for key, value in how.items() if key != "query"}
    response = client.get(f"{API}/documents/{query}", **headers)
    assert response["Content-Type"].startswith("text/csv")
    rows = {int(row["record_id"]): row for row in read_csv(response)}
    assert rows[121773]["type"] == "Cable"
    assert rows[121773]["authors"] == "Joseph Stalin"
    assert rows[121773]["date_display"] == "February 4, 1949"
    assert rows[121773]["url"] == "http://testserver/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"


@pytest.mark.django_db
def test_no_csv_cell_runs_as_a_formula(client, db):
    DocumentFactory(title='=HYPERLINK("http://evil.example","click")', summary="+1 and more", date=None)
    row = read_csv(client.get(f"{API}/documents/?format=csv"))[0]
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["summary"] == "'+1 and more"


@pytest.mark.django_db
def test_csv_pages_link_to_the_next_one(client, demo):
    response = client.get(f"{API}/documents/?format=csv&page_size=2&fields=record_id")
    assert len(read_csv(response)) == 2
    assert response["Link"].endswith('>; rel="next"') and "format=csv" in response["Link"]


# -- JSON Lines export ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_streams_every_visible_document_in_the_detail_shape(client, demo):
    DocumentFactory(draft=True, title="Unseen draft")
    response = client.get(f"{API}/documents/export.jsonl")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    published = Document.objects.published().order_by("record_id")
    assert [line["record_id"] for line in lines] == list(published.values_list("record_id", flat=True))
    assert lines[0] == get_json(client, lines[0]["api_url"].removeprefix("http://testserver"))


def export_queries(client, documents, chunk):
    export.CHUNK = chunk
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/documents/export.jsonl?fields=record_id,authors,donors,related_documents")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == documents
    return len(queries)


@pytest.mark.django_db
def test_the_export_reads_a_fixed_number_of_queries_per_chunk(client, monkeypatch):
    """Twice the documents in the same number of chunks cost the same queries: memory and queries
    grow with the chunks, never with the documents inside them."""
    monkeypatch.setattr(export, "CHUNK", export.CHUNK)
    related = RelationType.objects.get(slug="related")

    def add(n):
        for _ in range(n):
            document = DocumentFactory()
            RoleFactory(document=document, person=PersonFactory())
            document.donors.add(DonorFactory())
            Relation.objects.create(source=document, target=DocumentFactory(), type=related)

    add(2)  # four documents: two with links, two targets
    small = export_queries(client, 4, chunk=2)
    add(2)
    large = export_queries(client, 8, chunk=4)
    assert large == small
    more_chunks = export_queries(client, 8, chunk=2)
    assert more_chunks > large


@pytest.mark.django_db
def test_the_export_answers_304_to_a_current_copy(client, demo):
    etag = client.get(f"{API}/documents/export.jsonl")["ETag"]
    assert client.get(f"{API}/documents/export.jsonl", HTTP_IF_NONE_MATCH=etag).status_code == 304
    Document.objects.get(record_id=121773).save()
    assert client.get(f"{API}/documents/export.jsonl", HTTP_IF_NONE_MATCH=etag).status_code == 200


# -- CORS ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_any_origin_may_read_the_api_without_credentials(client, demo):
    response = client.get(f"{API}/documents/", HTTP_ORIGIN="https://research.example.edu")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/documents/121773/",
        HTTP_ORIGIN="https://research.example.edu",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200 and preflight["Access-Control-Allow-Origin"] == "*"
    # The site's own pages are not opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/documents/", HTTP_ORIGIN="https://research.example.edu")


# -- throttle -----------------------------------------------------------------------------------------


@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}


@pytest.mark.django_db
def test_an_anonymous_client_past_its_rate_gets_429_with_retry_after(client, demo, three_a_minute):
    for _ in range(3):
        assert client.get(f"{API}/types/").status_code == 200
    response = client.get(f"{API}/types/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
    # A made-up X-Forwarded-For is not another client; another address is.
    assert client.get(f"{API}/types/", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert client.get(f"{API}/types/", REMOTE_ADDR="198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_the_count_is_kept_in_the_shared_cache(client, demo, three_a_minute):
    """The database (or Redis) cache, not one process's memory: every app server sees the same count."""
    from django.core.cache import cache
    from django.core.cache.backends.locmem import LocMemCache

    assert not isinstance(cache._cache if hasattr(cache, "_cache") else cache, LocMemCache)
    client.get(f"{API}/types/")
    assert cache.get("throttle_anon_127.0.0.1")


@pytest.mark.django_db
def test_staff_are_not_throttled_as_anonymous_clients(staff_client, demo, three_a_minute):
    assert all(staff_client.get(f"{API}/types/").status_code == 200 for _ in range(5))


@pytest.mark.django_db
def test_the_api_root_names_every_resource_and_has_validators_too(client, db):
    response = client.get(f"{API}/")
    assert set(response.json()) >= {"documents", "people", "donors", "collections", "relations", "types"}
    assert client.get(f"{API}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
