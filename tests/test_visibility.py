"""One visibility rule: nothing unpublished reaches an anonymous reader, on any public URL."""

import io
import re
import zipfile
from collections import deque
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from documents.history.public import number_history
from documents.models import Document, DocumentPerson, Language, Person, Relation, RelationType
from documents.services import publishing

from .factories import (
    ClassificationFactory,
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    PersonFactory,
    RoleFactory,
)
from .pages import links, pdf_text

MARK = "Zzdraft"
# The URLs a sitemap lists; feeds link their entries with href like pages do.
SITEMAP_LOC = re.compile(r"<loc>([^<]*)</loc>")


@pytest.fixture
def draft(demo):
    """A draft tied to published records in every way a document can be, with names that
    exist nowhere else: if any of them shows up on a public page, a draft leaked."""
    document = DocumentFactory(
        draft=True,
        record_id=777001,
        title=f"{MARK} Cable, Joseph Stalin to a secret",
        summary=f"{MARK} summary",
        text=f"{MARK} text",
        classification=ClassificationFactory(name=f"{MARK} Classification"),
        doc_type__name=f"{MARK} Type",
    )
    document.languages.add(Language.objects.create(code="zzd", name=f"{MARK} Language"))
    document.donors.add(DonorFactory(name=f"{MARK} Donor"))
    document.collections.add(CollectionFactory(name=f"{MARK} Collection"))
    RoleFactory(document=document, person=Person.objects.get(slug="joseph-stalin"), role=DocumentPerson.Role.AUTHOR)
    RoleFactory(document=document, person=PersonFactory(name=f"{MARK} Person"), role=DocumentPerson.Role.RECIPIENT)
    seed = Document.objects.get(record_id=121773)
    related = RelationType.objects.get(slug="related")
    Relation.objects.create(source=seed, target=document, type=related)
    Relation.objects.create(source=document, target=Document.objects.get(record_id=900001), type=related)
    return document


def crawl(client, start_paths):
    """Every page reachable from start_paths by following links, outside the admin and static files.

    Sitemaps and feeds name this site by its absolute URLs, which are followed too.
    Links with a query string (facets, pages, sorts) are followed only from pages without one:
    their combinations are endless, and one step reaches every kind."""
    seen, queue, pages = set(), deque(start_paths), {}
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        pages[path] = response
        if response.status_code != 200 or is_pdf(response) or response.get("Content-Type") == "application/zip":
            continue
        for href in links(response) + SITEMAP_LOC.findall(response.content.decode()):
            url = urlsplit(urljoin(path, href))
            if url.scheme not in ("", "http") or url.netloc not in ("", "testserver"):
                continue  # another site, or no page at all (mailto: the archive's contact address)
            if url.path.startswith(("/admin/", "/static/", "/media/")):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.query and "?" in path and urlsplit(path).path == url.path:
                continue
            if target not in seen:
                queue.append(target)
    return pages


def is_pdf(response):
    return response.get("Content-Type") == "application/pdf"


def readable_text(response):
    """What a reader gets to read: a PDF's text (read back by a real parser), each file of a zip, else the body."""
    if is_pdf(response):
        return pdf_text(response.content)
    if response.get("Content-Type") == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return "\n".join(
            pdf_text(archive.read(name)) if name.endswith(".pdf") else archive.read(name).decode()
            for name in archive.namelist()
        )
    return response.content.decode()


