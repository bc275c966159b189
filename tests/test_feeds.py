"""Atom feeds, the sitemap index and robots.txt: valid, bounded, and without drafts."""

import datetime
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Document, DocumentPerson
from documents.web.sitemaps import DocumentSitemap, ModifiedSitemap

from .factories import CollectionFactory, DocumentFactory, DocumentTypeFactory, DonorFactory, PersonFactory, RoleFactory

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SECTIONS = ["documents", "people", "donors", "collections", "pages"]


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text, name
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def entry_titles(root):
    return [entry.findtext(f"{ATOM}title") for entry in entries(root)]


def sitemap_locs(client, url, tag="url"):
    """The <loc> of every <url> (or <sitemap>) in a sitemap, each with its <lastmod>."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = ET.fromstring(response.content)
    return [
        (node.findtext(f"{SITEMAP}loc"), node.findtext(f"{SITEMAP}lastmod")) for node in root.iter(f"{SITEMAP}{tag}")
    ]


def local(url):
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def published(title, days_ago, **kwargs):
    """A published document first published days_ago (update(): save() would stamp it now)."""
    document = DocumentFactory(title=title, **kwargs)
    Document.objects.filter(pk=document.pk).update(
        first_published_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return document


@pytest.fixture
def archive(db):
    """Three published documents a day apart, and a draft tied to the same person and collection;
    a person, a donor and a collection whose only document is a second draft."""
    collection = CollectionFactory(name="Sino-Soviet relations")
    stalin = PersonFactory(name="Joseph Stalin")
    mikoyan = PersonFactory(name="Anastas Mikoyan")
    oldest = published("Oldest cable", 3, doc_type=DocumentTypeFactory(name="Cable"))
    middle = published("Middle memorandum", 2, doc_type=DocumentTypeFactory(name="Memorandum"))
    newest = published("Newest letter", 1, summary="Stalin writes to Mikoyan.")
    newest.collections.add(collection)
    newest.donors.add(DonorFactory(name="Wilson Foundation"))
    oldest.collections.add(collection)
    RoleFactory(document=newest, person=stalin, role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=newest, person=mikoyan, role=DocumentPerson.Role.AUTHOR, order=1)
    RoleFactory(document=middle, person=stalin, role=DocumentPerson.Role.MENTIONED)
    RoleFactory(document=middle, person=stalin, role=DocumentPerson.Role.RECIPIENT)
    draft = DocumentFactory(draft=True, title="Draft telegram")
    draft.collections.add(collection)
    RoleFactory(document=draft, person=stalin)
    hidden = DocumentFactory(draft=True, title="Hidden draft", record_id=999999)
    hidden.collections.add(CollectionFactory(name="Hidden collection"))
    hidden.donors.add(DonorFactory(name="Hidden donor"))
    RoleFactory(document=hidden, person=PersonFactory(name="Hidden person"))
    return {
        "documents": [newest, middle, oldest],
        "collection": collection,
        "stalin": stalin,
        "hidden": hidden,
    }


def assert_no_draft(body):
    assert "draft" not in body.lower()
    assert "hidden" not in body.lower()
    assert "999999" not in body


@pytest.mark.django_db
def test_the_main_feed_is_atom_with_published_documents_newest_first(client, archive):
    root = atom(client, "/feeds/documents/")
    assert entry_titles(root) == ["Newest letter", "Middle memorandum", "Oldest cable"]
    assert_no_draft(ET.tostring(root, encoding="unicode"))
    # The feed's own address, and an author for entries that have none.
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/documents/"
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    for entry in entries(root):
        for name in ("id", "title", "updated", "published"):
            assert entry.findtext(f"{ATOM}{name}"), name


@pytest.mark.django_db
def test_a_feed_entry_carries_link_summary_authors_dates_and_categories(client, archive):
    newest = archive["documents"][0]
    entry = entries(atom(client, "/feeds/documents/"))[0]
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == f"http://testserver{newest.get_absolute_url()}"
    assert entry.findtext(f"{ATOM}summary") == "Stalin writes to Mikoyan."
    assert [name.text for name in entry.findall(f"{ATOM}author/{ATOM}name")] == ["Joseph Stalin", "Anastas Mikoyan"]
    assert [category.get("term") for category in entry.findall(f"{ATOM}category")] == ["Cable", "Sino-Soviet relations"]
    newest.refresh_from_db()
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == newest.first_published_at
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == newest.modified_at


@pytest.mark.django_db
def test_a_collection_feed_lists_its_published_documents_only(client, archive):
    root = atom(client, "/collections/sino-soviet-relations/feed/")
    assert entry_titles(root) == ["Newest letter", "Oldest cable"]
    assert "Sino-Soviet relations" in root.findtext(f"{ATOM}title")
    assert (
        root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/collections/sino-soviet-relations/"
    )
    assert_no_draft(ET.tostring(root, encoding="unicode"))


@pytest.mark.django_db
def test_a_person_feed_lists_each_document_once_whatever_the_roles(client, archive):
    root = atom(client, f"/people/{archive['stalin'].slug}/feed/")
    assert entry_titles(root) == ["Newest letter", "Middle memorandum"]
    assert_no_draft(ET.tostring(root, encoding="unicode"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/collections/hidden-collection/feed/",
        "/people/hidden-person/feed/",
        "/collections/no-such-collection/feed/",
        "/people/no-such-person/feed/",
    ],
)
def test_feeds_of_records_with_only_drafts_or_none_do_not_exist(client, archive, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_pages_link_their_feeds_in_the_head_and_visibly(client, archive):
    expected = {
        "/": "/feeds/documents/",
        "/documents/": "/feeds/documents/",
        f"/people/{archive['stalin'].slug}/": f"/people/{archive['stalin'].slug}/feed/",
        "/collections/sino-soviet-relations/": "/collections/sino-soviet-relations/feed/",
    }
    for page, feed in expected.items():
        body = client.get(page).content.decode()
        head, main = body.split("</head>")
        alternates = re.findall(
            r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', head
        )
        assert feed in alternates, page
        if page != "/":
            assert f'<a href="{feed}" type="application/atom+xml">' in main, page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/feeds/documents/", "/people/joseph-stalin/feed/", "/collections/feedable/feed/"])
def test_feed_queries_do_not_grow_with_entries(client, django_assert_num_queries, url):
    collection = CollectionFactory(name="Feedable")
    stalin = PersonFactory(name="Joseph Stalin")

    def add(n):
        for _ in range(n):
            document = DocumentFactory()
            document.collections.add(collection, CollectionFactory())
            RoleFactory(document=document, person=stalin)
            RoleFactory(document=document, person=PersonFactory())

    add(1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(8)
    # The object (for a person or collection), the documents, their languages, authors and collections.
    with django_assert_num_queries(len(few)):
        assert len(entries(atom(client, url))) == 9


@pytest.mark.django_db
def test_a_search_has_a_feed_of_its_newly_published_matches(client, archive):
    """/feeds/documents/ takes the list's own parameters: the feed follows that search and those filters."""
    root = atom(client, "/feeds/documents/?q=stalin&sort=title&page=2")
    assert entry_titles(root) == ["Newest letter", "Middle memorandum"]  # newest first, whatever the list's order
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/documents/?q=stalin"
    assert local(root.find(f"{ATOM}link[@rel='alternate']").get("href")) == "/documents/?q=stalin&sort=-published"
    assert "Search: stalin" in root.findtext(f"{ATOM}title")
    assert_no_draft(ET.tostring(root, encoding="unicode"))
    person = atom(client, f"/feeds/documents/?recipient={archive['stalin'].slug}&q=memorandum")
    assert entry_titles(person) == ["Middle memorandum"]
    # Two searches, two feeds with ids of their own.
    assert root.findtext(f"{ATOM}id") != person.findtext(f"{ATOM}id")


