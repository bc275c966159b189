"""Public versions: every published change to a document is a numbered version at a permanent URL,
shown as it was, cited as such, and never a state that was not public."""

import html
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from reversion.models import Revision

from documents.history.public import number_history
from documents.history.recording import deleting, record_each, recording
from documents.history.recover import deleted_versions, restore
from documents.history.revert import revert
from documents.history.states import versions_of
from documents.models import Document, DocumentPerson, PublicVersion
from documents.services import publishing
from documents.services.merging import merge_people

from .factories import DocumentFactory, PersonFactory, RoleFactory
from .realdata import load_records, read_records


def version_url(document, number):
    return f"/documents/{document.record_id}/v/{number}/"


def save(document, user=None, comment="Changed.", **values):
    """An edit through a write path that records history, as the admin and the API do."""
    document = Document.objects.get(pk=document.pk)
    for name, value in values.items():
        setattr(document, name, value)
    with recording(user, comment):
        document.save()
    return document


def text_of(response):
    return html.unescape(response.content.decode())


def numbers(document):
    return list(PublicVersion.objects.filter(document=document).values_list("number", flat=True))


@pytest.fixture
def cable(db):
    """A draft, published, corrected twice while published, unpublished, edited as a draft and
    published again: public versions 1 to 3; the drafts' own text was never public."""
    with recording(None, "Added."):
        document = DocumentFactory(draft=True, title="Cable to Moscow", text="First draft, Zzsecret one.")
    save(document, text="As published: the meeting is on Tuesday.")  # still a draft
    publishing.publish(Document.objects.filter(pk=document.pk))  # version 1
    save(document, text="As published: the meeting is on Wednesday.")  # version 2
    save(document, summary="A cable about a meeting.")  # version 3
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    save(document, text="Zzsecret second draft.")
    save(document, text="As published: the meeting is on Thursday.")
    publishing.publish(Document.objects.filter(pk=document.pk))  # version 4
    return Document.objects.get(pk=document.pk)


@pytest.mark.django_db
def test_each_published_change_is_the_next_version_and_no_draft_state_is_numbered(client, cable):
    assert numbers(cable) == [1, 2, 3, 4]
    texts = [client.get(version_url(cable, n)).context["parts"]["content"] for n in (1, 2, 3, 4)]
    assert "on Tuesday" in texts[0] and "on Wednesday" in texts[1] and "on Thursday" in texts[3]
    assert "A cable about a meeting." in texts[2] and "A cable about a meeting." not in texts[1]
    for page in [*texts, client.get(cable.get_absolute_url()).content.decode()]:
        assert "Zzsecret" not in page


@pytest.mark.django_db
def test_a_save_that_changes_nothing_readers_see_makes_no_version(cable):
    save(cable, comment="Saved again.")
    save(cable, slug="cable-moscow")  # a new address, not new content
    assert numbers(cable) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_a_revert_adds_a_version_and_pruning_history_renumbers_nothing(client, cable, editor):
    first = versions_of(cable).order_by("pk").filter(revision__comment="Published.").first()
    revert(Document.objects.get(pk=cable.pk), first, editor)
    assert numbers(cable) == [1, 2, 3, 4, 5]
    assert "on Tuesday" in client.get(version_url(cable, 5)).context["parts"]["content"]
    Revision.objects.all().delete()  # what `deleterevisions` does to old history
    assert numbers(cable) == [1, 2, 3, 4, 5]
    assert "on Wednesday" in text_of(client.get(version_url(cable, 2)))


@pytest.mark.django_db
def test_the_version_page_shows_the_document_as_it_was_with_a_notice_and_its_changes(client, cable):
    version = PublicVersion.objects.get(document=cable, number=2)
    response = client.get(version_url(cable, 2))
    assert response.status_code == 200
    page = text_of(response)
    published = f"{version.published_at:%-d %B %Y}"
    assert f"You are reading version 2 of 4, as published on {published}." in page
    assert f'<a href="{cable.get_absolute_url()}">Read the current version.</a>' in page
    changes = re.search(r'<details class="version-changes" open>(.*?)</details>', page, re.S).group(1)
    assert "What changed from version 1 (1 field)" in changes
    assert "<dt>Text</dt>" in changes
    assert "<del>As published: the meeting is on Tuesday.</del>" in changes
    assert "<ins>As published: the meeting is on Wednesday.</ins>" in changes
    assert "Status" not in changes and "Zzsecret" not in changes
    # The current text is not on this version's page; the page is not the current one's.
    assert "Thursday" not in page
    assert f'<link rel="canonical" href="http://testserver{version_url(cable, 2)}">' in page
    assert "<title>Cable to Moscow (version 2)" in page


@pytest.mark.django_db
def test_the_first_version_says_so_and_a_missing_number_is_404(client, cable):
    assert "This is the first version the archive published." in text_of(client.get(version_url(cable, 1)))
    for number in (0, 5, 10**30):
        assert client.get(version_url(cable, number)).status_code == 404, number
        assert client.get(version_url(cable, number) + "cite.bib").status_code == 404, number


@pytest.mark.django_db
def test_the_current_page_lists_its_versions(client, cable):
    page = text_of(client.get(cable.get_absolute_url()))
    section = re.search(r'<section class="document-versions".*?</section>', page, re.S).group(0)
    assert "This is version 4, published on" in section
    assert [int(n) for n in re.findall(r'href="/documents/\d+/v/(\d+)/"', section)] == [4, 3, 2, 1]


