"""Public pages: the document list and its filters, people, donors and collections."""

import datetime
import re

import pytest

from documents.dates import DatePrecision
from documents.models import DocumentPerson, Language

from .factories import (
    AliasFactory,
    ClassificationFactory,
    CollectionFactory,
    DocumentFactory,
    DocumentTypeFactory,
    DonorFactory,
    PersonFactory,
    RoleFactory,
)
from .pages import assert_in_order, main_text, visible_text


def listed(response):
    return [document.record_id for document in response.context["documents"]]


@pytest.mark.django_db
def test_list_shows_published_documents_newest_first(client):
    old = DocumentFactory(date=datetime.date(1945, 10, 5))
    new = DocumentFactory(date=datetime.date(1997, 10, 31))
    DocumentFactory(draft=True)
    response = client.get("/documents/")
    assert listed(response) == [new.record_id, old.record_id]
    assert "1–2 of 2 documents" in visible_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"), [("date", ["a", "b", "c"]), ("-date", ["c", "b", "a"]), ("title", ["b", "c", "a"])]
)
def test_list_sorts(client, sort, expected):
    docs = {
        "a": DocumentFactory(title="Zebra", date=datetime.date(1945, 1, 1)),
        "b": DocumentFactory(title="Alpha", date=datetime.date(1950, 1, 1)),
        "c": DocumentFactory(title="Middle", date=datetime.date(1960, 1, 1)),
    }
    assert listed(client.get(f"/documents/?sort={sort}")) == [docs[key].record_id for key in expected]


@pytest.mark.django_db
def test_filters_by_type_language_classification_donor_and_collection(client):
    memo = DocumentTypeFactory(name="Memorandum of Conversation")
    secret = ClassificationFactory(name="Top Secret")
    donor, collection = DonorFactory(), CollectionFactory()
    match = DocumentFactory(doc_type=memo, classification=secret)
    match.languages.add(Language.objects.get(code="ru"))
    match.donors.add(donor)
    match.collections.add(collection)
    DocumentFactory()  # a cable with nothing else
    query = f"type={memo.slug}&language=ru&classification={secret.slug}&donor={donor.slug}&collection={collection.slug}"
    assert listed(client.get(f"/documents/?{query}")) == [match.record_id]


@pytest.mark.django_db
def test_several_values_of_one_filter_combine_with_or(client):
    ru, zh = DocumentFactory(), DocumentFactory()
    ru.languages.add(Language.objects.get(code="ru"))
    zh.languages.add(Language.objects.get(code="zh"))
    DocumentFactory()
    assert sorted(listed(client.get("/documents/?language=ru&language=zh"))) == sorted([ru.record_id, zh.record_id])


@pytest.mark.django_db
def test_person_filters_respect_the_role(client):
    stalin = PersonFactory(name="Joseph Stalin")
    wrote = RoleFactory(person=stalin, role=DocumentPerson.Role.AUTHOR).document
    received = RoleFactory(person=stalin, role=DocumentPerson.Role.RECIPIENT).document
    DocumentFactory()
    assert listed(client.get(f"/documents/?author={stalin.slug}")) == [wrote.record_id]
    assert listed(client.get(f"/documents/?recipient={stalin.slug}")) == [received.record_id]
    assert sorted(listed(client.get(f"/documents/?person={stalin.slug}"))) == sorted(
        [wrote.record_id, received.record_id]
    )
    # The active person filter shows as a chip with a link that removes it.
    text = visible_text(client.get(f"/documents/?author={stalin.slug}"))
    assert "Author: Joseph Stalin" in text


@pytest.mark.django_db
def test_date_range_matches_partial_dates_by_overlap(client):
    day = DocumentFactory(date=datetime.date(1949, 2, 4))
    year = DocumentFactory(date=datetime.date(1949, 1, 1), date_precision=DatePrecision.YEAR)
    DocumentFactory(date=datetime.date(1949, 3, 1))
    DocumentFactory(date=None)
    found = listed(client.get("/documents/?date_from=1949-02&date_to=1949-02"))
    assert sorted(found) == sorted([day.record_id, year.record_id])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=no-such-type", "Type: Select a valid choice"),
        ("date_from=1949-13", "is not a real date"),
        ("date_to=soon", "is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("person=nobody", "Person (any role): Select a valid choice"),
        ("sort=random", "Sort by: Select a valid choice"),
    ],
)
def test_a_bad_filter_value_shows_a_message_not_an_error(client, query, message):
    DocumentFactory()
    response = client.get(f"/documents/?{query}")
    assert response.status_code == 400
    assert message in visible_text(response)
    assert listed(response) == []


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client, settings):
    settings.DOCUMENTS_PER_PAGE = 2
    cable = DocumentTypeFactory(name="Cable")
    for _ in range(5):
        DocumentFactory(doc_type=cable)
    DocumentFactory(doc_type=DocumentTypeFactory(name="Letter"))
    response = client.get(f"/documents/?type={cable.slug}")
    assert f'href="?type={cable.slug}&amp;page=2"' in response.content.decode()
    page3 = client.get(f"/documents/?type={cable.slug}&page=3")
    assert len(listed(page3)) == 1
    assert "5–5 of 5 documents" in visible_text(page3)
    # A page number that is not one shows the first page, not an error.
    assert client.get("/documents/?page=abc").status_code == 200