@pytest.mark.django_db
def test_no_public_url_shows_a_draft(client, draft):
    # Every published document gets its public versions (the crawl reaches them from each page);
    # one that was published, then withdrawn, keeps its versions out of sight.
    withdrawn = DocumentFactory(record_id=777002, text=f"{MARK} once public")
    number_history(Document.objects.all())
    publishing.unpublish(Document.objects.filter(pk=withdrawn.pk))
    slugs = {
        "person": Person.objects.get(name=f"{MARK} Person").slug,
        "donor": draft.donors.get().slug,
        "collection": draft.collections.get().slug,
    }
    probes = [
        "/",
        # Feeds, the sitemap index and robots.txt, which machines start from.
        "/feeds/documents/",
        "/sitemap.xml",
        "/robots.txt",
        # Harvesters' entry points: OAI-PMH lists in both formats, by set too.
        "/oai/?verb=Identify",
        "/oai/?verb=ListSets",
        "/oai/?verb=ListIdentifiers&metadataPrefix=oai_dc",
        "/oai/?verb=ListRecords&metadataPrefix=oai_dc",
        "/oai/?verb=ListRecords&metadataPrefix=archive",
        f"/oai/?verb=ListRecords&metadataPrefix=oai_dc&set=type:{draft.doc_type.slug}",
        f"/oai/?verb=ListRecords&metadataPrefix=archive&set=collection:{slugs['collection']}",
        "/documents/?sort=-published",
        "/documents/?q=zzdraft",
        f"/documents/?q={draft.record_id}",
        "/documents/?author=joseph-stalin",
        f"/documents/?type={draft.doc_type.slug}",
        "/documents/?language=zzd",
        f"/documents/?classification={draft.classification.slug}",
        f"/documents/?person={slugs['person']}",
        f"/documents/?donor={slugs['donor']}",
        f"/documents/?collection={slugs['collection']}",
        # A reading list naming the draft: its page, citations and zip of PDFs leave it out.
        f"/reading-list/?ids={draft.record_id},121773",
        # A search's feed (Follow this search), by words and by each kind of filter.
        "/feeds/documents/?q=zzdraft",
        f"/feeds/documents/?q={draft.record_id}",
        "/feeds/documents/?q=stalin&author=joseph-stalin",
        f"/feeds/documents/?type={draft.doc_type.slug}",
        "/feeds/documents/?language=zzd",
        f"/feeds/documents/?person={slugs['person']}",
        f"/feeds/documents/?donor={slugs['donor']}",
        f"/feeds/documents/?collection={slugs['collection']}",
    ]
    pages = crawl(client, probes)
    assert len(pages) > 20, "the crawl should reach every kind of public page"
    assert {
        "/sitemap-documents.xml",
        "/sitemap-people.xml",
        "/people/joseph-stalin/feed/",
        "/people/network/",
    } <= pages.keys()
    assert {"/documents/121773/v/1/", "/documents/121773/v/1/cite.bib"} <= pages.keys()
    # The seed's PDF is reached from its page, and read for the draft like every page.
    assert is_pdf(pages["/documents/121773/document.pdf"])
    assert pages["/reading-list/documents.zip?ids=121773"]["Content-Type"] == "application/zip"
    assert "archive121773" in readable_text(pages["/reading-list/citations.bib?ids=121773"])
    for path, response in pages.items():
        assert response.status_code in (200, 301, 400), path
        # A page may echo what the probe itself asked for (search box, error message, links
        # that keep the query); nothing else may name the draft.
        body = readable_text(response).lower()
        for echo in sorted(parse_qs(urlsplit(path).query).values(), key=len, reverse=True):
            body = body.replace(echo[0].lower(), "")
        assert MARK.lower() not in body, path
        assert str(draft.record_id) not in body, path
    # The harvest lists really list: the published seed is there, with its relations.
    for path in ("/oai/?verb=ListRecords&metadataPrefix=oai_dc", "/oai/?verb=ListRecords&metadataPrefix=archive"):
        assert ":121773</identifier>" in pages[path].content.decode(), path
    # Counts leave the draft out too: five published demo documents.
    assert "5 published documents" in pages["/"].content.decode()
    # The draft's own addresses, and pages only the draft would fill, do not exist.
    for path in [
        f"/documents/{draft.record_id}/",
        draft.get_absolute_url(),
        draft.get_absolute_url() + "?results=q%3Dzzdraft",  # reached from a result: the same rule
        f"/people/{slugs['person']}/",
        f"/donors/{slugs['donor']}/",
        f"/collections/{slugs['collection']}/",
        f"/people/{slugs['person']}/feed/",
        f"/collections/{slugs['collection']}/feed/",
        f"/documents/{draft.record_id}/cite.bib",
        f"/documents/{draft.record_id}/cite.ris",
        f"/documents/{draft.record_id}/cite.json",
        f"/documents/{draft.record_id}/document.pdf",
        f"/iiif/{draft.record_id}/manifest.json",
        f"/api/v1/documents/{draft.record_id}/",
        f"/documents/{draft.record_id}/v/1/",
        f"/documents/{withdrawn.record_id}/v/1/",
        f"/documents/{withdrawn.record_id}/v/1/cite.bib",
        f"/documents/{withdrawn.record_id}/v/1/cite.ris",
        f"/documents/{withdrawn.record_id}/v/1/cite.json",
        f"/documents/{withdrawn.record_id}/document.pdf",
    ]:
        assert client.get(path).status_code == 404, path
    # OAI-PMH knows no record by the draft's identifier, in any format.
    for prefix in ("oai_dc", "archive"):
        answer = client.get(f"/oai/?verb=GetRecord&metadataPrefix={prefix}&identifier=oai:testserver:{draft.record_id}")
        assert 'code="idDoesNotExist"' in answer.content.decode(), prefix


