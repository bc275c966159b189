"""The API's writes: staff tokens, the admin's permissions, If-Match (428, 412) and history."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from documents.history.recover import deleted_versions
from documents.history.states import versions_of
from documents.models import Document, DocumentPerson, Donor, Person, Relation, RelationType

from .factories import CollectionFactory, DocumentFactory, DonorFactory, LanguageFactory, PersonFactory

API = "/api/v1"


def token_client(user):
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def send(client, method, url, body=None, **headers):
    payload = json.dumps(body) if body is not None else ""
    return getattr(client, method)(API + url, payload, content_type="application/json", **headers)


def etag(client, url):
    return client.get(API + url)["ETag"]


def error(response):
    return response.json()["error"]


@pytest.fixture
def curator_api(curator):
    return token_client(curator)


@pytest.fixture
def editor_api(editor):
    return token_client(editor)


@pytest.fixture
def cast(db):
    """Two people, a donor, a collection and a published document to relate to."""
    return {
        "stalin": PersonFactory(name="Joseph Stalin"),
        "mikoyan": PersonFactory(name="Anastas Mikoyan"),
        "donor": DonorFactory(name="Blavatnik Family Foundation"),
        "collection": CollectionFactory(name="Sino-Soviet Relations"),
        "published": DocumentFactory(record_id=121773, title="Cable, Mikoyan to Stalin"),
        "language": LanguageFactory(),
    }


def new_document(**fields):
    return {
        "title": "Cable, Stalin to Mikoyan",
        "date": "1949-02-01",
        "date_precision": "month",
        "type": "cable",
        "languages": ["ru"],
        "authors": ["joseph-stalin"],
        "recipients": ["anastas-mikoyan"],
        "donors": ["blavatnik-family-foundation"],
        "collections": ["sino-soviet-relations"],
        "summary": "Stalin answers.",
    } | fields


# -- who may write ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_writes_are_refused_with_401(client, cast):
    """Without credentials nothing is written; the answer says to authenticate."""
    response = send(client, "post", "/documents/", new_document())
    assert response.status_code == 401 and error(response)["code"] == "not_authenticated"
    assert send(client, "delete", "/documents/121773/").status_code == 401
    assert not Document.objects.filter(title="Cable, Stalin to Mikoyan").exists()


@pytest.mark.django_db
def test_a_token_without_staff_permissions_is_refused_with_403(django_user_model, cast):
    """A valid token is not enough: writes need the admin's permission for the model."""
    nobody = token_client(django_user_model.objects.create_user("reader", password="x", is_staff=True))
    assert send(nobody, "post", "/documents/", new_document()).status_code == 403
    assert not Document.objects.filter(title="Cable, Stalin to Mikoyan").exists()


@pytest.mark.django_db
def test_a_curator_creates_a_draft_with_people_donors_collections_and_a_relation(curator, curator_api, cast):
    """A curator's token creates a draft in full, with a new record ID from the sequence, and relates it."""
    response = send(curator_api, "post", "/documents/", new_document())
    assert response.status_code == 201, response.json()
    data = response.json()
    new_id = data["record_id"]
    assert new_id > 121773 and data["status"] == "draft"
    assert response["Location"] == data["api_url"] and response["ETag"].startswith('"1-')
    assert [p["slug"] for p in data["authors"]] == ["joseph-stalin"]
    assert [p["slug"] for p in data["recipients"]] == ["anastas-mikoyan"]
    assert [d["slug"] for d in data["donors"]] == ["blavatnik-family-foundation"]
    assert [c["slug"] for c in data["collections"]] == ["sino-soviet-relations"]
    assert data["date_display"] == "February 1949" and data["type"]["slug"] == "cable"
    assert Document.objects.get(record_id=new_id).modified_by == curator

    relation = send(curator_api, "post", "/relations/", {"source": new_id, "target": 121773, "type": "reply"})
    assert relation.status_code == 201, relation.json()
    assert Relation.objects.filter(source__record_id=new_id, target__record_id=121773, type__slug="reply").exists()


