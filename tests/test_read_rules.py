"""The derived read rules, each written once on the model layer (documents/models/querysets.py) and
used by every page, the API and the harvests: one test per rule, across the places that use it."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from documents.crosswalk import related_documents
from documents.models import (
    Collection,
    DocumentChange,
    DocumentType,
    Donor,
    Language,
    Person,
    Relation,
    RelationType,
)
from documents.oai.formats import relations_by_document
from documents.web.headers import NOT_STORED

from .factories import CollectionFactory, DocumentFactory, DonorFactory, PersonFactory, RoleFactory

OAI_DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")


@pytest.fixture
def related(db):
    """A published document linked to three published ones (a late, an undated, an early one, made in
    that order) and to a draft, from both sides."""
    types = {slug: RelationType.objects.get(slug=slug) for slug in ("related", "reply")}
    center = DocumentFactory(date=datetime.date(1950, 1, 1))
    late = DocumentFactory(date=datetime.date(1960, 5, 1), title="Late")
    undated = DocumentFactory(date=None, title="Undated")
    early = DocumentFactory(date=datetime.date(1940, 3, 1), title="Early")
    draft = DocumentFactory(draft=True, date=datetime.date(1945, 1, 1), title="Draft")
    Relation.objects.create(source=center, target=late, type=types["related"])
    Relation.objects.create(source=undated, target=center, type=types["reply"])
    Relation.objects.create(source=center, target=early, type=types["reply"])
    Relation.objects.create(source=draft, target=center, type=types["related"])
    return center, [early, late, undated], draft


@pytest.mark.django_db
def test_related_documents_are_published_ones_in_one_order_on_the_page_the_api_and_the_harvests(client, related, staff):
    """A related document shows only if published (staff also see drafts), in date order, undated last:
    the same on the document page, the API, the OAI-PMH formats and the Dublin Core crosswalk."""
    center, published, draft = related
    expected = [document.record_id for document in published]

    page = client.get(center.get_absolute_url())
    assert [item.document.record_id for item in page.context["related_documents"]] == expected
    api = client.get(f"/api/v1/documents/{center.record_id}/").json()["related_documents"]
    assert [item["document"]["record_id"] for item in api] == expected
    assert [d.record_id for d in related_documents([center])[center.pk]] == expected
    assert [d.record_id for _, _, d in relations_by_document([center])[center.pk]] == expected
    record = client.get("/oai/", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": _oai_id(center)})
    relations = [element.text for element in ET.fromstring(record.content).iter(f"{OAI_DC}relation")]
    assert [int(re.search(r"/documents/(\d+)/", url).group(1)) for url in relations] == expected

    with_drafts = Relation.objects.related_to([center], staff)[center.pk]
    assert [item.document.record_id for item in with_drafts] == [
        published[0].record_id,
        draft.record_id,
        *expected[1:],
    ]
    client.force_login(staff)
    assert draft.record_id in [
        item.document.record_id for item in client.get(center.get_absolute_url()).context["related_documents"]
    ]


def _oai_id(document):
    return f"oai:{settings.OAI_REPOSITORY_IDENTIFIER or 'testserver'}:{document.record_id}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Person, Donor, Collection, DocumentType, Language])
def test_staff_see_every_row_and_everyone_else_the_public_ones(model, staff, django_user_model):
    """PublicQuerySet.visible_to(user): the one rule the pages and the API ask for people, groups and terms."""
    shown, hidden = DocumentFactory(), DocumentFactory(draft=True)
    rows = {
        Person: lambda: [RoleFactory(document=d).person for d in (shown, hidden)],
        Donor: lambda: _linked(DonorFactory, "donors", shown, hidden),
        Collection: lambda: _linked(CollectionFactory, "collections", shown, hidden),
        DocumentType: lambda: [shown.doc_type, hidden.doc_type],
        Language: lambda: _linked(_language, "languages", shown, hidden),
    }[model]()
    public, private = rows
    reader = django_user_model.objects.create_user("reader", password="a-long-test-password")
    assert set(model.objects.visible_to(None).filter(pk__in=[public.pk, private.pk])) == {public}
    assert set(model.objects.visible_to(reader).filter(pk__in=[public.pk, private.pk])) == {public}
    assert set(model.objects.visible_to(staff).filter(pk__in=[public.pk, private.pk])) == {public, private}


def _language(index=[0]):  # noqa: B006  (a counter across calls)
    index[0] += 1
    return Language.objects.create(code=f"z{index[0]}x"[:3], name=f"Zz {index[0]}")


def _linked(make, name, shown, hidden):
    made = []
    for document in (shown, hidden):
        row = make()
        getattr(document, name).add(row)
        made.append(row)
    return made


@pytest.mark.django_db
def test_tombstones_are_visible_to_staff_and_never_reveal_a_draft_to_others(staff):
    """DocumentChange.objects.visible_to(user): the archive's stamp, the 410s and the API's changes."""
    published, draft = DocumentFactory(), DocumentFactory(draft=True)
    published.delete()
    draft.delete()
    assert set(DocumentChange.objects.visible_to(None).values_list("record_id", flat=True)) == {published.record_id}
    assert set(DocumentChange.objects.visible_to(staff).values_list("record_id", flat=True)) == {
        published.record_id,
        draft.record_id,
    }
    assert DocumentChange.objects.gone(published.record_id, None)
    assert not DocumentChange.objects.gone(draft.record_id, None)
    assert DocumentChange.objects.gone(draft.record_id, staff)


@pytest.mark.django_db
def test_an_old_slug_answers_301_to_the_current_address_on_the_site_and_the_api_only_where_visible(client, staff):
    """QuerySet.resolve_old_slug(slug): the one old-address lookup, for pages and API alike."""
    person = PersonFactory(name="Joseph Stalin")
    RoleFactory(person=person)
    old = person.slug
    person.slug = "iosif-stalin"
    person.save()
    assert Person.objects.visible_to(None).resolve_old_slug(old) == person
    assert client.get(f"/people/{old}/")["Location"] == "/people/iosif-stalin/"
    api = client.get(f"/api/v1/people/{old}/")
    assert api.status_code == 301 and api["Location"].endswith("/api/v1/people/iosif-stalin/")

    hidden = PersonFactory(name="Nobody Public")
    RoleFactory(person=hidden, document=DocumentFactory(draft=True))
    gone = hidden.slug
    hidden.slug = "somebody-else"
    hidden.save()
    assert Person.objects.visible_to(None).resolve_old_slug(gone) is None
    assert client.get(f"/people/{gone}/").status_code == 404
    assert client.get(f"/api/v1/people/{gone}/").status_code == 404
    assert Person.objects.visible_to(staff).resolve_old_slug(gone) == hidden

    reply = RelationType.objects.get(slug="reply")
    Relation.objects.create(source=DocumentFactory(), target=DocumentFactory(), type=reply)  # in use: public
    reply.slug = "answer"
    reply.save()
    assert RelationType.objects.resolve_old_slug("reply") == reply
    assert client.get("/api/v1/relation-types/reply/")["Location"].endswith("/api/v1/relation-types/answer/")
    assert client.get("/api/v1/relation-types/no-such-type/").status_code == 404


@pytest.mark.django_db
def test_every_response_that_shows_a_draft_is_neither_stored_nor_indexed(client, staff):
    """web/headers.py draft_headers(): the document page, its citation, its PDF, the API's record and
    export, and a deleted draft's 410, for staff who may see them; readers' copies are public."""
    draft = DocumentFactory(draft=True)
    gone = DocumentFactory(draft=True)
    gone_record_id = gone.record_id
    gone.delete()
    client.force_login(staff)
    urls = [
        draft.get_absolute_url(),
        f"/documents/{draft.record_id}/cite.bib",
        f"/documents/{draft.record_id}/document.pdf",
        f"/api/v1/documents/{draft.record_id}/",
        "/api/v1/documents/export.jsonl",
        f"/documents/{gone_record_id}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 410), url
        assert response["Cache-Control"] == NOT_STORED, url
        assert response["X-Robots-Tag"] == "noindex", url
