"""Merging duplicate people (documents/services/merging.py and the admin's "Merge selected people"): roles and
aliases move to the kept person, duplicate links collapse, old addresses answer 301, history records
it, search and facets follow, and whoever may not merge changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision

from documents.history.diff import entries
from documents.history.recover import deleted_versions
from documents.history.states import version_state, versions_of
from documents.models import Document, DocumentPerson, OldSlug, Person, PersonAlias
from documents.search import Criteria, Search, parse_query
from documents.services import merging

from .factories import AliasFactory, DocumentFactory, PersonFactory, RoleFactory
from .pages import visible_text

CHANGELIST = "/admin/documents/person/"
AUTHOR, RECIPIENT, MENTIONED = DocumentPerson.Role.AUTHOR, DocumentPerson.Role.RECIPIENT, DocumentPerson.Role.MENTIONED


@pytest.fixture
def mao(db):
    """Mao entered twice: as Mao Zedong (with an alias) and as the older transliteration Mao Tse-tung
    (with a codename, a Wikidata ID the first lacks, and a page address it had before)."""
    keep = PersonFactory(name="Mao Zedong", birth_year=1893, death_year=1976)
    AliasFactory(person=keep, name="Chairman Mao", kind=PersonAlias.Kind.OTHER)
    other = PersonFactory(name="Mao Tse-tung", slug="mao-tse-tung", wikidata_id="Q5816")
    AliasFactory(person=other, name="Mao Tsetung", kind=PersonAlias.Kind.TRANSLITERATION)
    AliasFactory(person=other, name="chairman mao", kind=PersonAlias.Kind.OTHER)  # keep has it already
    OldSlug.remember(other, "mao-tse-tung-2")  # the address it had before its slug was corrected
    return keep, other


def roles_of(document):
    return sorted((link.person.name, link.role) for link in document.person_links.all())


def state():
    """What a refused merge must leave exactly as it was."""
    return (
        sorted(Person.objects.values_list("pk", "name", "version", "wikidata_id")),
        sorted(DocumentPerson.objects.values_list("pk", "document_id", "person_id", "role", "order")),
        sorted(PersonAlias.objects.values_list("pk", "person_id", "name", "kind")),
        sorted(OldSlug.objects.values_list("slug", "object_id")),
        sorted(Document.objects.values_list("pk", "version")),
        Revision.objects.count(),
    )


def merge_in_admin(client, keep, others, **fields):
    """The action's confirmation page as the browser posts it back."""
    selected = [keep.pk, *(other.pk for other in others)]
    data = {"action": "merge_people", "_selected_action": selected, "post": "yes", "keep": keep.pk}
    return client.post(CHANGELIST, data | fields)


@pytest.mark.django_db
def test_merging_moves_roles_and_aliases_to_the_kept_person(mao, editor):
    """The merged person's documents name the kept one in the same roles and order; its name and aliases
    become the kept person's aliases (each once, whatever the case); empty fields are filled in."""
    keep, other = mao
    cable = DocumentFactory(title="Cable, Filippov to Mao Tse-tung")
    RoleFactory(document=cable, person=PersonFactory(name="Joseph Stalin"), role=AUTHOR)
    RoleFactory(document=cable, person=other, role=RECIPIENT, order=3)
    memo = DocumentFactory(title="Memorandum")
    RoleFactory(document=memo, person=other, role=MENTIONED)

    result = merging.merge_people(keep, [other], editor)

    assert not Person.objects.filter(pk=other.pk).exists()
    assert roles_of(cable) == [("Joseph Stalin", AUTHOR), ("Mao Zedong", RECIPIENT)]
    assert cable.person_links.get(person=keep).order == 3
    assert roles_of(memo) == [("Mao Zedong", MENTIONED)]
    assert sorted(keep.aliases.values_list("name", "kind")) == [
        ("Chairman Mao", "other"),
        ("Mao Tse-tung", "transliteration"),
        ("Mao Tsetung", "transliteration"),
    ]
    keep.refresh_from_db()
    assert (keep.wikidata_id, keep.birth_year, keep.death_year) == ("Q5816", 1893, 1976)
    assert (result.links_moved, result.links_dropped, result.documents) == (2, 0, sorted([cable.pk, memo.pk]))
    assert "Merged “Mao Tse-tung” into “Mao Zedong”: 2 documents now name Mao Zedong" in result.message()