@pytest.mark.django_db
def test_a_curators_token_cannot_publish(curator_api, cast):
    """status=published from a curator is a 403 with nothing created or changed."""
    response = send(curator_api, "post", "/documents/", new_document(status="published"))
    assert response.status_code == 403
    assert not Document.objects.filter(title="Cable, Stalin to Mikoyan").exists()

    draft = DocumentFactory(record_id=200, title="A draft", draft=True)
    tag = etag(curator_api, "/documents/200/")
    response = send(curator_api, "patch", "/documents/200/", {"status": "published"}, HTTP_IF_MATCH=tag)
    assert response.status_code == 403
    draft.refresh_from_db()
    assert (draft.status, draft.first_published_at, draft.version) == ("draft", None, 1)


@pytest.mark.django_db
def test_a_curator_cannot_unpublish_nor_delete_a_published_document(curator_api, cast):
    tag = etag(curator_api, "/documents/121773/")
    assert send(curator_api, "patch", "/documents/121773/", {"status": "draft"}, HTTP_IF_MATCH=tag).status_code == 403
    assert send(curator_api, "delete", "/documents/121773/", HTTP_IF_MATCH=tag).status_code == 403
    assert Document.objects.filter(record_id=121773, status="published").exists()


@pytest.mark.django_db
def test_a_curator_deletes_a_draft(curator_api, cast):
    DocumentFactory(record_id=200, title="A draft", draft=True)
    tag = etag(curator_api, "/documents/200/")
    assert send(curator_api, "delete", "/documents/200/", HTTP_IF_MATCH=tag).status_code == 204
    assert not Document.objects.filter(record_id=200).exists()
    assert deleted_versions(Document).count() == 1


@pytest.mark.django_db
def test_an_editor_publishes_and_the_public_search_finds_the_new_title(editor_api, client, cast):
    """An editor's write publishes; the search index and facets follow the save."""
    DocumentFactory(record_id=200, title="A draft", draft=True)
    tag = etag(editor_api, "/documents/200/")
    body = {"status": "published", "title": "Telegram about the Changchun railway"}
    response = send(editor_api, "patch", "/documents/200/", body, HTTP_IF_MATCH=tag)
    assert response.status_code == 200, response.json()
    assert Document.objects.get(record_id=200).first_published_at is not None
    found = client.get(f"{API}/documents/?q=changchun").json()["results"]
    assert [document["record_id"] for document in found] == [200]


# -- If-Match ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_without_if_match_is_a_428(curator_api, cast):
    response = send(curator_api, "patch", "/documents/121773/", {"title": "Retitled"})
    assert response.status_code == 428 and error(response)["code"] == "precondition_required"
    assert send(curator_api, "patch", "/people/joseph-stalin/", {"name": "Stalin"}).status_code == 428
    assert Document.objects.get(record_id=121773).title == "Cable, Mikoyan to Stalin"


@pytest.mark.django_db
def test_a_stale_if_match_is_a_412_that_names_who_saved_and_changes_nothing(curator_api, editor, cast):
    """The optimistic lock: someone saved since the client read; its edit is refused whole."""
    stale_tag = etag(curator_api, "/documents/121773/")
    document = Document.objects.get(record_id=121773)
    document.title, document.modified_by = "Retitled by the editor", editor
    document.save()
    body = {"title": "Retitled by the curator", "authors": ["anastas-mikoyan"]}
    response = send(curator_api, "patch", "/documents/121773/", body, HTTP_IF_MATCH=stale_tag)
    assert response.status_code == 412
    assert "group-editor saved this document" in error(response)["message"]
    assert "title" in error(response)["fields"]
    document.refresh_from_db()
    assert (document.title, document.version) == ("Retitled by the editor", 2)
    assert not DocumentPerson.objects.filter(document=document).exists()
    assert send(curator_api, "delete", "/documents/121773/", HTTP_IF_MATCH=stale_tag).status_code in (403, 412)