@pytest.mark.django_db
def test_empty_parameters_follow_the_whole_archive(client, archive):
    root = atom(client, "/feeds/documents/?q=&date_from=&sort=title")
    assert entry_titles(root) == ["Newest letter", "Middle memorandum", "Oldest cable"]
    assert root.findtext(f"{ATOM}title").startswith("New documents ·")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/documents/"


@pytest.mark.django_db
def test_a_search_with_no_match_has_a_valid_empty_feed(client, archive):
    root = atom(client, "/feeds/documents/?q=nowhereatall&type=cable")
    assert entries(root) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=no-such-type", "Type: Select a valid choice. no-such-type is not one of the available choices."),
        ("date_from=1950-13", "From"),
        ("date_from=1960&date_to=1950", "The start of the date range is after its end."),
        ("collection=hidden-collection", "Collection: Select a valid choice."),
        ("q=" + "x" * 600, "Search: Ensure this value has at most 500 characters"),
    ],
)
def test_a_feed_of_a_bad_search_is_a_400_that_says_why(client, staff_client, archive, query, message):
    for reader in (client, staff_client):  # a value only drafts use is unknown to a feed, even for staff
        response = reader.get(f"/feeds/documents/?{query}")
        assert response.status_code == 400, query
        assert response["Content-Type"].startswith("text/plain")
        assert message in response.content.decode()