@pytest.mark.django_db
def test_the_merged_name_becomes_an_alias_of_the_kind_chosen(mao, editor):
    keep, other = mao
    merging.merge_people(keep, [other], editor, alias_kind=PersonAlias.Kind.OTHER)
    assert keep.aliases.get(name="Mao Tse-tung").kind == "other"


@pytest.mark.django_db
def test_a_role_both_people_hold_in_one_document_is_kept_once(mao, editor):
    """One link per document, person and role: the duplicate goes, other roles stay."""
    keep, other = mao
    third = PersonFactory(name="Mao Ze-dong")
    both = DocumentFactory()
    RoleFactory(document=both, person=keep, role=AUTHOR, order=0)
    RoleFactory(document=both, person=other, role=AUTHOR, order=1)
    RoleFactory(document=both, person=other, role=MENTIONED)
    RoleFactory(document=both, person=third, role=MENTIONED)

    result = merging.merge_people(keep, [other, third], editor)

    assert roles_of(both) == [("Mao Zedong", AUTHOR), ("Mao Zedong", MENTIONED)]
    assert both.person_links.get(role=AUTHOR).order == 0
    assert (result.links_moved, result.links_dropped) == (1, 2)
    assert not Person.objects.filter(pk__in=[other.pk, third.pk]).exists()