@pytest.mark.django_db
def test_a_version_is_cited_as_that_version_at_its_own_address(client, cable):
    version = PublicVersion.objects.get(document=cable, number=2)
    url = f"http://testserver{version_url(cable, 2)}"
    named = f"Version 2, {version.published_at:%B %-d, %Y}"
    page = text_of(client.get(version_url(cable, 2)))
    assert f'<meta name="citation_public_url" content="{url}">' in page
    assert f'<meta name="citation_abstract_html_url" content="{url}">' in page
    json_ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert json_ld["url"] == url and json_ld["version"] == 2
    citation = re.search(r'<p class="citation" id="citation-text">(.*?)</p>', page, re.S).group(1)
    assert f"{named}." in citation and url in citation
    assert "Cite this version" in page
    assert f'href="{version_url(cable, 2)}cite.bib"' in page
    bibtex = client.get(version_url(cable, 2) + "cite.bib").content.decode()
    assert "version = {2}" in bibtex and f"url = {{{url}}}" in bibtex
    ris = client.get(version_url(cable, 2) + "cite.ris").content.decode()
    assert f"ET  - {named}\r\n" in ris and f"UR  - {url}\r\n" in ris
    csl = json.loads(client.get(version_url(cable, 2) + "cite.json").content)[0]
    assert csl["version"] == named and csl["URL"] == url
    # The current page's citation stays the document's own.
    current = text_of(client.get(cable.get_absolute_url()))
    assert "Cite this document" in current and "Version 2," not in current


@pytest.mark.django_db
def test_versions_of_an_unpublished_or_deleted_document_are_gone_for_readers(staff_client, cable):
    client = Client()  # staff_client is the test's client, signed in
    assert client.get(version_url(cable, 1)).status_code == 200  # cached for readers, then
    publishing.unpublish(Document.objects.filter(pk=cable.pk))
    for path in (version_url(cable, 1), version_url(cable, 1) + "cite.ris"):
        assert client.get(path).status_code == 404, path
    preview = staff_client.get(version_url(cable, 1))
    assert preview.status_code == 200 and b"Draft preview" in preview.content
    assert preview["Cache-Control"] == "private, no-store"
    Document.objects.get(pk=cable.pk).delete()
    assert client.get(version_url(cable, 1)).status_code == 410


@pytest.mark.django_db
def test_a_restored_document_keeps_its_numbers(client, cable, editor):
    with deleting([Document.objects.get(pk=cable.pk)], editor):
        Document.objects.filter(pk=cable.pk).delete()
    restore(deleted_versions(Document).first(), editor)
    assert numbers(cable) == [1, 2, 3, 4]
    assert "on Wednesday" in text_of(client.get(version_url(cable, 2)))


@pytest.mark.django_db
def test_readers_get_a_shared_cacheable_version_page(client, cable):
    response = client.get(version_url(cable, 3))
    assert response["Cache-Control"] == "public, max-age=300"
    latest = text_of(client.get(version_url(cable, 4)))
    assert "You are reading version 4 of 4, the current one, as published on" in latest


@pytest.mark.django_db
def test_a_real_record_keeps_its_first_version_after_a_correction(client):
    records = [r for r in read_records() if r.get("body")][:1]
    (document,) = load_records(records).values()
    assert number_history(Document.objects.filter(pk=document.pk)) == 1
    original = document.title
    save(document, title=original + " (corrected)")
    first, second = (text_of(client.get(version_url(document, n))) for n in (1, 2))
    heading = re.compile(r'<h1 id="document-title">(.*?)</h1>', re.S)
    assert heading.search(first).group(1) == original
    assert heading.search(second).group(1) == original + " (corrected)"
    assert f"<del>{original}</del> → <ins>{original} (corrected)</ins>" in second
    assert " ".join(document.text.split()[:5]) in " ".join(first.split())


@pytest.mark.django_db
def test_numbering_existing_history_counts_only_its_published_states(db):
    with recording(None, "Added."):
        document = DocumentFactory(draft=True, text="Draft.")
    record_each([Document.objects.get(pk=document.pk)], None, "Saved.")
    PublicVersion.objects.all().delete()  # as before public versions were kept
    publishing.publish(Document.objects.filter(pk=document.pk))
    PublicVersion.objects.all().delete()
    save(document, text="Published text.")
    PublicVersion.objects.all().delete()
    assert number_history(Document.objects.all()) == 2
    assert numbers(document) == [1, 2]
    call_command("number_versions", verbosity=0)  # nothing left to number
    assert numbers(document) == [1, 2]


@pytest.mark.django_db
def test_merging_people_adds_a_version_naming_the_kept_person(client, editor):
    kept, duplicate = PersonFactory(name="Joseph Stalin"), PersonFactory(name="I. V. Stalin")
    with recording(None, "Added."):
        document = DocumentFactory(text="A cable.")
        RoleFactory(document=document, person=duplicate, role=DocumentPerson.Role.AUTHOR)
    merge_people(kept, [duplicate], editor)
    assert numbers(document) == [1, 2]
    second = text_of(client.get(version_url(document, 2)))
    assert "<dt>Authors</dt>" in second and "<ins>Joseph Stalin</ins>" in second
    # Version 1 still names its author as it did; the merged person's old address leads to the kept one.
    first = client.get(version_url(document, 1))
    authors = re.search(r'<div id="authors">.*?</div>', text_of(first), re.S).group(0)  # the header's authors
    assert f'<a href="/people/{duplicate.slug}/">I. V. Stalin</a>' in authors
    assert client.get(f"/people/{duplicate.slug}/")["Location"] == f"/people/{kept.slug}/"
