"""Keeping a mirror in sync: cursor pages that hold while documents are added, and
?updated_since= with tombstones for unpublished and deleted documents."""

import base64
import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.http import parse_http_date

from documents.filters import DocumentFilter
from documents.models import Document, DocumentChange
from documents.services import publishing

from .factories import DocumentFactory
from .test_api import API, all_pages, get_json
from .test_facets import archive  # noqa: F401  (the fixture)


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["", "date", "title", "-published"])
def test_cursor_pages_neither_skip_nor_repeat_when_documents_are_added_between_them(client, archive, sort):  # noqa: F811
    before = [row["record_id"] for row in all_pages(client, f"{API}/documents/?sort={sort}")[0]]
    first = get_json(client, f"{API}/documents/?sort={sort}&page_size=5")
    # One document lands before the cursor, one after it (in every sort order, one of each).
    early = DocumentFactory(title="Aaa first", date="1999-01-01")
    late = DocumentFactory(
        title="Zzz last", date="1901-01-01", first_published_at=datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    )
    rest, _ = all_pages(client, first["next"])
    seen = [row["record_id"] for row in first["results"] + rest]
    assert len(seen) == len(set(seen)), "no document twice"
    added = {early.record_id, late.record_id} & set(seen)
    assert [record_id for record_id in seen if record_id not in added] == before, "none skipped, order kept"
    assert added, "what lands after the cursor is on a later page"


@pytest.mark.django_db
def test_relevance_pages_by_offset_and_keeps_the_pages_order(client, archive):  # noqa: F811
    query = "q=railway OR armistice&sort=relevance"
    whole = [row["record_id"] for row in get_json(client, f"{API}/documents/?{query}&page_size=100")["results"]]
    paged = [row["record_id"] for row in all_pages(client, f"{API}/documents/?{query}&page_size=3")[0]]
    assert paged == whole and len(whole) == 9


@pytest.mark.django_db
def test_a_cursor_from_another_sort_order_is_a_400(client, archive):  # noqa: F811
    cursor = get_json(client, f"{API}/documents/?sort=title&page_size=2")["next"].split("cursor=")[1].split("&")[0]
    body = get_json(client, f"{API}/documents/?sort=date&cursor={cursor}", status=400)
    assert body["error"]["fields"]["cursor"]


def changes(client, since, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    url = f"{API}/documents/?updated_since={since.isoformat().replace('+00:00', 'Z')}&{query}"
    return all_pages(client, url)


@pytest.mark.django_db
def test_updated_since_reports_edits_unpublications_and_deletions_in_time_order(client, archive):  # noqa: F811
    since = timezone.now()
    edited, unpublished, deleted, saved_as_draft, untouched = Document.objects.order_by("record_id")[:5]
    assert untouched
    edited.title = "Edited"
    edited.save()
    publishing.unpublish(Document.objects.filter(pk=unpublished.pk))
    deleted.delete()
    saved_as_draft.status = Document.Status.DRAFT
    saved_as_draft.save()
    results, last = changes(client, since, page_size=2, count="true")
    assert [(row["record_id"], row["change"], row["deleted"]) for row in results] == [
        (edited.record_id, "updated", False),
        (unpublished.record_id, "unpublished", True),
        (deleted.record_id, "deleted", True),
        (saved_as_draft.record_id, "unpublished", True),
    ]
    assert last["count"] == 4
    assert results[0]["title"] == "Edited" and results[0]["api_url"].endswith(f"/{edited.record_id}/")
    assert set(results[1]) == {"record_id", "deleted", "change", "changed_at"}
    times = [row["changed_at"] for row in results]
    assert times == sorted(times)


@pytest.mark.django_db
def test_republishing_follows_the_tombstone(client, archive):  # noqa: F811
    since = timezone.now()
    document = Document.objects.order_by("record_id").first()
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    publishing.publish(Document.objects.filter(pk=document.pk))
    results, _ = changes(client, since)
    assert [row["change"] for row in results] == ["unpublished", "updated"]


@pytest.mark.django_db
def test_a_deleted_draft_that_was_never_published_stays_unknown(client, staff_client, db):
    since = timezone.now()
    draft = DocumentFactory(draft=True)
    draft.delete()
    assert DocumentChange.objects.get().was_public is False
    from django.test import Client

    assert changes(Client(), since)[0] == []
    # Staff saw the draft, and see it go.
    assert [row["change"] for row in changes(staff_client, since)[0]] == ["deleted"]


@pytest.mark.django_db
def test_updated_since_takes_a_date_and_refuses_filters(client, archive):  # noqa: F811
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date()
    assert get_json(client, f"{API}/documents/?updated_since={tomorrow}")["results"] == []
    body = get_json(client, f"{API}/documents/?updated_since=2020-01-01&type=cable", status=400)
    assert list(body["error"]["fields"]) == ["type"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*DocumentFilter.base_filters, "facets"])