@pytest.mark.django_db
def test_the_merged_persons_addresses_answer_301_with_the_kept_persons_page(client, mao, editor):
    keep, other = mao
    RoleFactory(person=other)  # a published document, so that the kept person has a public page
    merging.merge_people(keep, [other], editor)
    for old in ("/people/mao-tse-tung/", "/people/mao-tse-tung-2/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == keep.get_absolute_url() == "/people/mao-zedong/"
    # The address stays reserved: a new person of the same name gets another.
    assert PersonFactory(name="Mao Tse-tung").slug == "mao-tse-tung-3"


@pytest.mark.django_db
def test_history_records_the_merge_by_the_editor(mao, editor):
    """One transaction: the merged person is recorded as deleted (with its aliases, for recovery), and one
    revision records the kept person and each changed document as they now are; versions move on."""
    keep, other = mao
    cable = DocumentFactory()
    RoleFactory(document=cable, person=other, role=RECIPIENT)
    untouched = DocumentFactory()
    RoleFactory(document=untouched, person=keep)
    keep_version, cable_version, untouched_version = keep.version, cable.version, untouched.version

    merging.merge_people(keep, [other], editor)

    latest = versions_of(keep).first()
    assert latest.revision.user == editor
    assert latest.revision.comment == "Merged “Mao Tse-tung” into “Mao Zedong”."
    assert [change.name for change in entries([latest])[0].changes if change.name == "aliases"]
    cable_latest = versions_of(cable).first()
    assert cable_latest.revision == latest.revision
    held = version_state(cable_latest).parts["person_links"]
    assert [(row["person_id"], row["role"]) for row in held] == [(keep.pk, RECIPIENT)]
    assert not versions_of(untouched).exists()  # its people did not change
    deleted = deleted_versions(Person).get()
    assert deleted.object_id == str(other.pk) and deleted.revision.user == editor
    assert deleted.revision.comment == "Merged “Mao Tse-tung” into “Mao Zedong”."  # in Recover deleted people
    assert {row["name"] for row in version_state(deleted).parts["aliases"]} == {"Mao Tsetung", "chairman mao"}
    keep.refresh_from_db()
    cable.refresh_from_db()
    untouched.refresh_from_db()
    assert (keep.version, cable.version, untouched.version) == (keep_version + 1, cable_version + 1, untouched_version)
    assert (keep.modified_by, cable.modified_by) == (editor, editor)


@pytest.mark.django_db
def test_search_and_facets_find_the_kept_persons_documents_by_the_merged_name(client, mao, editor):
    keep, other = mao
    by_keep, by_other = DocumentFactory(title="Telegram one"), DocumentFactory(title="Telegram two")
    RoleFactory(document=by_keep, person=keep)
    RoleFactory(document=by_other, person=other)

    merging.merge_people(keep, [other], editor)

    found = Search(Criteria(parse_query("Tse-tung"))).page("-date", 0, 10).ids
    assert set(found) == {by_keep.pk, by_other.pk}
    response = client.get("/documents/", {"q": "Tse-tung"})
    assert {document.record_id for document in response.context["documents"]} == {by_keep.record_id, by_other.record_id}
    assert Search(Criteria()).counts(["person"]) == {"person": [(keep.pk, 2)]}
    assert "Telegram two" in visible_text(client.get(keep.get_absolute_url()))


@pytest.mark.django_db
def test_a_curator_is_refused_with_nothing_changed(client, mao, curator):
    keep, other = mao
    RoleFactory(person=other)
    before = state()
    with pytest.raises(PermissionDenied):
        merging.merge_people(keep, [other], curator)
    client.force_login(curator)
    assert "Merge selected people" not in client.get(CHANGELIST).content.decode()
    merge_in_admin(client, keep, [other])
    assert state() == before


@pytest.mark.django_db
def test_a_merge_that_fails_part_way_changes_nothing(mao, editor, monkeypatch):
    """All or nothing: an error after the links and aliases moved leaves every row, and history, as it was."""
    keep, other = mao
    RoleFactory(person=other)
    before = state()

    def fail(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merging, "_record", fail)
    with pytest.raises(RuntimeError):
        merging.merge_people(keep, [other], editor)
    assert state() == before


@pytest.mark.django_db
def test_a_merge_asked_wrongly_is_refused_with_a_reason(mao, editor):
    """Nobody is merged into themselves or into nobody, and a merged name is no codename."""
    keep, other = mao
    before = state()
    for others, kind in (([keep], "transliteration"), ([], "transliteration"), ([other], "codename")):
        with pytest.raises(merging.MergeError):
            merging.merge_people(keep, others, editor, alias_kind=kind)
    assert state() == before


@pytest.mark.django_db
def test_the_admin_action_asks_whom_to_keep_then_merges(editor_client, mao):
    """Two or more selected: a confirmation page offers each (the one in most documents first); its POST merges."""
    keep, other = mao
    RoleFactory(person=keep)
    RoleFactory(person=keep)
    RoleFactory(person=other)
    page = editor_client.post(CHANGELIST, {"action": "merge_people", "_selected_action": [keep.pk, other.pk]})
    assert page.status_code == 200
    text = visible_text(page)
    assert "Mao Zedong" in text and "Mao Tse-tung" in text and "Q5816" in text
    assert f'value="{keep.pk}" id="keep-{keep.pk}" checked' in page.content.decode()
    assert "Merge selected people" in editor_client.get(CHANGELIST).content.decode()

    response = merge_in_admin(editor_client, other, [keep], alias_kind="other")

    assert response.status_code == 302 and response["Location"] == f"/admin/documents/person/{other.pk}/change/"
    assert not Person.objects.filter(pk=keep.pk).exists()
    other.refresh_from_db()
    assert other.document_links.count() == 3
    assert other.aliases.get(name="Mao Zedong").kind == "other"
    assert "Merged “Mao Zedong” into “Mao Tse-tung”" in visible_text(editor_client.get(response["Location"]))


@pytest.mark.django_db
def test_the_admin_action_needs_two_people(editor_client, mao):
    keep, _ = mao
    response = editor_client.post(CHANGELIST, {"action": "merge_people", "_selected_action": [keep.pk]}, follow=True)
    assert "Select two or more people to merge." in visible_text(response)
    assert Person.objects.count() == 2


def queries_to_merge(editor, documents):
    keep, other = PersonFactory(), PersonFactory()
    for _ in range(documents):
        document = DocumentFactory()
        RoleFactory(document=document, person=other)
        RoleFactory(document=document, person=PersonFactory())
    with CaptureQueriesContext(connection) as queries:
        merging.merge_people(keep, [other], editor)
    return len(queries)


@pytest.mark.django_db
def test_a_merge_costs_no_query_per_document(editor):
    """Links move in bulk and versions are recorded from prefetched rows: a person in many documents
    merges in as many queries as a person in few."""
    few, many = queries_to_merge(editor, 3), queries_to_merge(editor, 30)
    assert many - few <= 5, (few, many)
