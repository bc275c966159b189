"""The API's read side: the same documents as the public pages, in the shapes docs/api.md describes."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from documents.models import Document, Person, Relation, RelationType

from .factories import DocumentFactory, PersonFactory, RoleFactory
from .test_facets import archive  # noqa: F401  (the fixture)
from .test_visibility import MARK, draft  # noqa: F401  (the fixture)

API = "/api/v1"


def get_json(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.content[:500])
    return response.json()


def all_pages(client, url):
    """Every result of a list, following its next links; and the last page's body."""
    results, body = [], None
    while url:
        body = get_json(client, url)
        results += body["results"]
        url = body["next"]
    return results, body


def page_ids(client, query):
    """The record ids the public /documents/ page lists for the query, in order (all fit one page)."""
    response = client.get(f"/documents/?{query}")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.num_pages == 1
    return [document.record_id for document in response.context["documents"]], response


QUERIES = [
    "",
    "q=railway",
    "q=railway&sort=relevance",
    "q=armistice OR wall",
    "language=ru",
    "language=ru&language=de",
    "language=ru&type=cable",
    "type=cable&sort=date",
    "q=armistice&donor=blavatnik-foundation",
    "date_from=1949&date_to=1950-06",
    "date_from=1950",
    "person=joseph-stalin&sort=title",
    "recipient=joseph-stalin",
    "author=mao-zedong&language=zh",
    "collection=korean-war&sort=-published",
    "donor=macarthur-foundation&donor=blavatnik-foundation&sort=date",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_the_api_lists_what_the_public_page_lists_in_the_same_order(client, archive, query):  # noqa: F811
    """One FilterSet for both: same filters, search, sort; cursor pages of 5 join up without gaps."""
    expected, page = page_ids(client, query)
    results, last = all_pages(client, f"{API}/documents/?{query}&page_size=5&count=true")
    assert [row["record_id"] for row in results] == expected
    assert last["count"] == page.context["page_obj"].paginator.count == len(expected)


@pytest.mark.django_db
def test_facets_are_the_public_pages_facets(client, archive):  # noqa: F811
    query = "language=ru&q=railway"
    body = get_json(client, f"{API}/documents/?{query}&facets=type,language,donor,author")
    html = {facet.name: facet for facet in client.get(f"/documents/?{query}&role=author").context["facets"]}
    assert [facet["name"] for facet in body["facets"]] == ["type", "language", "donor", "author"]
    for facet in body["facets"]:
        expected = [(v.key, v.label, v.count, v.selected) for v in html[facet["name"]].values]
        assert [(v["key"], v["label"], v["count"], v["selected"]) for v in facet["values"]] == expected
        assert facet["label"] == html[facet["name"]].label
    language = next(facet for facet in body["facets"] if facet["name"] == "language")
    assert {"key": "ru", "label": "Russian", "count": 2, "selected": True} in language["values"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [("facets=colour", "facets"), ("facets=author,recipient", "facets"), ("fields=title,colour", "fields")],
)
def test_unknown_facets_and_fields_are_a_400_naming_the_parameter(client, archive, query, field):  # noqa: F811
    body = get_json(client, f"{API}/documents/?{query}", status=400)
    assert body["error"]["status"] == 400
    assert set(body["error"]["fields"]) == {field}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=1950-13", "date_from"),
        ("type=no-such-type", "type"),
        ("sort=colour", "sort"),
        ("date_from=1960&date_to=1950", "filters"),
        ("count=perhaps", "count"),
        ("page_size=1000", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_invalid_parameters_are_a_400_with_the_message_per_parameter(client, archive, query, field):  # noqa: F811
    body = get_json(client, f"{API}/documents/?{query}", status=400)
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == 400 and error["message"]
    assert list(error["fields"]) == [field]
    assert all(isinstance(message, str) for message in error["fields"][field])


@pytest.mark.django_db
def test_a_filter_error_reads_as_on_the_page(client, archive):  # noqa: F811
    body = get_json(client, f"{API}/documents/?date_from=1950-13", status=400)
    assert body["error"]["code"] == "invalid_filter"
    assert body["error"]["message"].startswith("From (YYYY, YYYY-MM or YYYY-MM-DD): ")
    assert "not a real date" in body["error"]["fields"]["date_from"][0]


@pytest.mark.django_db
def test_fields_selects_fields_in_the_list_and_the_detail(client, archive):  # noqa: F811
    body = get_json(client, f"{API}/documents/?fields=record_id,title,api_url")
    assert all(set(row) == {"record_id", "title", "api_url"} for row in body["results"])
    detail = get_json(client, urlsplit(body["results"][0]["api_url"]).path + "?fields=text,related_documents")
    assert set(detail) == {"text", "related_documents"}
    # Detail fields are not list fields: a list reads no long texts.
    assert get_json(client, f"{API}/documents/?fields=text", status=400)["error"]["code"] == "unknown_field"


@pytest.mark.django_db
def test_a_document_list_entry_is_compact_and_links_to_its_page_and_resource(client, demo):
    body = get_json(client, f"{API}/documents/")
    seed = next(row for row in body["results"] if row["record_id"] == 121773)
    assert set(seed) == {
        "record_id",
        "title",
        "date",
        "date_precision",
        "date_circa",
        "date_display",
        "type",
        "languages",
        "authors",
        "summary",
        "url",
        "api_url",
    }
    assert seed["date"] == "1949-02-04" and seed["date_display"] == "February 4, 1949"
    assert seed["url"] == "http://testserver/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"
    assert seed["api_url"] == "http://testserver/api/v1/documents/121773/"
    assert seed["type"]["name"] == "Cable"
    assert [author["name"] for author in seed["authors"]] == ["Joseph Stalin"]


@pytest.mark.django_db
def test_a_document_detail_carries_every_field_of_its_page(client, demo):
    document = Document.objects.get(record_id=121773)
    body = get_json(client, f"{API}/documents/121773/")
    assert body["title"] == document.title
    assert body["text"] == document.text and body["source"] == document.source and body["rights"] == document.rights
    assert body["classification"]["name"] == "Strictly Secret"
    assert body["original_uploaded_date"] == "2015-03-25"
    assert [donor["acknowledgement"] for donor in body["donors"]] == [
        "This document was made possible with support from MacArthur Foundation"
    ]
    assert body["status"] == "published" and body["version"] == document.version
    # Related documents in the page's order, with the relation's wording from this side.
    page = client.get(document.get_absolute_url()).context["related_documents"]
    assert [(r["wording"], r["document"]["record_id"]) for r in body["related_documents"]] == [
        (item.wording, item.document.record_id) for item in page
    ]


@pytest.mark.django_db
def test_related_documents_are_worded_from_each_side(client, demo):
    reply_to = RelationType.objects.get(name="reply to")
    original, reply = DocumentFactory(), DocumentFactory()
    Relation.objects.create(source=reply, target=original, type=reply_to)
    from_reply = get_json(client, f"{API}/documents/{reply.record_id}/")["related_documents"]
    from_original = get_json(client, f"{API}/documents/{original.record_id}/")["related_documents"]
    assert [(r["wording"], r["document"]["record_id"]) for r in from_reply] == [("reply to", original.record_id)]
    assert [(r["wording"], r["document"]["record_id"]) for r in from_original] == [("replied to by", reply.record_id)]


@pytest.mark.django_db
def test_scans_come_with_their_image_urls(client, demo):
    from documents.models import Scan

    from .factories import image_upload

    document = Document.objects.get(record_id=121773)
    Scan.append_to(document, [image_upload()], "typed cable")
    scan = get_json(client, f"{API}/documents/121773/?fields=scans")["scans"][0]
    assert scan["alt_text"] == "Page 1, typed cable" and scan["width"] == 640
    for key in ("thumbnail", "reading", "original"):
        assert scan[key].startswith("http://testserver/media/scans/")
        assert client.get(urlsplit(scan[key]).path).status_code == 200


@pytest.mark.django_db
def test_people_have_aliases_role_counts_and_their_documents_as_a_filtered_list(client, demo):
    assert Person.objects.get(slug="joseph-stalin").aliases.filter(name="Instantsiya").exists()  # the demo's
    body = get_json(client, f"{API}/people/joseph-stalin/")
    assert {"name": "Instantsiya", "kind": "codename"} in body["aliases"]
    assert body["url"] == "http://testserver/people/joseph-stalin/"
    roles = {row["role"]: row for row in body["roles"]}
    documents, _ = all_pages(client, roles["author"]["documents_api_url"])
    assert len(documents) == roles["author"]["count"] > 0
    listed = all_pages(client, f"{API}/people/")[0]
    assert "joseph-stalin" in [person["slug"] for person in listed]


@pytest.mark.django_db
def test_an_old_slug_answers_301_to_the_current_resource(client, demo):
    person = Person.objects.get(slug="joseph-stalin")
    person.slug = "iosif-stalin"
    person.save()
    response = client.get(f"{API}/people/joseph-stalin/?fields=name")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver{API}/people/iosif-stalin/?fields=name"


@pytest.mark.django_db
def test_an_old_slug_leads_only_where_the_client_may_go(staff_client):
    """The old address of someone only drafts name tells the public nothing, in the API as on the
    site (one rule: OldSlug.objects.resolve_in); staff, who may see them, are sent on."""
    person = RoleFactory(person__name="Hidden Person", document__draft=True).person
    old = person.slug
    person.slug = "renamed-person"
    person.save()
    anonymous = Client()
    assert anonymous.get(f"{API}/people/{old}/").status_code == 404
    assert anonymous.get(f"/people/{old}/").status_code == 404
    api = staff_client.get(f"{API}/people/{old}/")
    assert api.status_code == 301 and api["Location"] == f"http://testserver{API}/people/renamed-person/"
    page = staff_client.get(f"/people/{old}/")
    assert page.status_code == 301 and page["Location"] == "/people/renamed-person/"


@pytest.mark.django_db
def test_vocabularies_are_read_only_and_the_other_resources_writable(staff_client, demo):
    reads = {"GET", "HEAD", "OPTIONS"}
    for path in ("/types/", "/classifications/", "/languages/", "/relation-types/", "/relation-types/related/"):
        assert set(staff_client.options(f"{API}{path}")["Allow"].split(", ")) == reads, path
        assert staff_client.post(f"{API}{path}", {}, content_type="application/json").status_code == 405, path
    for path in ("/documents/", "/people/", "/donors/", "/collections/", "/relations/"):
        assert set(staff_client.options(f"{API}{path}")["Allow"].split(", ")) == reads | {"POST"}, path
    detail = staff_client.options(f"{API}/people/joseph-stalin/")["Allow"]
    assert set(detail.split(", ")) == reads | {"PUT", "PATCH", "DELETE"}


@pytest.mark.django_db
def test_vocabularies_and_relations_list_what_is_in_use(client, demo):
    types = all_pages(client, f"{API}/types/")[0]
    assert {"cable", "memorandum-of-conversation"} <= {row["slug"] for row in types}
    cable = get_json(client, f"{API}/types/cable/")
    assert cable["document_count"] == 4 and cable["url"] == "http://testserver/documents/?type=cable"
    relations = all_pages(client, f"{API}/relations/?document=121773")[0]
    assert relations and all(121773 in (r["source"]["record_id"], r["target"]["record_id"]) for r in relations)
    assert get_json(client, f"{API}/relation-types/related/")["is_symmetric"] is True


# -- drafts ------------------------------------------------------------------------------------------


def crawl_api(client):
    """Every API response reachable from the API root by following api_url, next and *_api_url links."""
    seen, queue, bodies = set(), [f"{API}/"], {}
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[path] = text = response.content.decode()
        if not response["Content-Type"].startswith("application/json"):
            continue  # the documentation and the schema the root links: read for drafts, not followed
        for url in _urls(json.loads(text)):
            parts = urlsplit(url)
            if parts.path.startswith(f"{API}/"):
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append(target)
    return bodies


def _urls(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _urls(value)
    elif isinstance(data, list):
        for value in data:
            yield from _urls(value)
    elif isinstance(data, str) and data.startswith("http://testserver/api/"):
        yield data


@pytest.mark.django_db
def test_no_api_response_names_a_draft(client, draft):  # noqa: F811
    """Every resource reachable in the API, nested parts and facet counts included, leaves the draft out."""
    bodies = crawl_api(client)
    bodies["facets"] = client.get(
        f"{API}/documents/?facets=type,language,classification,donor,collection,person"
    ).content
    bodies["export"] = b"".join(client.get(f"{API}/documents/export.jsonl").streaming_content)
    bodies["changes"] = client.get(f"{API}/documents/?updated_since=2000-01-01").content
    assert len(bodies) > 30
    for path, body in bodies.items():
        text = body if isinstance(body, str) else body.decode()
        assert MARK.lower() not in text.lower(), path
        assert str(draft.record_id) not in text, path


@pytest.mark.django_db
def test_a_draft_and_what_only_it_names_are_404_never_403(client, draft):  # noqa: F811
    person = Person.objects.get(name=f"{MARK} Person")
    for path in [
        f"{API}/documents/{draft.record_id}/",
        f"{API}/people/{person.slug}/",
        f"{API}/donors/{draft.donors.get().slug}/",
        f"{API}/collections/{draft.collections.get().slug}/",
        f"{API}/types/{draft.doc_type.slug}/",
        f"{API}/classifications/{draft.classification.slug}/",
        f"{API}/languages/zzd/",
        f"{API}/relations/{Relation.objects.filter(source=draft).get().pk}/",
    ]:
        body = get_json(client, path, status=404)
        assert body["error"]["code"] == "not_found", path
    # Filtering by what only a draft has is an unknown value, as on the page.
    assert client.get(f"{API}/documents/?person={person.slug}").status_code == 400


@pytest.mark.django_db
def test_staff_see_what_visible_to_shows_them(staff_client, draft):  # noqa: F811
    body = get_json(staff_client, f"{API}/documents/{draft.record_id}/")
    assert body["status"] == "draft"
    seed = get_json(staff_client, f"{API}/documents/121773/")
    assert draft.record_id in [r["document"]["record_id"] for r in seed["related_documents"]]


@pytest.mark.django_db
def test_a_person_only_in_drafts_is_not_listed_and_counts_leave_drafts_out(client, archive):  # noqa: F811
    hidden = PersonFactory(name="Hidden Person")
    RoleFactory(person=hidden, document__draft=True)
    people = {row["slug"]: row for row in all_pages(client, f"{API}/people/")[0]}
    assert hidden.slug not in people
    assert people["joseph-stalin"]["document_count"] == 9  # six as author, three more as recipient


@pytest.mark.django_db
def test_the_api_root_links_its_documentation_and_schema(client):
    """A programmer who opens /api/v1/ finds the documentation and the OpenAPI schema from there."""
    root = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert root["documentation"] == "http://testserver/api/v1/docs/"
    assert root["schema"] == "http://testserver/api/v1/schema/"
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200
