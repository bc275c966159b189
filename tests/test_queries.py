"""Query counts: public pages cost the same number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.history.recording import recording
from documents.models import DocumentPerson, Language, RelationType, Scan

from .factories import (
    AliasFactory,
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    PersonFactory,
    RelationFactory,
    RoleFactory,
    indexed_once,
)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def rich_document(people=1, donors=1, relations=1, scans=0):
    """A published document with the given number of people, donors, relations and scans."""
    with indexed_once():
        document = DocumentFactory()
        document.languages.add(*Language.objects.filter(code__in=["ru", "zh"]))
        document.collections.add(CollectionFactory())
        for index in range(people):
            for role in DocumentPerson.Role:
                RoleFactory(document=document, person=PersonFactory(), role=role, order=index)
        document.donors.add(*(DonorFactory() for _ in range(donors)))
        for index in range(relations):
            RelationFactory(source=document, type=RelationType.objects.get(slug="related"))
            RelationFactory(
                target=document, type=RelationType.objects.get(slug="reply"), source__title=f"Reply {index}"
            )
        for index in range(scans):
            Scan.objects.bulk_create(
                [Scan(document=document, image=f"scans/p{index}.png", thumbnail="t.jpg", alt_text="p")]
            )
    return document


@pytest.mark.django_db
def test_document_list_queries_do_not_grow_with_rows_or_people(client, django_assert_num_queries):
    urls = ["/documents/", "/documents/?language=ru&sort=title"]
    rich_document()
    few = [count_queries(client, url) for url in urls]
    for _ in range(15):
        rich_document(people=3, donors=3)
    assert [count_queries(client, url) for url in urls] == few
    # The search index selects, counts, orders and keeps the cards; the database says: the outbox's
    # newest row (has the index caught up?), which of the page's documents the reader may see, and, once
    # per change of the index, the names of the facet values shown (five facets: no classification used).
    rich_document()
    with django_assert_num_queries(7):
        client.get("/documents/")
    with django_assert_num_queries(2):
        client.get("/documents/")


@pytest.mark.django_db
def test_document_page_queries_do_not_grow_with_people_donors_relations_or_scans(client):
    small = rich_document()
    large = rich_document(people=6, donors=5, relations=6, scans=4)
    assert count_queries(client, large.get_absolute_url()) == count_queries(client, small.get_absolute_url())


@pytest.mark.django_db
def test_linking_the_people_named_in_the_text_costs_no_query_per_person(client):
    def named(count):
        with indexed_once():
            people = [PersonFactory() for _ in range(count)]
            for person in people:
                AliasFactory(person=person, name=f"Codename{person.pk}")
                AliasFactory(person=person, name=f"Other Name {person.pk}")
            text = " ".join(f"{p.name} alias Codename{p.pk}, Other Name {p.pk}." for p in people)
            document = DocumentFactory(text=text, transcript=text, summary=text)
            for person in people:
                RoleFactory(document=document, person=person, role=DocumentPerson.Role.MENTIONED)
        return document

    one, many = named(1), named(30)
    assert count_queries(client, many.get_absolute_url()) == count_queries(client, one.get_absolute_url())
    assert client.get(many.get_absolute_url()).content.decode().count('class="person-mention"') == 30 * 3 * 3


@pytest.mark.django_db
def test_person_donor_and_collection_pages_do_not_grow_with_documents(client):
    person, donor, collection = PersonFactory(), DonorFactory(), CollectionFactory()

    def add_documents(n):
        with indexed_once():
            for _ in range(n):
                document = rich_document(people=2)
                RoleFactory(document=document, person=person, role=DocumentPerson.Role.AUTHOR)
                document.donors.add(donor)
                document.collections.add(collection)

    add_documents(1)
    urls = [person.get_absolute_url(), donor.get_absolute_url(), collection.get_absolute_url(), "/people/", "/"]
    before = [count_queries(client, url) for url in urls]
    add_documents(8)
    assert [count_queries(client, url) for url in urls] == before


@pytest.mark.django_db
def test_search_with_all_facets_and_filters_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for _ in range(3):
        rich_document()
    url = "/documents/?q=text&language=ru&type=cable&date_from=1940&date_to=1960&role=author"
    few = count_queries(client, url)
    for _ in range(12):
        rich_document(people=3, donors=2)
    # Count, page, languages, authors, snippets, six facets, the histogram, and one query per
    # selected vocabulary filter to validate it.
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.context["page_obj"].paginator.count == 15


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["one", "queryset"])
def test_deleting_a_document_reindexes_it_once_however_many_people_it_names(how):
    """Its person links are deleted just before it: none of them may reindex the document or touch
    its freshness on the way out (documents/signals.py)."""

    def delete_queries(document):
        with CaptureQueriesContext(connection) as queries:
            if how == "one":
                document.delete()
            else:
                type(document).objects.filter(pk=document.pk).delete()
        return len(queries)

    few, many = rich_document(people=1), rich_document(people=6)
    assert delete_queries(many) == delete_queries(few)


@pytest.mark.django_db
def test_saving_only_a_persons_biography_runs_the_update_alone():
    """What a save changes is known from the instance as it was loaded (TrackedFieldsModel), not
    read from the database again: a biography moves no document, reindexes nothing, keeps the
    slug. One query: the UPDATE (which returns the new version). It was four: three SELECTs of the
    row (the search index's, freshness's and the old slug's) before the UPDATE."""
    person = PersonFactory()
    RoleFactory(person=person)
    person = type(person).objects.get(pk=person.pk)
    person.biography = "Born in Gori."
    with CaptureQueriesContext(connection) as queries:
        person.save()
    statements = [query["sql"].split()[0] for query in queries]
    assert statements == ["UPDATE"], "\n".join(query["sql"] for query in queries)


@pytest.mark.django_db
def test_renaming_a_person_reads_their_documents_once_to_reindex_and_touch_them():
    person = PersonFactory()
    RoleFactory(person=person)
    person = type(person).objects.get(pk=person.pk)
    person.name = "Iosif Dzhugashvili"
    with CaptureQueriesContext(connection) as queries:
        person.save()
    selects_of_documents = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "documents_document" in q["sql"]
    ]
    assert len(selects_of_documents) == 1, "\n".join(q["sql"] for q in queries)


@pytest.mark.django_db
def test_version_page_queries_do_not_grow_with_people(client, django_assert_max_num_queries):
    """The version page reads its copy, the terms and people it names, in a fixed number of queries."""
    counts = []
    for people in (1, 8):
        with recording(None, "Added."):
            document = DocumentFactory()
            for _ in range(people):
                RoleFactory(document=document, person=PersonFactory(), role=DocumentPerson.Role.AUTHOR)
        with recording(None, "Corrected."):
            document.text = "Corrected."
            document.save()
        # 12: the version, its terms and people, and (people inside the text) their aliases in one query.
        with django_assert_max_num_queries(12) as captured:
            assert client.get(f"/documents/{document.record_id}/v/2/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
