"""The search index stays what a rebuild makes, on every write path, and follows the database through
the outbox: nothing committed is lost to the index, whatever fails after the commit."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from documents import search
from documents.models import Document, DocumentPerson, Language, Person, SearchOutbox
from documents.search import Criteria, Search, engine
from documents.services import publishing

from .factories import CollectionFactory, DocumentFactory, DocumentTypeFactory, DonorFactory, PersonFactory, RoleFactory


def assert_as_rebuilt():
    """The index, brought up to date from the outbox, holds exactly what a rebuild would."""
    search.sync()
    assert not search.check()


def count(**values):
    criteria = Criteria(values=tuple((name, (pk,)) for name, pk in values.items()), published_only=True)
    return Search(criteria).count()


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")


@pytest.mark.django_db
def test_every_write_keeps_the_index_as_a_rebuild_makes_it(editor):
    cable, letter = DocumentTypeFactory(name="Cable"), DocumentTypeFactory(name="Letter")
    ru, zh = Language.objects.get(code="ru"), Language.objects.get(code="zh")
    donor, collection = DonorFactory(), CollectionFactory()
    stalin, mao = PersonFactory(name="Joseph Stalin"), PersonFactory(name="Mao Zedong")

    document = DocumentFactory(doc_type=cable, date="1949-02-04")
    other = DocumentFactory(doc_type=cable, date="1950-01-01", draft=True)
    assert_as_rebuilt()
    document.languages.set([ru, zh])
    document.donors.add(donor)
    collection.documents.add(document, other)  # from the other side
    assert_as_rebuilt()
    RoleFactory(document=document, person=stalin, role=DocumentPerson.Role.AUTHOR)
    link = RoleFactory(document=document, person=stalin, role=DocumentPerson.Role.MENTIONED)
    RoleFactory(document=other, person=mao, role=DocumentPerson.Role.RECIPIENT)
    assert_as_rebuilt()
    assert count(person=stalin.pk) == 1  # two roles, one document
    link.delete()
    document.doc_type = letter
    document.date = "1961-08-13"
    document.save()
    assert_as_rebuilt()

    publishing.publish(Document.objects.filter(pk=other.pk), editor)
    assert count(type=cable.pk) == 1
    assert_as_rebuilt()
    publishing.unpublish(Document.objects.filter(pk=document.pk), editor)
    assert count(type=letter.pk) == 0
    assert_as_rebuilt()

    document.languages.remove(zh)
    donor.documents.clear()  # a reverse clear names no documents afterwards
    assert_as_rebuilt()
    stalin.name = "Iosif Stalin"  # a rename reaches every document that names him
    stalin.save()
    stalin.aliases.create(name="Instantsiya")
    assert_as_rebuilt()
    zh.delete()
    other.delete()
    assert count(recipient=mao.pk) == 0  # no document left
    assert_as_rebuilt()


@pytest.mark.django_db
def test_a_bulk_load_writes_no_outbox_rows_and_a_rebuild_indexes_it():
    cable = DocumentTypeFactory(name="Cable")
    with search.suspended():
        for n in range(5):
            DocumentFactory(doc_type=cable, date=f"19{50 + n}-01-01")
    assert not SearchOutbox.objects.exists()
    assert count(type=cable.pk) == 0
    search.rebuild()
    assert count(type=cable.pk) == 5
    assert not search.check()


@pytest.mark.django_db
def test_check_names_what_differs_and_sync_repairs_it():
    kept, dropped = DocumentFactory(), DocumentFactory()
    dropped_pk = dropped.pk
    search.sync()
    with search.suspended():  # changes the index does not hear of
        Document.objects.filter(pk=kept.pk).update(title="Renamed behind the index's back")
        dropped.delete()
        added = DocumentFactory()
    found = search.check()
    assert (found.missing, found.extra, found.stale) == ([added.pk], [dropped_pk], [kept.pk])
    with pytest.raises(CommandError, match="differs from the database"):
        call_command("search_index", "check", stdout=StringIO())
    search.enqueue([kept.pk, dropped_pk, added.pk])
    call_command("search_index", "sync", stdout=StringIO())
    assert not search.check()


@pytest.mark.django_db
def test_a_missing_index_is_unavailable_not_an_error(client, settings, tmp_path):
    DocumentFactory(title="A published cable")
    settings.SEARCH_INDEX_DIR = str(tmp_path / "nowhere")
    engine.forget()
    response = client.get("/documents/")
    assert response.status_code == 503
    assert "Search is unavailable" in response.content.decode()
    assert response["Retry-After"] == "30"
    api = client.get("/api/v1/documents/")
    assert (api.status_code, api.json()["error"]["code"], api["Retry-After"]) == (503, "search_unavailable", "30")
    document = Document.objects.get()
    assert client.get(document.get_absolute_url()).status_code == 200  # pages still render
    person = PersonFactory(name="Anastas Mikoyan")
    RoleFactory(document=document, person=person)
    page = client.get(person.get_absolute_url())
    assert page.status_code == 200 and "unavailable at the moment" in page.content.decode()
    api_person = client.get(f"/api/v1/people/{person.slug}/")
    assert (api_person.status_code, api_person["Retry-After"]) == (503, "30")
    call_command("search_index", "rebuild", stdout=StringIO())
    assert "A published cable" in client.get("/documents/").content.decode()


@pytest.mark.django_db
def test_a_card_from_the_index_shows_and_serializes_exactly_as_its_document(rf, demo):
    """Lists render the cards the index keeps: on the page and in the API, each must be what the
    document itself gives, for real records with their quirks (35 of them, plus the demo)."""
    from django.template.loader import render_to_string

    from documents.api.serializers.read import DocumentListSerializer
    from documents.search.pages import cards_of

    from .realdata import load_records

    load_records()
    publishing.unpublish(Document.objects.filter(pk=Document.objects.order_by("pk").first().pk))  # a draft among them
    search_ = Search(Criteria(published_only=False))
    page = search_.page("-date", 0, 1000)
    cards = cards_of(search_, page, Document.objects.all())
    documents = Document.objects.for_list().in_bulk(page.ids)
    assert len(cards) == len(documents) == Document.objects.count() > 35
    request = rf.get("/documents/")
    for card in cards:
        document = documents[card.pk]
        assert DocumentListSerializer(card, context={"request": request}).data == (
            DocumentListSerializer(document, context={"request": request}).data
        )
        for context in ({"show_meta": True, "heading_level": 3}, {}):
            assert render_to_string("includes/document_card.html", {"document": card, **context}) == (
                render_to_string("includes/document_card.html", {"document": document, **context})
            )


@pytest.mark.django_db
def test_a_facet_with_more_values_than_the_engine_counts_at_once_says_so_and_the_others_still_count(client):
    """Tantivy makes at most 65,000 buckets in one aggregation: the page's facets are then counted
    field by field, and the one facet past the limit on its own says it cannot be counted."""
    from documents.search.searching import AGGREGATION_BUCKETS
    from documents.text import name_key

    cable = DocumentTypeFactory(name="Cable")
    many = AGGREGATION_BUCKETS + 10
    with search.suspended():
        document = DocumentFactory(title="A cable naming everyone", doc_type=cable)
        people = Person.objects.bulk_create(
            [Person(name=f"Person {n}", sort_name=f"Person {n}", slug=f"p-{n}", name_key=name_key(f"Person {n}"))
             for n in range(many)],
            batch_size=5000,
        )  # fmt: skip
        DocumentPerson.objects.bulk_create(
            [DocumentPerson(document=document, person=person, role=DocumentPerson.Role.MENTIONED) for person in people],
            batch_size=5000,
        )
    search.rebuild()
    # Chosen, the people's facet counts every value without its own selection: one value each.
    response = client.get("/documents/", {"person": "p-0"})
    facets = {facet.name: facet for facet in response.context["facets"]}
    assert facets["person"].uncountable
    assert [(value.label, value.count) for value in facets["person"].values] == [("Person 0", 1)]
    assert "Too many to count for so many documents" in response.content.decode()
    assert [(value.label, value.count) for value in facets["type"].values] == [("Cable", 1)]
