"""Who wrote to whom (documents/web/network.py, DocumentPerson.objects.correspondence): the pairs counted,
drawn and linked, on a person's page and archive-wide."""

import re
from html import unescape

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from documents.models import DocumentPerson, Person

from .factories import DocumentFactory, PersonFactory, RoleFactory

AUTHOR, RECIPIENT = DocumentPerson.Role.AUTHOR, DocumentPerson.Role.RECIPIENT


def letter(author, recipients, draft=False, mentioned=()):
    document = DocumentFactory(draft=draft)
    RoleFactory(document=document, person=author, role=AUTHOR)
    for recipient in recipients:
        RoleFactory(document=document, person=recipient, role=RECIPIENT)
    for person in mentioned:
        RoleFactory(document=document, person=person, role=DocumentPerson.Role.MENTIONED)
    return document


@pytest.fixture
def people(db):
    gromyko, rusk, dobrynin, thant = (
        PersonFactory(name=name) for name in ("A. Gromyko", "D. Rusk", "A. Dobrynin", "U Thant")
    )
    for _ in range(3):
        letter(gromyko, [rusk], mentioned=[thant])
    letter(rusk, [gromyko, dobrynin])
    letter(dobrynin, [dobrynin])  # a note to self is no correspondence
    letter(thant, [rusk], draft=True)
    return gromyko, rusk, dobrynin, thant


def test_the_pairs_are_counted_by_author_and_recipient_in_published_documents(people):
    gromyko, rusk, dobrynin, _ = people
    assert DocumentPerson.objects.correspondence() == [
        (gromyko.pk, rusk.pk, 3),
        (rusk.pk, gromyko.pk, 1),
        (rusk.pk, dobrynin.pk, 1),
    ]


def test_staff_count_their_drafts_too(people, admin_user):
    _, rusk, _, thant = people
    assert (thant.pk, rusk.pk, 1) in DocumentPerson.objects.correspondence(admin_user)


def figure(response, figure_id):
    tree = lxml.html.fromstring(response.content)
    [svg] = tree.xpath(f'//figure[figcaption/@id="{figure_id}-caption"]/svg')
    return svg


def edges(svg):
    return {a.get("aria-label"): a.get("href") for a in svg.xpath('.//g[@class="network-edges"]/a')}


def test_every_arrow_links_to_exactly_its_documents(people, client):
    response = client.get("/people/network/")
    arrows = edges(figure(response, "archive-network"))
    assert set(arrows) == {
        "A. Gromyko to D. Rusk: 3 documents",
        "D. Rusk to A. Gromyko: 1 document",
        "D. Rusk to A. Dobrynin: 1 document",
    }
    for label, url in arrows.items():
        listed = client.get(unescape(url)).content.decode()
        count = int(re.search(r": (\d+) documents?$", label).group(1))
        assert len(re.findall(r'class="document-card"', listed)) == count, label
    names = [a.get("aria-label") for a in figure(response, "archive-network").xpath('.//g[@class="network-nodes"]/a')]
    assert sorted(names) == ["A. Dobrynin", "A. Gromyko", "D. Rusk"]  # U Thant wrote only a draft
    assert "U Thant" not in response.content.decode()


def test_a_persons_page_draws_them_among_their_correspondents(people, client):
    _, rusk, _, thant = people
    svg = figure(client.get(rusk.get_absolute_url()), "person-network")
    assert set(edges(svg)) == {
        "A. Gromyko to D. Rusk: 3 documents",
        "D. Rusk to A. Gromyko: 1 document",
        "D. Rusk to A. Dobrynin: 1 document",
    }
    [centre] = svg.xpath('.//g[@class="network-nodes"]/a[@aria-label="D. Rusk"]/circle')
    assert (float(centre.get("cx")), float(centre.get("cy"))) == (280, 210)  # the middle of its canvas
    # Someone who only appears in mentions has no network to draw.
    assert 'id="person-network-caption"' not in client.get(thant.get_absolute_url()).content.decode()


def test_the_archive_network_reads_once_then_comes_from_the_page_cache(people, django_assert_max_num_queries):
    reader = Client()
    reader.get("/people/network/")
    with django_assert_max_num_queries(2):  # the archive's stamp
        assert "A. Gromyko" in reader.get("/people/network/").content.decode()


@pytest.mark.django_db
def test_an_archive_without_letters_says_so(client):
    letter(PersonFactory(), [])
    response = client.get("/people/network/")
    assert "No document names both an author and a recipient yet." in response.content.decode()


@pytest.mark.django_db
def test_no_person_takes_the_networks_address():
    assert Person.objects.create(name="Network").slug == "network-2"
    person = Person(name="Network Ltd", slug="network")
    with pytest.raises(ValidationError, match="the address of another page"):
        person.full_clean()