@pytest.mark.django_db
def test_a_current_if_match_saves_and_answers_with_a_new_etag(curator_api, cast):
    tag = etag(curator_api, "/documents/121773/")
    response = send(curator_api, "patch", "/documents/121773/", {"title": "Retitled"}, HTTP_IF_MATCH=tag)
    assert response.status_code == 200 and response.json()["title"] == "Retitled"
    assert response["ETag"] != tag and response["ETag"].startswith('"2-')
    assert response["ETag"] == etag(curator_api, "/documents/121773/")


@pytest.mark.django_db
def test_if_match_takes_only_a_strong_etag_this_server_gave_for_this_record(curator_api, cast):
    """A weak tag never matches (If-Match compares strongly); nor does a made-up tag that leads with
    the version, a forged or altered one, or another record's: 412, nothing changed."""
    tag = etag(curator_api, "/documents/121773/")
    other = DocumentFactory(record_id=300)
    assert other.version == cast["published"].version
    version, digest, signature = tag.strip('"').split("-")
    refused = [
        f"W/{tag}",
        f'"{version}-guess"',
        f'"{version}-{digest}"',
        f'"{version}-{digest}-{"0" * len(signature)}"',
        f'"{version}-{"0" * len(digest)}-{signature}"',
        etag(curator_api, "/documents/300/"),
        f'W/{tag}, "{version}-guess"',
    ]
    for header in refused:
        response = send(curator_api, "patch", "/documents/121773/", {"title": "Retitled"}, HTTP_IF_MATCH=header)
        assert response.status_code == 412, header
        assert error(response)["code"] == "precondition_failed"
    assert "weak" in error(send(curator_api, "patch", "/documents/121773/", {}, HTTP_IF_MATCH=f"W/{tag}"))["message"]
    # Not a list of entity tags at all (no quotes): as good as none.
    assert send(curator_api, "patch", "/documents/121773/", {"title": "X"}, HTTP_IF_MATCH=version).status_code == 428
    document = Document.objects.get(record_id=121773)
    assert (document.title, document.version) == ("Cable, Mikoyan to Stalin", 1)
    assert send(curator_api, "patch", "/documents/121773/", {"title": "Retitled"}, HTTP_IF_MATCH=tag).status_code == 200


@pytest.mark.django_db
def test_if_match_star_writes_over_the_current_version(curator_api, cast):
    """RFC 9110: * matches any current representation; the write applies to it as it is now."""
    Document.objects.get(record_id=121773).save()  # version 2: no version the client read
    response = send(curator_api, "patch", "/documents/121773/", {"title": "Retitled"}, HTTP_IF_MATCH="*")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Retitled" and response["ETag"].startswith('"3-')
    tag = etag(curator_api, f"/relations/{make_relation(cast).pk}/")
    assert tag.startswith('"') and "-" not in tag  # a relation has no version: its tag is the digest
    relation_url = f"/relations/{Relation.objects.get().pk}/"
    assert send(curator_api, "patch", relation_url, {"note": "Mine"}, HTTP_IF_MATCH="*").status_code == 200
    assert send(curator_api, "patch", relation_url, {"note": "Again"}, HTTP_IF_MATCH=f"W/{tag}").status_code == 412


def make_relation(cast):
    return Relation.objects.create(
        source=DocumentFactory(record_id=301), target=cast["published"], type=RelationType.objects.get(slug="reply")
    )


@pytest.fixture
def two_clients(curator_api, editor_api, cast):
    """A document created through the API (so its history holds each version), read by both clients.
    Its record ID is given: on PostgreSQL the sequence goes on from earlier tests."""
    assert send(curator_api, "post", "/documents/", new_document(record_id=121774)).status_code == 201
    return curator_api, editor_api, etag(curator_api, "/documents/121774/")


