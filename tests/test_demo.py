"""The demo archive and the seed page it must reproduce."""

from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Collection, Document, DocumentPerson, Person, Relation

from .pages import assert_in_order, fact_items, main_text, visible_text

SEED = Path(__file__).parent / "data" / "wilson-center-document-121773.txt"
CANONICAL = "/documents/121773/cable-joseph-stalin-to-anastas-mikoyan/"


def seed_lines():
    """The seed page's lines from the date to the end, as our page must show them.

    The seed shows two labels with no value (its scrape lost the linked names): "Author(s):",
    which we fill from the title, and "Language", which the seed does not tell, so an empty
    field is left out as the issue requires."""
    lines = [line.strip("\xa0 ") for line in SEED.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and line != "Skip to content"]
    return [line for line in lines if line not in {"Author(s):", "Language"}]


def reading_order(lines, contact):
    """The seed's lines in the order of our reading layout (issue 16): the title, then its date in the
    compact header; the summary before the text; the address the scraped page hid ("[email protected]")
    as the archive's contact address."""
    date, title, acknowledgement, *rest = lines
    end_of_text = rest.index("6. II. 1949") + 1
    text, summary, after = rest[:end_of_text], rest[end_of_text], rest[end_of_text + 1 :]
    hidden = "[email\xa0protected]"
    # The address is a link: the page's text has it apart from the words around it.
    after = [part for line in after for part in (line.partition(hidden) if hidden in line else [line]) if part]
    after = [contact if part == hidden else part.strip() for part in after]
    return [title, date, acknowledgement, summary, *text, *after]


@pytest.mark.django_db
def test_seed_page_shows_every_field_of_the_seed_in_its_reading_order(client, demo, settings):
    settings.ARCHIVE_CONTACT_EMAIL = "reading-room@example.net"
    response = client.get(CANONICAL)
    assert response.status_code == 200
    expected = reading_order(seed_lines(), "reading-room@example.net")
    assert len(expected) == len(seed_lines()) + 2  # every line of the seed; the rights' around its link
    assert_in_order(main_text(response), expected)


@pytest.mark.django_db
def test_seed_page_names_the_author_and_recipient_its_title_gives_beside_the_title(client, demo):
    response = client.get(CANONICAL)
    assert fact_items(response, "authors") == ["Joseph Stalin"]
    assert fact_items(response, "recipients") == ["Anastas Mikoyan"]
    assert_in_order(
        main_text(response),
        [
            *["Cable, Joseph Stalin to Anastas Mikoyan", "Author(s)", "Joseph Stalin", "Recipient(s)"],
            *["Anastas Mikoyan", "Stalin cable to Mikoyan, asking"],
        ],
    )


@pytest.mark.django_db
def test_seed_page_header_gives_the_date_with_its_note_as_the_cable_is_dated_6_february(client, demo):
    text = main_text(client.get(CANONICAL))
    assert_in_order(
        text,
        [
            *["Cable, Joseph Stalin to Anastas Mikoyan", "Date", "February 4, 1949", "dated 6 February 1949 in its"],
            *["text", "“6. II. 1949”", "Type", "Cable", "Original Classification", "Strictly Secret", "Record ID"],
            *["121773", "Stalin cable to Mikoyan", "English translation", "To Mikoyan."],
        ],
    )


@pytest.mark.django_db
def test_seed_rights_link_the_archives_contact_address_instead_of_the_hidden_one(client, demo, settings):
    settings.ARCHIVE_CONTACT_EMAIL = "reading-room@example.net"
    page = client.get(CANONICAL).content.decode()
    assert "email\xa0protected" not in page and "email&nbsp;protected" not in page
    assert 'Policy Program at <a href="mailto:reading-room@example.net">reading-room@example.net</a>.' in page


@pytest.mark.django_db
def test_the_demo_fills_the_collections_page(client, demo):
    collection = Collection.objects.get()
    assert collection.documents.count() == 5
    assert collection.name in visible_text(client.get("/collections/"))
    assert "Cable, Joseph Stalin to Anastas Mikoyan" in visible_text(client.get(collection.get_absolute_url()))


@pytest.mark.django_db
def test_a_document_made_after_the_demo_gets_the_record_id_after_the_real_one_not_a_placeholder(fresh_record_ids, demo):
    document = Document(title="A new cable")
    document.save()
    assert document.record_id == 121774


@pytest.mark.django_db
def test_permalink_and_wrong_slug_answer_301_to_the_canonical_url(client, demo):
    for path in ["/documents/121773/", "/documents/121773/wrong-slug/"]:
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == CANONICAL


@pytest.mark.django_db
def test_unknown_record_id_is_a_404_page(client, demo):
    response = client.get("/documents/1/")
    assert response.status_code == 404
    assert "Not found" in visible_text(response)


@pytest.mark.django_db
def test_demo_holds_what_the_seed_tells(demo):
    cable = Document.objects.get(record_id=121773)
    assert cable.is_published and cable.doc_type.name == "Cable"
    assert cable.classification.name == "Strictly Secret"
    assert [p.name for p in cable.authors] == ["Joseph Stalin"]
    assert [p.name for p in cable.recipients] == ["Anastas Mikoyan"]
    assert list(cable.donors.values_list("name", flat=True)) == ["MacArthur Foundation"]
    assert Person.objects.get(slug="joseph-stalin").aliases.get().name == "Instantsiya"
    assert len(cable.related_documents()) == 4
    # Two related documents share a title and a date, as real records do.
    titles = [related.document.title for related in cable.related_documents()]
    assert titles.count("Cable, Anastas Mikoyan to Joseph Stalin") == 2


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing(demo):
    def snapshot():
        return [list(model.objects.order_by("pk").values()) for model in (Document, Person, DocumentPerson, Relation)]

    before = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == before


@pytest.mark.django_db
def test_loading_the_demo_keeps_a_curators_edit(demo):
    Document.objects.filter(record_id=121773).update(summary="Edited by a curator.")
    call_command("load_demo", verbosity=0)
    assert Document.objects.get(record_id=121773).summary == "Edited by a curator."


@pytest.mark.django_db
def test_loading_the_demo_accepts_a_relation_a_curator_reversed(demo):
    seed, memo = Document.objects.get(record_id=121773), Document.objects.get(record_id=900001)
    relation = Relation.objects.get(source=seed, target=memo)
    relation.source, relation.target = memo, seed
    relation.save()
    call_command("load_demo", verbosity=0)
    assert Relation.objects.filter(type=relation.type).count() == 4


@pytest.mark.django_db
def test_seed_rights_give_the_contact_address_in_dublin_core_and_the_citation_metadata(client, demo, settings):
    settings.ARCHIVE_CONTACT_EMAIL = "reading-room@example.net"
    record = client.get(
        "/oai/", {"verb": "GetRecord", "identifier": "oai:testserver:121773", "metadataPrefix": "oai_dc"}
    )
    rights = record.content.decode().split("<dc:rights>")[1].split("</dc:rights>")[0]
    assert rights.endswith("Public Policy Program at reading-room@example.net.")
    head = client.get(CANONICAL).content.decode().split("</head>")[0]
    assert "Policy Program at reading-room@example.net." in head and "protected]" not in head