@pytest.mark.django_db
def test_person_page_shows_aliases_and_documents_by_role(client):
    stalin = PersonFactory(name="Joseph Stalin", birth_year=1878, death_year=1953)
    AliasFactory(person=stalin, name="Instantsiya", kind="codename")
    wrote = RoleFactory(person=stalin, role=DocumentPerson.Role.AUTHOR, document__title="Cable to Mikoyan")
    RoleFactory(person=stalin, role=DocumentPerson.Role.MENTIONED, document__title="Memo about Stalin")
    RoleFactory(person=stalin, role=DocumentPerson.Role.RECIPIENT, document__draft=True, document__title="Secret")
    text = visible_text(client.get(stalin.get_absolute_url()))
    assert_in_order(text, ["Joseph Stalin", "1878–1953", "Instantsiya (codename)", "Author of (1)", "Cable to Mikoyan"])
    assert "Mentioned in (1) " in text and "Memo about Stalin" in text
    mentioned = client.get(f"/documents/?mentioned={stalin.slug}")
    assert [d.title for d in mentioned.context["documents"]] == ["Memo about Stalin"]
    assert "Secret" not in text and "Recipient of" not in text
    assert wrote.document.get_absolute_url() in client.get(stalin.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_people_list_shows_only_people_with_published_documents(client):
    shown = RoleFactory(person__name="Anastas Mikoyan").person
    RoleFactory(person__name="Hidden Person", document__draft=True)
    text = visible_text(client.get("/people/"))
    assert shown.sort_name in text and "Hidden Person" not in text


@pytest.mark.django_db
def test_old_person_slug_answers_301(client):
    person = RoleFactory(person__name="Mao Tse-tung").person
    old = person.get_absolute_url()
    person.slug = "mao-zedong"
    person.save()
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == "/people/mao-zedong/"


@pytest.mark.django_db
def test_donor_and_collection_pages_list_documents_and_link_to_the_filtered_list(client):
    donor, collection = DonorFactory(name="MacArthur Foundation"), CollectionFactory(name="Sino-Soviet Relations")
    document = DocumentFactory(title="Cable, Joseph Stalin to Anastas Mikoyan")
    document.donors.add(donor)
    document.collections.add(collection)
    for group, name in [(donor, "donor"), (collection, "collection")]:
        response = client.get(group.get_absolute_url())
        assert "Cable, Joseph Stalin to Anastas Mikoyan" in visible_text(response)
        assert f'href="/documents/?{name}={group.slug}"' in response.content.decode()
    assert_in_order(visible_text(client.get("/donors/")), ["MacArthur Foundation", "1 document"])
    assert_in_order(visible_text(client.get("/collections/")), ["Sino-Soviet Relations", "1 document"])


@pytest.mark.django_db
def test_document_page_leaves_out_empty_fields(client):
    document = DocumentFactory(summary="", source="", rights="", classification=None)
    text = main_text(client.get(document.get_absolute_url()))
    for label in ["Source", "Rights", "Original Classification", "Donors", "Language", "Author(s)"]:
        assert f" {label} " not in text
    assert "Record ID" in text


@pytest.mark.django_db
def test_home_page_shows_recent_documents_and_collections(client):
    collection = CollectionFactory(name="Mikoyan's trip to China")
    DocumentFactory(title="Recent cable").collections.add(collection)
    DocumentFactory(title="Unseen draft", draft=True)
    text = visible_text(client.get("/"))
    assert_in_order(text, ["1 published document", "Recently published", "Recent cable", "Mikoyan's trip to China"])
    assert "Unseen draft" not in text


@pytest.mark.django_db
def test_person_page_shows_a_timeline_and_most_frequent_correspondents(client, demo):
    response = client.get("/people/joseph-stalin/")
    assert [(bar.year, bar.count) for bar in response.context["timeline"]] == [(1949, 4)]
    correspondents = response.context["correspondents"]
    assert [(c.name, c.sent, c.received) for c in correspondents] == [("Anastas Mikoyan", 2, 2)]
    sent = client.get(correspondents[0].sent_url)
    assert {d.record_id for d in sent.context["documents"]} == {121773, 900004}
    year = client.get(response.context["timeline"][0].url)
    assert year.context["page_obj"].paginator.count == 4
    assert_in_order(
        main_text(response), ["Documents by year", "1949", "Most frequent correspondents", "Anastas Mikoyan"]
    )


@pytest.mark.django_db
def test_every_page_names_the_archives_icon_and_the_icon_is_served(client):
    """A tab or a bookmark shows the archive's icon, not the browser's blank page."""
    page = client.get("/documents/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon, "no icon in the page's head"
    served = client.get(icon.group(1))
    assert served.status_code == 200 and b"<svg" in b"".join(served.streaming_content)


@pytest.mark.django_db
def test_counts_of_one_read_as_english(client):
    """One result is "1 document", not "1–1 of 1 document"; a group of one is not "all 1 document"; the
    people's index spells organizations as the document page does."""
    collection = CollectionFactory(name="Sino-Soviet Relations")
    DocumentFactory(title="Cable, Joseph Stalin to Anastas Mikoyan").collections.add(collection)
    listing = visible_text(client.get("/documents/"))
    assert " 1 document " in f" {listing} " and "1–1 of" not in listing
    group = visible_text(client.get(collection.get_absolute_url()))
    assert "See this document in the list of documents" in group and "all 1 document" not in group
    DocumentFactory(title="A second cable").collections.add(collection)
    assert "Browse and narrow all 2 documents" in visible_text(client.get(collection.get_absolute_url()))
    assert "1–2 of 2 documents" in visible_text(client.get("/documents/"))
    people = visible_text(client.get("/people/"))
    assert "People and organizations" in people and "organisations" not in people