@pytest.mark.django_db
def test_stale_edits_of_different_fields_merge(two_clients):
    """As docs/api.md promises: an edit from an older version that changes other fields than the
    saves since is merged, both changes kept."""
    curator_api, editor_api, read = two_clients
    first = send(editor_api, "patch", "/documents/121774/", {"summary": "The editor's summary."}, HTTP_IF_MATCH=read)
    assert first.status_code == 200
    body = {"title": "The curator's title", "recipients": ["joseph-stalin"], "authors": ["joseph-stalin"]}
    second = send(curator_api, "patch", "/documents/121774/", body, HTTP_IF_MATCH=read)
    assert second.status_code == 200, second.json()
    data = second.json()
    assert (data["title"], data["summary"], data["version"]) == ("The curator's title", "The editor's summary.", 3)
    assert [p["slug"] for p in data["recipients"]] == ["joseph-stalin"]
    # People changed on one side only merge too.
    third = send(editor_api, "patch", "/documents/121774/", {"authors": ["anastas-mikoyan"]}, HTTP_IF_MATCH=read)
    assert third.status_code == 200, third.json()
    document = Document.objects.get(record_id=121774)
    assert [p.slug for p in document.authors] == ["anastas-mikoyan"]
    assert [p.slug for p in document.recipients] == ["joseph-stalin"]
    assert document.title == "The curator's title"


@pytest.mark.django_db
def test_a_stale_edit_of_the_same_field_is_a_412_naming_the_field_and_both_values(two_clients):
    curator_api, editor_api, read = two_clients
    send(editor_api, "patch", "/documents/121774/", {"title": "Editor's", "authors": []}, HTTP_IF_MATCH=read)
    response = send(
        curator_api, "patch", "/documents/121774/", {"title": "Curator's", "summary": "New"}, HTTP_IF_MATCH=read
    )
    assert response.status_code == 412
    assert "You both changed Title." in error(response)["message"]
    assert error(response)["fields"] == {"title": ["Theirs: Editor's. Yours: Curator's."]}
    response = send(curator_api, "patch", "/documents/121774/", {"authors": ["anastas-mikoyan"]}, HTTP_IF_MATCH=read)
    assert response.status_code == 412
    assert error(response)["fields"] == {"authors": ["Theirs: (none). Yours: Anastas Mikoyan."]}
    document = Document.objects.get(record_id=121774)
    assert (document.title, document.summary, document.authors, document.version) == (
        "Editor's",
        "Stalin answers.",
        [],
        2,
    )


@pytest.mark.django_db
def test_a_stale_edit_of_a_persons_aliases_merges_or_conflicts_as_a_field_does(curator_api, editor_api, cast):
    body = {"name": "Zhou Enlai", "aliases": [{"name": "Chou En-lai", "kind": "transliteration"}]}
    assert send(curator_api, "post", "/people/", body).status_code == 201
    read = etag(curator_api, "/people/zhou-enlai/")
    aliases = [{"name": "Chou En-lai", "kind": "transliteration"}, {"name": "Wu Hao", "kind": "codename"}]
    assert send(editor_api, "patch", "/people/zhou-enlai/", {"aliases": aliases}, HTTP_IF_MATCH=read).status_code == 200
    # Only the editor changed the aliases: the curator's stale edit of the birth year keeps them.
    response = send(curator_api, "patch", "/people/zhou-enlai/", {"birth_year": 1898}, HTTP_IF_MATCH=read)
    assert response.status_code == 200 and response.json()["aliases"] == aliases
    # Both changed them: a 412 with both lists, nothing changed.
    mine = [{"name": "Zhou En-lai", "kind": "other"}]
    response = send(curator_api, "patch", "/people/zhou-enlai/", {"aliases": mine}, HTTP_IF_MATCH=read)
    assert response.status_code == 412
    assert error(response)["fields"] == {
        "aliases": ["Theirs: Chou En-lai (transliteration), Wu Hao (codename). Yours: Zhou En-lai (other)."]
    }
    assert sorted(Person.objects.get(slug="zhou-enlai").aliases.values_list("name", flat=True)) == [
        "Chou En-lai",
        "Wu Hao",
    ]


