"""The facet table and its stored counts stay exactly what a rebuild would make, on every write path."""

import pytest
from django.contrib.auth import get_user_model

from documents.models import Document, DocumentFacet, DocumentPerson, FacetCount, Language
from documents.search import facet_index, indexing_suspended, rebuild_index

from .factories import CollectionFactory, DocumentFactory, DocumentTypeFactory, DonorFactory, PersonFactory, RoleFactory


def snapshot():
    rows = sorted(DocumentFacet.objects.values_list("document_id", "facet", "value", "published"))
    counts = sorted(FacetCount.objects.values_list("facet", "value", "published", "total"))
    return rows, counts


def assert_as_rebuilt():
    kept = snapshot()
    facet_index.rebuild()
    assert kept == snapshot()


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")


@pytest.mark.django_db
def test_every_write_keeps_the_facet_table_as_a_rebuild_makes_it(editor):
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
    assert FacetCount.objects.get(facet=6, value=stalin.pk).total == 1  # two roles, one document
    link.delete()
    document.doc_type = letter
    document.date = "1961-08-13"
    document.save()
    assert_as_rebuilt()

    Document.objects.filter(pk=other.pk).publish(editor)
    assert FacetCount.objects.get(facet=1, value=cable.pk).published == 1
    assert_as_rebuilt()
    Document.objects.filter(pk=document.pk).unpublish(editor)
    assert FacetCount.objects.get(facet=1, value=letter.pk).published == 0
    assert_as_rebuilt()

    document.languages.remove(zh)
    donor.documents.clear()  # a reverse clear names no documents afterwards
    assert_as_rebuilt()
    zh.delete()
    other.delete()
    assert not DocumentFacet.objects.filter(document_id=other.pk).exists()
    assert not FacetCount.objects.filter(facet=7, value=mao.pk).exists()  # no document left
    assert_as_rebuilt()


@pytest.mark.django_db
def test_a_bulk_load_then_a_rebuild_fills_the_facet_table():
    cable = DocumentTypeFactory(name="Cable")
    with indexing_suspended():
        documents = [DocumentFactory(doc_type=cable, date=f"19{50 + n}-01-01") for n in range(5)]
    assert not DocumentFacet.objects.exists()
    rebuild_index()
    assert FacetCount.objects.get(facet=1, value=cable.pk).published == 5
    assert DocumentFacet.objects.filter(facet=11).count() == len(documents)
