"""A document's modified_at moves whenever what its page, its API resource or its OAI record shows
changes, even when the change is made elsewhere; its version does not (no edit is made stale)."""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document, DocumentPerson, Language, RelationType, Scan

from .factories import (
    CollectionFactory,
    DocumentFactory,
    DonorFactory,
    PersonFactory,
    RelationFactory,
    RoleFactory,
    image_upload,
)

LONG_AGO = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture
def document(db):
    return DocumentFactory()


def age(*documents):
    """Put the documents' modified_at a month back, keeping their versions."""
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(modified_at=LONG_AGO)


def state(document):
    return Document.objects.values_list("modified_at", "version").get(pk=document.pk)


def assert_fresh(document, version):
    modified_at, now_version = state(document)
    assert modified_at > LONG_AGO + datetime.timedelta(days=29)
    assert now_version == version


CHANGES = {
    "a person added": lambda d: RoleFactory(document=d, role=DocumentPerson.Role.RECIPIENT),
    "a language added": lambda d: d.languages.add(Language.objects.get(code="ru")),
    "a donor added from the donor's side": lambda d: DonorFactory().documents.add(d),
    "a collection added": lambda d: d.collections.add(CollectionFactory()),
    "a scan added": lambda d: Scan.objects.create(document=d, image=image_upload(), alt_text="Page 1"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_to_what_the_document_shows_moves_its_modified_at(document, change):
    document.refresh_from_db()
    version = document.version
    age(document)
    change(document)
    assert_fresh(document, version)


def test_a_relation_moves_both_of_its_documents(document):
    other = DocumentFactory()
    age(document, other)
    versions = [state(document)[1], state(other)[1]]
    relation = RelationFactory(source=document, target=other, type=RelationType.objects.get(slug="related"))
    assert_fresh(document, versions[0])
    assert_fresh(other, versions[1])
    age(document, other)
    relation.delete()
    assert_fresh(document, versions[0])
    assert_fresh(other, versions[1])


def test_removals_and_a_reverse_clear_move_it_too(document):
    role = RoleFactory(document=document)
    donor = DonorFactory()
    donor.documents.add(document)
    version = state(document)[1]
    for undo in (role.delete, donor.documents.clear):
        age(document)
        undo()
        assert_fresh(document, version)


def test_renaming_a_person_or_a_collection_moves_their_documents_only(document):
    person, collection = PersonFactory(), CollectionFactory()
    RoleFactory(document=document, person=person)
    document.collections.add(collection)
    bystander = DocumentFactory()
    version = state(document)[1]
    for renamed in (person, collection):
        age(document, bystander)
        renamed.name += " (renamed)"
        renamed.save()
        assert_fresh(document, version)
        assert state(bystander)[0] == LONG_AGO


def test_a_donors_acknowledgement_or_a_relation_types_wording_moves_the_documents_showing_it(document):
    """Both are on the document page: a cached page keyed on the stamp must not outlive them."""
    donor = DonorFactory()
    donor.documents.add(document)
    other, bystander = DocumentFactory(), DocumentFactory()
    relation_type = RelationType.objects.create(name="answers", inverse_name="is answered by", slug="answers")
    RelationFactory(source=document, target=other, type=relation_type)
    versions = [state(document)[1], state(other)[1]]
    age(document, other, bystander)
    donor.acknowledgement = "Made possible by a new grant."
    donor.save()
    assert_fresh(document, versions[0])
    assert state(other)[0] == LONG_AGO
    age(document, other)
    relation_type.inverse_name = "is the answer to"
    relation_type.save()
    assert_fresh(document, versions[0])
    assert_fresh(other, versions[1])
    assert state(bystander)[0] == LONG_AGO


def test_saving_a_person_unchanged_moves_nothing(document):
    person = PersonFactory()
    RoleFactory(document=document, person=person)
    age(document)
    person.save()
    assert state(document)[0] == LONG_AGO


def test_a_rename_reaches_harvesters_as_a_new_datestamp(client, document):
    """OAI-PMH: a harvest from after the last one finds the record whose person was renamed."""
    person = PersonFactory(name="Anastas Mikoyan")
    RoleFactory(document=document, person=person)
    age(document)
    since = (timezone.now() - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"/oai/?verb=ListRecords&metadataPrefix=oai_dc&from={since}"
    assert 'code="noRecordsMatch"' in client.get(url).content.decode()
    person.name = "Anastas I. Mikoyan"
    person.save()
    assert "Anastas I. Mikoyan" in client.get(url).content.decode()


def test_deleting_a_document_moves_the_document_it_was_related_to(document):
    """The other side loses a related document from its page; the deleted one has nothing to touch."""
    other = DocumentFactory()
    RelationFactory(source=document, target=other, type=RelationType.objects.get(slug="related"))
    version = state(other)[1]
    age(other)
    document.delete()
    assert_fresh(other, version)
