"""The demo archive and the seed page it must reproduce."""

from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Document, DocumentPerson, Person, Relation

from .pages import assert_in_order, visible_text

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


@pytest.mark.django_db
def test_seed_page_shows_every_field_of_the_seed_in_its_order(client, demo):
    response = client.get(CANONICAL)
    assert response.status_code == 200
    assert_in_order(visible_text(response), seed_lines())


@pytest.mark.django_db
def test_seed_page_names_the_author_and_recipient_its_title_gives(client, demo):
    text = visible_text(client.get(CANONICAL))
    assert_in_order(text, ["Stalin cable to Mikoyan", "Author(s)", "Joseph Stalin", "Recipient(s)", "Anastas Mikoyan"])


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
