"""People inside the text: the document page links the names and aliases of the document's people to
their pages, with a card each; curators switch a wrong link off per document."""

import re

import pytest
from django.test import Client
from reversion.models import Version

from documents.models import Document, DocumentPerson, Person, PersonAlias

from .factories import AliasFactory, DocumentFactory, PersonFactory, RoleFactory
from .realdata import load_records, read_records
from .test_locking import change_url, form_data

MENTION = re.compile(r'<a class="person-mention" href="/people/([a-z0-9-]+)/"[^>]*>(.*?)</a>', re.DOTALL)


def page(client, document):
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(html, marker, end="</section>"):
    start = html.index(marker)
    return html[start : html.index(end, start)]


def card(html, slug):
    start = html.index(">", html.index(f'id="person-card-{slug}"')) + 1
    return " ".join(re.sub(r"<[^>]+>", "", html[start : html.index("</a>", start)]).split())


@pytest.mark.django_db
def test_the_seeds_codename_links_to_stalin_with_a_card(client, demo):
    html = page(client, Document.objects.get(record_id=121773))
    text = section(html, 'class="document-text"')
    assert ("joseph-stalin", "Instantsiya") in MENTION.findall(text)
    assert MENTION.findall(text) == [
        ("joseph-stalin", "STALIN"),
        ("anastas-mikoyan", "MIKOYAN"),
        ("anastas-mikoyan", "Mikoyan"),
        ("mao-zedong", "Mao Zedong"),
        ("mao-zedong", "Mao Zedong"),
        ("joseph-stalin", "Instantsiya"),
        ("joseph-stalin", "Stalin"),
        ("joseph-stalin", "STALIN"),
    ]
    summary = section(html, 'class="document-summary"', "</p>")
    assert MENTION.findall(summary)[:2] == [("joseph-stalin", "Stalin"), ("anastas-mikoyan", "Mikoyan")]
    # One card per person, with the role they have in this document and a link to their page.
    assert html.count('class="person-card"') == 3
    assert card(html, "joseph-stalin") == "Joseph Stalin. Role in this document: author All documents of Joseph Stalin"
    assert "Role in this document: recipient" in card(html, "anastas-mikoyan")
    assert 'aria-describedby="person-card-joseph-stalin-about"' in text
    assert 'src="/static/documents/js/person-cards.js"' in html


@pytest.mark.django_db
def test_a_real_cable_signed_with_a_codename_links_it(client):
    """Record 113379, "Cable, Filippov [Stalin] to Mao Zedong": the cable is signed "Filippov."."""
    (document,) = load_records([r for r in read_records() if r.get("record_id") == "113379"]).values()
    stalin = PersonFactory(name="Joseph Stalin", sort_name="Stalin, Joseph", birth_year=1878, death_year=1953)
    AliasFactory(person=stalin, name="Filippov", kind=PersonAlias.Kind.CODENAME)
    RoleFactory(document=document, person=stalin, role=DocumentPerson.Role.AUTHOR)
    mao = Person.objects.filter(name="Mao Zedong").first() or PersonFactory(name="Mao Zedong")
    RoleFactory(document=document, person=mao, role=DocumentPerson.Role.RECIPIENT)
    html = page(client, document)
    found = MENTION.findall(section(html, 'class="document-text"'))
    assert ("joseph-stalin", "Filippov") in found
    assert ("mao-zedong", "Mao Zedong") in found
    assert MENTION.findall(section(html, 'class="document-summary"', "</p>")) == [("joseph-stalin", "Stalin")]
    assert card(html, "joseph-stalin").startswith("Joseph Stalin (1878–1953). Role in this document: author")


@pytest.mark.django_db
def test_a_transcript_in_russian_links_the_cyrillic_alias(client):
    document = DocumentFactory(text="", transcript="Т. СТАЛИН — товарищу Мао Цзэдуну. Сталинград.")
    stalin = PersonFactory(name="Joseph Stalin")
    AliasFactory(person=stalin, name="Сталин")
    RoleFactory(document=document, person=stalin)
    transcript = section(page(client, document), 'id="transcript-heading"')
    assert MENTION.findall(transcript) == [("joseph-stalin", "СТАЛИН")]


@pytest.mark.django_db
def test_no_link_to_a_person_the_document_does_not_name_as_one_of_its_people(client):
    document = DocumentFactory(text="Filippov wrote to Molotov.")
    AliasFactory(person=PersonFactory(name="Joseph Stalin"), name="Filippov")  # in the archive, not in this document
    RoleFactory(document=document, person=PersonFactory(name="Molotov"))
    html = page(client, document)
    assert MENTION.findall(html) == [("molotov", "Molotov")]
    assert "person-card-joseph-stalin" not in html


@pytest.mark.django_db
def test_a_person_only_a_draft_names_is_neither_linked_nor_carded_for_readers(staff_client, demo):
    """The seed's text says "Instantsiya"; here that alias belongs to a person whom only a draft names:
    their page does not exist for readers, so the published page must not link to it."""
    seed = Document.objects.get(record_id=121773)
    PersonAlias.objects.filter(name="Instantsiya").delete()
    secret = PersonFactory(name="Secret Agent")
    AliasFactory(person=secret, name="Instantsiya")
    draft = DocumentFactory(draft=True, text="Instantsiya again.")
    RoleFactory(document=draft, person=secret)
    seed.save()  # a new modified_at: the page is made anew
    reader = Client()
    html = page(reader, seed)
    assert "secret-agent" not in html and ("joseph-stalin", "Instantsiya") not in MENTION.findall(html)
    assert reader.get(secret.get_absolute_url()).status_code == 404
    # Staff previewing the draft see the link.
    assert ("secret-agent", "Instantsiya") in MENTION.findall(page(staff_client, draft))


@pytest.mark.django_db
def test_a_curator_switches_off_a_wrong_link_in_the_admin_recorded_in_history(staff_client, demo):
    seed = Document.objects.get(record_id=121773)
    url = change_url(seed)
    data = form_data(staff_client.get(url), "document")
    assert data["names_not_linked"] == ""
    data["names_not_linked"] = "INSTANTSIYA\nmao zedong"
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    html = page(Client(), seed)
    found = MENTION.findall(section(html, 'class="document-text"'))
    assert ("joseph-stalin", "Instantsiya") not in found
    assert ("joseph-stalin", "Stalin") in found
    assert "mao-zedong" not in {slug for slug, _ in MENTION.findall(html)}
    assert "Instantsiya [codename for" in html
    latest = Version.objects.get_for_object(seed).first()
    assert latest.field_dict["names_not_linked"] == "INSTANTSIYA\nmao zedong"


@pytest.mark.django_db
def test_an_alias_removed_from_a_person_unlinks_it_on_the_cached_page(client, demo):
    seed = Document.objects.get(record_id=121773)
    assert ("joseph-stalin", "Instantsiya") in MENTION.findall(page(client, seed))
    PersonAlias.objects.get(name="Instantsiya").delete()
    assert ("joseph-stalin", "Instantsiya") not in MENTION.findall(page(client, seed))


@pytest.mark.django_db
def test_a_person_given_life_dates_shows_them_on_the_cached_page(client, demo):
    seed = Document.objects.get(record_id=121773)
    assert card(page(client, seed), "joseph-stalin").startswith("Joseph Stalin. Role")
    stalin = Person.objects.get(slug="joseph-stalin")
    stalin.birth_year, stalin.death_year = 1878, 1953
    stalin.save()
    assert card(page(client, seed), "joseph-stalin").startswith("Joseph Stalin (1878–1953). Role")