@pytest.mark.django_db
def test_a_stale_relation_is_a_412(curator_api, cast):
    other = DocumentFactory(record_id=300)
    relation = Relation.objects.create(
        source=other, target=cast["published"], type=RelationType.objects.get(slug="reply")
    )
    tag = etag(curator_api, f"/relations/{relation.pk}/")
    Relation.objects.filter(pk=relation.pk).update(note="Changed meanwhile")
    response = send(curator_api, "patch", f"/relations/{relation.pk}/", {"note": "Mine"}, HTTP_IF_MATCH=tag)
    assert response.status_code == 412
    assert Relation.objects.get(pk=relation.pk).note == "Changed meanwhile"


# -- validation and the other resources --------------------------------------------------------------


@pytest.mark.django_db
def test_validation_errors_are_per_field(curator_api, cast):
    body = new_document(title="", date="1949-13-40", authors=["nobody-at-all"], record_id=121773)
    response = send(curator_api, "post", "/documents/", body)
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert {"title", "date", "authors", "record_id"} <= set(fields)
    person = send(curator_api, "post", "/people/", {"name": "X", "birth_year": 1950, "death_year": 1900})
    assert person.status_code == 400 and "death_year" in error(person)["fields"]
    to_itself = send(curator_api, "post", "/relations/", {"source": 121773, "target": 121773, "type": "reply"})
    assert to_itself.status_code == 400 and "target" in error(to_itself)["fields"]


@pytest.mark.django_db
def test_a_nul_character_in_a_key_is_a_field_error_and_creates_nothing(curator_api, cast):
    """PostgreSQL cannot compare text holding NUL: it must be refused before any query (found by
    schemathesis)."""
    before = Document.objects.count()
    body = new_document(languages=["ru\x00"], type="cable\x00", donors=["x\x00"], authors=["a\x00b"])
    response = send(curator_api, "post", "/documents/", body)
    assert response.status_code == 400
    assert {"languages", "type", "donors", "authors"} <= set(error(response)["fields"])
    assert Document.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("website", ["ftp://example.org/", "javascript:alert(1)", "/relative/"])
def test_a_donors_website_must_be_a_web_address(curator_api, website):
    response = send(curator_api, "post", "/donors/", {"name": "Careful Foundation", "website": website})
    assert response.status_code == 400 and "website" in error(response)["fields"]
    assert not Donor.objects.filter(name="Careful Foundation").exists()