@pytest.mark.django_db
def test_a_search_feed_lists_published_documents_only_even_to_staff(staff_client, archive):
    root = atom(staff_client, f"/feeds/documents/?person={archive['stalin'].slug}")
    assert entry_titles(root) == ["Newest letter", "Middle memorandum"]
    assert_no_draft(ET.tostring(root, encoding="unicode"))
    assert entries(atom(staff_client, "/feeds/documents/?q=telegram")) == []


@pytest.mark.django_db
def test_a_results_page_links_the_feed_of_its_search(client, archive):
    body = client.get("/documents/?q=stalin&type=cable&sort=title&page=1&role=author").content.decode()
    head, main = body.split("</head>")
    feed = "/feeds/documents/?q=stalin&amp;type=cable"
    assert '<link rel="alternate" type="application/atom+xml" title="New documents matching this search' in head
    assert f'href="{feed}">' in head
    assert f'<a href="{feed}" type="application/atom+xml">Follow this search</a>' in main


@pytest.mark.django_db
def test_a_search_feed_is_kept_and_costs_no_more_with_more_entries(client, django_assert_max_num_queries):
    stalin = PersonFactory(name="Joseph Stalin")

    def add(n):
        for _ in range(n):
            document = DocumentFactory(text="About the railway.")
            document.collections.add(CollectionFactory())
            RoleFactory(document=document, person=stalin)

    url = "/feeds/documents/?q=railway&person=joseph-stalin"
    add(1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(8)
    with CaptureQueriesContext(connection) as more:
        assert len(entries(atom(client, url))) == 9
    assert len(more) == len(few)
    # Asked again with nothing new published: from the page cache. Only the filter's check of its person
    # (the row, and whether the index has caught up to say it is published) and the archive's stamp.
    with django_assert_max_num_queries(4):
        assert len(entries(atom(client, url))) == 9


@pytest.mark.django_db
def test_the_sitemap_index_lists_every_section(client, archive):
    index = sitemap_locs(client, "/sitemap.xml", tag="sitemap")
    assert [local(loc) for loc, _ in index] == [f"/sitemap-{section}.xml" for section in SECTIONS]
    assert all(lastmod for _, lastmod in index)
    assert DocumentSitemap.limit == ModifiedSitemap.limit == 50_000


@pytest.mark.django_db
def test_every_sitemap_url_opens_for_a_reader_with_its_lastmod_and_no_draft(client, archive):
    urls = []
    for section, _ in sitemap_locs(client, "/sitemap.xml", tag="sitemap"):
        body = client.get(local(section)).content.decode()
        assert_no_draft(body)
        urls += sitemap_locs(client, local(section))
    paths = {local(loc) for loc, _ in urls}
    assert {document.get_absolute_url() for document in archive["documents"]} <= paths
    assert {"/", "/documents/", "/people/joseph-stalin/", "/collections/sino-soviet-relations/"} <= paths
    assert len(paths) == len(urls)
    for loc, lastmod in urls:
        assert lastmod, loc
        assert client.get(local(loc)).status_code == 200, loc


@pytest.mark.django_db
def test_the_sitemap_pages_a_section_at_its_limit(client, archive, monkeypatch):
    monkeypatch.setattr(DocumentSitemap, "limit", 2)
    DocumentFactory(title="A fourth")
    DocumentFactory(title="A fifth")
    index = [local(loc) for loc, _ in sitemap_locs(client, "/sitemap.xml", tag="sitemap")]
    pages = ["/sitemap-documents.xml", "/sitemap-documents.xml?p=2", "/sitemap-documents.xml?p=3"]
    assert index[:3] == pages
    listed = [sitemap_locs(client, page) for page in pages]
    assert [len(urls) for urls in listed] == [2, 2, 1]
    expected = Document.objects.published().order_by("record_id")
    assert [local(loc) for urls in listed for loc, _ in urls] == [document.get_absolute_url() for document in expected]
    assert client.get("/sitemap-documents.xml?p=4").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("section", SECTIONS)
def test_sitemap_queries_do_not_grow_with_rows(client, django_assert_num_queries, section):
    def add(n):
        for _ in range(n):
            document = DocumentFactory()
            document.collections.add(CollectionFactory())
            document.donors.add(DonorFactory())
            RoleFactory(document=document)

    add(1)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/sitemap-{section}.xml")
    add(8)
    with django_assert_num_queries(len(few)) as queries:
        client.get(f"/sitemap-{section}.xml")
    # A count and the page's rows (one aggregate for the static pages), and never the wide columns.
    assert len(few) <= 2
    assert not any('"text"' in query["sql"] or '"summary"' in query["sql"] for query in queries.captured_queries)
    with django_assert_num_queries(len(SECTIONS) * 2 - 1):
        client.get("/sitemap.xml")


@pytest.mark.django_db
def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert lines[0] == "User-agent: *"
