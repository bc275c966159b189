"""Query-count guards: every API list (and the document detail) reads a fixed number of queries,
however many rows it shows and however much each row names."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import DocumentPerson, Language, Relation, RelationType

from .factories import (
    AliasFactory,
    ClassificationFactory,
    CollectionFactory,
    DocumentFactory,
    DocumentTypeFactory,
    DonorFactory,
    PersonFactory,
    RoleFactory,
    indexed_once,
)
from .test_api import API

SINCE = "2000-01-01T00:00:00Z"


def add_documents(n):
    """n published documents, each naming its own people, donor, collection, type and classification,
    two languages and a related document."""
    related = RelationType.objects.get(slug="related")
    languages = list(Language.objects.filter(code__in=["ru", "zh", "de", "en"]))
    with indexed_once():
        for i in range(n):
            document = DocumentFactory(
                text="About the railway.",
                doc_type=DocumentTypeFactory(),
                classification=ClassificationFactory(),
            )
            document.languages.set(languages[i % 2 : i % 2 + 2])
            document.donors.add(DonorFactory())
            document.collections.add(CollectionFactory())
            for role in (DocumentPerson.Role.AUTHOR, DocumentPerson.Role.AUTHOR, DocumentPerson.Role.RECIPIENT):
                person = PersonFactory()
                AliasFactory(person=person)
                RoleFactory(document=document, person=person, role=role)
            Relation.objects.create(source=document, target=DocumentFactory(text="About the railway."), type=related)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


LISTS = [
    "/documents/?page_size=100",
    "/documents/?page_size=100&q=railway&count=true",
    "/documents/?page_size=100&sort=title&facets=type,language,person&count=true",
    "/documents/?page_size=100&q=railway&sort=relevance",
    f"/documents/?page_size=100&updated_since={SINCE}&count=true",
    "/documents/?page_size=100&format=csv",
    "/people/?page_size=100",
    "/donors/?page_size=100",
    "/collections/?page_size=100",
    "/relations/?page_size=100",
    "/types/?page_size=100",
    "/classifications/?page_size=100",
    "/languages/?page_size=100",
    "/relation-types/?page_size=100",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_a_list_reads_the_same_queries_for_three_rows_as_for_twelve(client, path, django_assert_num_queries):
    add_documents(3)
    few = count_queries(client, API + path)
    add_documents(9)
    with django_assert_num_queries(few):
        response = client.get(API + path)
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_document_detail_reads_the_same_queries_however_much_it_names(client, django_assert_num_queries):
    add_documents(1)
    small = DocumentFactory()
    few = count_queries(client, f"{API}/documents/{small.record_id}/")
    add_documents(3)
    with indexed_once():
        big = DocumentFactory()
        for person in PersonFactory.create_batch(6):
            RoleFactory(document=big, person=person)
        big.donors.add(*DonorFactory.create_batch(3))
        related = RelationType.objects.get(slug="related")
        for other in DocumentFactory.create_batch(4):
            Relation.objects.create(source=big, target=other, type=related)
    with django_assert_num_queries(few):
        client.get(f"{API}/documents/{big.record_id}/")


# -- the archive's stamp (Last-Modified), once per request ---------------------------------------------

STAMP_SQL = ('max("documents_document"."modified_at")', 'max("documents_documentchange"."changed_at")')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/documents/?page_size=100&count=true&facets=type",
        f"/documents/?updated_since={SINCE}&count=true",
        "/people/",
        "/people/{person}/",
        "/relations/",
        "/types/",
        "/documents/export.jsonl",
    ],
)
def test_the_archives_stamp_is_read_once_per_request(client, path):
    """The newest change (two aggregate queries, views.archive_stamp) is read once per request,
    however many parts of the response ask for it."""
    add_documents(3)
    person = PersonFactory()
    RoleFactory(document=DocumentFactory(), person=person)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API + path.format(person=person.slug))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    for sql in STAMP_SQL:
        assert sum(sql in query["sql"].lower() for query in queries) == 1, sql


@pytest.mark.django_db
def test_the_stamp_is_kept_on_the_request_for_reads_only(rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request

    from documents.ops.stamps import request_stamp

    DocumentFactory()
    request = rf.get("/api/v1/documents/")
    request.user = AnonymousUser()
    with django_assert_num_queries(2):  # the newest document, the newest tombstone
        first = request_stamp(Request(request))
        # Another DRF Request around the same HttpRequest (as a view and its serializers hold) reads nothing.
        assert request_stamp(Request(request)) == request_stamp(request) == first
    # A write changes the stamp: after one, it is read again.
    write = rf.post("/api/v1/documents/")
    write.user = AnonymousUser()
    with django_assert_num_queries(4):
        request_stamp(write)
        request_stamp(write)


# -- ?updated_since= with ?count=true: one count for the whole walk ---------------------------------------


@pytest.mark.django_db
def test_the_changes_count_is_one_query_on_the_first_page_and_carried_by_the_cursor(client):
    from documents.models import Document

    add_documents(3)  # six documents
    Document.objects.filter(pk=Document.objects.order_by("pk").first().pk).update(status=Document.Status.DRAFT)
    first = f"{API}/documents/?updated_since={SINCE}&page_size=2"
    without = count_queries(client, first)
    with_count = count_queries(client, first + "&count=true")
    assert with_count == without + 1  # one query counts the live documents and the tombstones
    page = client.get(first + "&count=true").json()
    total = page["count"]
    assert total == Document.objects.published().count() == 5
    seen = len(page["results"])
    while page["next"]:
        url = page["next"].removeprefix("http://testserver")
        # A later page repeats the first page's count from its cursor: not one query more than without.
        plain = url.replace("&count=true", "")
        assert count_queries(client, url) == count_queries(client, plain)
        page = client.get(url).json()
        assert page["count"] == total
        seen += len(page["results"])
    assert seen == total