def test_updated_since_refuses_every_filter_of_the_list_and_its_facets(client, name):
    body = get_json(client, f"{API}/documents/?updated_since=2020-01-01&{name}=x", status=400)
    assert body["error"]["code"] == "not_with_updated_since"
    assert body["error"]["message"] == f"updated_since cannot be combined with {name}."
    assert body["error"]["fields"] == {name: ["Not with updated_since: the changes are every change, in time order."]}


@pytest.mark.django_db
def test_the_changes_name_each_filter_mixed_in_and_take_an_empty_one(client):
    body = get_json(client, f"{API}/documents/?updated_since=2020-01-01&type=cable&q=x&facets=type&sort=", status=400)
    assert list(body["error"]["fields"]) == ["q", "type", "facets"]
    assert get_json(client, f"{API}/documents/?updated_since=2020-01-01&q=&count=true")["count"] == 0


@pytest.mark.django_db
def test_a_cursor_of_the_changes_is_no_cursor_of_the_list_nor_the_reverse(client, archive):  # noqa: F811
    def cursor(url):
        return get_json(client, url)["next"].split("cursor=")[1].split("&")[0]

    of_changes = cursor(f"{API}/documents/?updated_since=2000-01-01&page_size=1")
    of_list = cursor(f"{API}/documents/?page_size=1")
    for url in (f"{API}/documents/?cursor={of_changes}", f"{API}/documents/?updated_since=2000-01-01&cursor={of_list}"):
        assert "another sort order" in get_json(client, url, status=400)["error"]["fields"]["cursor"][0]


@pytest.mark.django_db
def test_the_changes_carry_validators_and_answer_304(client, archive):  # noqa: F811
    url = f"{API}/documents/?updated_since=2000-01-01&page_size=2"
    response = client.get(url)
    assert response["ETag"] and response["Last-Modified"] and "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(url + "&format=csv")["ETag"] != response["ETag"]


@pytest.mark.django_db
def test_deleting_a_never_published_draft_changes_no_public_stamp(archive, staff_client):  # noqa: F811
    """A draft's tombstone must not move an anonymous reader's Last-Modified or ETag: that would
    tell that an unpublished record existed (and when it went)."""
    anonymous = Client()
    draft = DocumentFactory(title="Secret draft", draft=True, date="1800-01-01")
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    Document.objects.update(modified_at=a_day_ago)  # so that a change today shows in the stamps
    DocumentChange.objects.update(changed_at=a_day_ago)
    before = anonymous.get(f"{API}/documents/")
    staff_before = staff_client.get(f"{API}/documents/?sort=date")["Last-Modified"]
    draft.delete()
    assert DocumentChange.objects.filter(record_id=draft.record_id, was_public=False).exists()
    after = anonymous.get(f"{API}/documents/")
    assert (after["Last-Modified"], after["ETag"]) == (before["Last-Modified"], before["ETag"])
    # Staff, who could see the draft, see its deletion move the stamp on.
    assert parse_http_date(staff_client.get(f"{API}/documents/?sort=date")["Last-Modified"]) > parse_http_date(
        staff_before
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("-date", {"k": "a text key on a number order"}),
        ("title", {"k": 12345, "o": 0}),
        ("title", {"k": "memorandum", "o": 10**12}),
        ("date", {"k": 2**70}),
        ("relevance", {"o": True}),
    ],
)
def test_a_forged_cursor_is_a_400_never_a_500_or_a_long_read(client, archive, sort, cursor):  # noqa: F811
    """A cursor is the server's own, but a client can write one: any key of the wrong kind, or a place
    past what may be paged through, is refused before the index is asked."""
    first = get_json(client, f"{API}/documents/?sort={sort}&q=railway&page_size=1")
    tag = json.loads(base64.urlsafe_b64decode(first["next"].split("cursor=")[1].split("&")[0] + "=="))["s"]
    forged = base64.urlsafe_b64encode(json.dumps({**cursor, "s": tag}).encode()).decode()
    body = get_json(client, f"{API}/documents/?sort={sort}&q=railway&page_size=1&cursor={forged}", status=400)
    assert body["error"]["fields"] == {"cursor": ["This cursor is not valid: start again from the first page."]}