@pytest.mark.django_db
def test_staff_can_preview_a_draft_marked_as_such(staff_client, draft):
    response = staff_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft preview" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def header_values(response, name):
    return {value.strip().lower() for value in response.get(name, "").split(",") if value.strip()}


@pytest.mark.django_db
def test_no_shared_cache_may_keep_a_page_made_for_staff(staff_client, draft):
    """Every page, feed, file and API answer a staff member gets may show a draft: Cache-Control says
    private, never public, whether or not this one shows it. Readers' pages stay cacheable."""
    probes = [
        "/",
        "/documents/?q=zzdraft",
        draft.get_absolute_url(),
        f"/documents/{draft.record_id}/cite.bib",
        "/feeds/documents/",
        "/sitemap.xml",
        "/oai/?verb=ListRecords&metadataPrefix=oai_dc",
    ]
    pages = crawl(staff_client, probes)
    assert len(pages) > 20
    for path in [
        "/api/v1/",
        f"/api/v1/documents/{draft.record_id}/",
        "/api/v1/documents/export.jsonl",
        "/api/v1/schema/",
    ]:
        pages[path] = staff_client.get(path)
    for path, response in pages.items():
        cache_control = header_values(response, "Cache-Control")
        assert "private" in cache_control and "public" not in cache_control, path
    reader = Client()
    assert "private" not in header_values(reader.get("/documents/"), "Cache-Control")
    assert "public" in header_values(reader.get("/api/v1/documents/"), "Cache-Control")


@pytest.mark.django_db
def test_api_answers_vary_by_authorization(client, draft, django_user_model):
    """The API answers the same URL differently by token (a draft for staff, 404 for others): every
    answer, to a token or to no token, says Vary: Authorization, and a token's answer is private."""
    staff = django_user_model.objects.create_user("program", password="a-long-test-password", is_staff=True)
    token = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=staff).key}"}
    paths = [
        "/api/v1/",
        "/api/v1/documents/",
        "/api/v1/documents/121773/",
        f"/api/v1/documents/{draft.record_id}/",
        "/api/v1/people/",
        "/api/v1/documents/export.jsonl",
        "/api/v1/schema/",
        "/api/v1/no-such-resource/",
    ]
    for path in paths:
        for headers in ({}, token):
            response = client.get(path, **headers)
            assert "authorization" in header_values(response, "Vary"), (path, headers)
            if headers:
                assert "private" in header_values(response, "Cache-Control"), path
    assert client.get(f"/api/v1/documents/{draft.record_id}/", **token).status_code == 200
    assert client.get(f"/api/v1/documents/{draft.record_id}/").status_code == 404


@pytest.mark.django_db
def test_a_filter_value_named_only_by_drafts_is_refused_as_unknown_to_the_public(staff_client):
    """Choosing a person only drafts name would put their name in a chip: to the public, no such person."""
    secret = PersonFactory(name="Unannounced Defector")
    RoleFactory(document=DocumentFactory(title="Draft cable", draft=True), person=secret)
    response = Client().get("/documents/", {"person": secret.slug})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Unannounced Defector" not in response.content.decode()
    assert staff_client.get("/documents/", {"person": secret.slug}).status_code == 200