@pytest.mark.django_db
def test_people_donors_and_collections_are_written_with_their_versions(curator_api, editor_api, cast):
    created = send(
        curator_api,
        "post",
        "/people/",
        {"name": "Zhou Enlai", "aliases": [{"name": "Chou En-lai", "kind": "transliteration"}]},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["aliases"] == [{"name": "Chou En-lai", "kind": "transliteration"}]
    tag = etag(curator_api, "/people/zhou-enlai/")
    assert tag.startswith('"1-')
    changed = send(curator_api, "patch", "/people/zhou-enlai/", {"birth_year": 1898}, HTTP_IF_MATCH=tag)
    assert changed.status_code == 200 and Person.objects.get(slug="zhou-enlai").birth_year == 1898
    donor_tag = etag(curator_api, "/donors/blavatnik-family-foundation/")
    body = {"description": "Funds translations."}
    assert (
        send(curator_api, "patch", "/donors/blavatnik-family-foundation/", body, HTTP_IF_MATCH=donor_tag).status_code
        == 200
    )
    assert send(curator_api, "post", "/collections/", {"name": "Korean War"}).status_code == 201
    # Deleting people, donors and collections is for editors, as in the admin.
    tag = etag(curator_api, "/people/zhou-enlai/")
    assert send(curator_api, "delete", "/people/zhou-enlai/", HTTP_IF_MATCH=tag).status_code == 403
    assert send(editor_api, "delete", "/people/zhou-enlai/", HTTP_IF_MATCH=tag).status_code == 204


@pytest.mark.django_db
def test_deleting_a_person_named_in_documents_is_a_409_that_deletes_nothing(editor_api, cast):
    from reversion.models import Revision

    stalin = cast["stalin"]
    draft = DocumentFactory(record_id=121780, draft=True)
    for document in (cast["published"], draft):
        DocumentPerson.objects.create(document=document, person=stalin, role=DocumentPerson.Role.AUTHOR, order=1)
    stalin.aliases.create(name="Iosif Dzhugashvili")
    links = DocumentPerson.objects.count()
    revisions = Revision.objects.count()
    tag = etag(editor_api, "/people/joseph-stalin/")

    response = send(editor_api, "delete", "/people/joseph-stalin/", HTTP_IF_MATCH=tag)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    body = error(response)
    assert body["status"] == 409 and body["code"] == "still_named"
    assert body["message"] == (
        "Not deleted: Joseph Stalin is named in 2 documents (record ID 121773, 121780). "
        "Remove Joseph Stalin from them first; nothing was deleted."
    )
    assert body["fields"] == {"documents": ["121773", "121780"]}
    # Nothing deleted, nothing recorded in history, the person's ETag the same.
    assert Person.objects.filter(pk=stalin.pk).exists()
    assert stalin.aliases.filter(name="Iosif Dzhugashvili").exists()
    assert DocumentPerson.objects.count() == links
    assert Revision.objects.count() == revisions
    assert etag(editor_api, "/people/joseph-stalin/") == tag
    # Once no document names them, the same delete goes through.
    DocumentPerson.objects.filter(person=stalin).delete()
    tag = etag(editor_api, "/people/joseph-stalin/")
    assert send(editor_api, "delete", "/people/joseph-stalin/", HTTP_IF_MATCH=tag).status_code == 204
    assert not Person.objects.filter(pk=stalin.pk).exists()


# -- history ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_write_is_in_the_documents_history_with_its_user(curator, curator_api, cast):
    new_id = send(curator_api, "post", "/documents/", new_document()).json()["record_id"]
    document = Document.objects.get(record_id=new_id)
    tag = etag(curator_api, f"/documents/{new_id}/")
    send(curator_api, "patch", f"/documents/{new_id}/", {"title": "Retitled", "authors": []}, HTTP_IF_MATCH=tag)
    send(curator_api, "post", "/relations/", {"source": new_id, "target": 121773, "type": "reply"})
    versions = list(versions_of(document))
    assert len(versions) == 3
    assert {version.revision.user for version in versions} == {curator}
    assert "API" in versions[-1].revision.comment


@pytest.mark.django_db
def test_a_duplicate_is_a_conflict_not_a_bad_request(curator_api, cast):
    """A well-formed body that duplicates a record answers 409 and changes nothing: a taken slug, a
    taken record ID, or a relation the two documents already have (either way round)."""
    other = DocumentFactory(record_id=121774, title="Reply")
    related = RelationType.objects.get(slug="related")
    Relation.objects.create(source=cast["published"], target=other, type=related)
    counts = (Person.objects.count(), Donor.objects.count(), Document.objects.count(), Relation.objects.count())
    for url, body in [
        ("/people/", {"name": "Another Stalin", "slug": "joseph-stalin"}),
        ("/donors/", {"name": "Blavatnik", "slug": "blavatnik-family-foundation"}),
        ("/collections/", {"name": "Sino-Soviet", "slug": "sino-soviet-relations"}),
        ("/documents/", new_document(record_id=121773)),
        ("/relations/", {"source": 121773, "target": 121774, "type": "related"}),
        ("/relations/", {"source": 121774, "target": 121773, "type": "related"}),
    ]:
        response = send(curator_api, "post", url, body)
        assert response.status_code == 409, (url, response.content)
        assert error(response)["code"] == "unique"
    assert counts == (Person.objects.count(), Donor.objects.count(), Document.objects.count(), Relation.objects.count())


@pytest.mark.django_db
def test_a_number_where_the_schema_says_text_is_refused(curator_api, cast):
    """The schema says text (type: string): a number is a 400, not made into text."""
    response = send(curator_api, "post", "/donors/", {"name": -142, "acknowledgement": 7})
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"name", "acknowledgement"}
    assert not Donor.objects.filter(name="-142").exists()
