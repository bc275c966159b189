"""The data model's rules: partial dates, constraints in the database, slugs that never break."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, transaction

from documents.dates import DatePrecision, format_partial_date, parse_partial_date
from documents.models import Collection, Document, Donor, OldSlug, Person, Relation, RelationType
from documents.services import publishing

from .factories import CollectionFactory, DocumentFactory, PersonFactory, RelationFactory


@pytest.mark.parametrize(
    ("date", "precision", "circa", "shown"),
    [
        (datetime.date(1949, 2, 4), DatePrecision.DAY, False, "February 4, 1949"),
        (datetime.date(1949, 2, 1), DatePrecision.MONTH, False, "February 1949"),
        (datetime.date(1949, 1, 1), DatePrecision.YEAR, False, "1949"),
        (datetime.date(1949, 1, 1), DatePrecision.YEAR, True, "circa 1949"),
        (None, DatePrecision.DAY, False, ""),
    ],
)
def test_partial_dates_show_as_the_archive_shows_them(date, precision, circa, shown):
    assert format_partial_date(date, precision, circa) == shown


@pytest.mark.parametrize("text", ["49", "1949-13", "1949-02-30", "February 1949", ""])
def test_unreadable_dates_are_refused_with_a_message(text):
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(text)


@pytest.mark.django_db
def test_a_month_date_covers_the_whole_month():
    document = DocumentFactory(date=datetime.date(1948, 2, 17), date_precision=DatePrecision.MONTH)
    assert (document.date, document.date_end) == (datetime.date(1948, 2, 1), datetime.date(1948, 2, 29))
    assert document.display_date == "February 1948"


@pytest.mark.django_db
def test_record_id_is_assigned_when_left_empty_and_must_be_positive():
    first = DocumentFactory(record_id=41)
    second = Document.objects.create(title="No number given")
    # From the sequence, which an explicit record ID moves past itself (tests share the sequence).
    assert second.record_id > first.record_id
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(record_id=0, title="Zero")


@pytest.mark.django_db
def test_slug_is_made_from_the_title():
    assert DocumentFactory(title="Cable, Joseph Stalin to Anastas Mikoyan").slug == (
        "cable-joseph-stalin-to-anastas-mikoyan"
    )


@pytest.mark.django_db
def test_a_document_cannot_relate_to_itself():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(source=document, target=document, type=RelationType.objects.get(slug="related"))


@pytest.mark.django_db
def test_one_relation_per_type_and_pair_whichever_way_round():
    relation = RelationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(source=relation.target, target=relation.source, type=relation.type)
    # Another type between the same pair is allowed.
    Relation.objects.create(source=relation.target, target=relation.source, type=RelationType.objects.get(slug="reply"))


@pytest.mark.django_db
def test_relations_are_worded_from_each_side():
    reply = RelationFactory(type=RelationType.objects.get(slug="reply"))
    assert [r.wording for r in reply.source.related_documents()] == ["reply to"]
    assert [r.wording for r in reply.target.related_documents()] == ["replied to by"]


@pytest.mark.django_db
def test_unpublished_related_documents_are_left_out_for_readers():
    relation = RelationFactory(target__draft=True)
    assert relation.source.related_documents() == []


@pytest.mark.django_db
def test_person_cannot_die_before_being_born():
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(birth_year=1953, death_year=1878)


@pytest.mark.django_db
def test_changing_a_slug_keeps_the_old_one_for_redirects():
    person = PersonFactory(name="Mao Tse-tung")
    old = person.slug
    person.slug = "mao-zedong"
    person.save()
    assert OldSlug.resolve(Person, old) == person
    # A new person whose name makes the same slug does not take the retired one.
    assert PersonFactory(name="Mao Tse-tung.").slug != old


@pytest.mark.django_db
def test_publishing_records_the_first_publication_date_once():
    document = DocumentFactory(draft=True)
    assert document.first_published_at is None
    publishing.publish(Document.objects.filter(pk=document.pk))
    document.refresh_from_db()
    first = document.first_published_at
    assert document.is_published and first is not None
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    publishing.publish(Document.objects.filter(pk=document.pk))
    document.refresh_from_db()
    assert document.first_published_at == first


@pytest.mark.django_db
def test_a_published_document_must_have_a_publication_date():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(first_published_at=None)


def test_every_model_with_a_natural_key_can_be_found_by_it():
    """A model that serializes links to itself by natural_key() has a manager that reads them back."""
    for model in apps.get_app_config("documents").get_models():
        if hasattr(model, "natural_key"):
            assert hasattr(model._default_manager, "get_by_natural_key"), model.__name__


# A real transaction: PostgreSQL refuses to flush (TRUNCATE) inside the test's transaction after writes;
# the rows migrations make are put back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dumpdata_with_natural_keys_loads_back_into_an_empty_database(demo, tmp_path):
    """`dumpdata --natural-foreign --natural-primary` of the archive loads into an empty database and
    gives the same records back: people, donors and collections are found by their slugs."""
    dump = tmp_path / "archive.json"
    excluded = ["--exclude=contenttypes", "--exclude=auth.permission", "--exclude=sessions", "--exclude=admin"]

    def records():
        """The dump's records (not the facet tables derived from them), as loading gives them back; loading
        touches a document's modified time, as a save would."""
        call_command("dumpdata", "--natural-foreign", "--natural-primary", *excluded, output=str(dump), verbosity=0)
        rows = json.loads(dump.read_text(encoding="utf-8"))
        return sorted(
            json.dumps({**row, "fields": {**row["fields"], "modified_at": None}}, sort_keys=True)
            for row in rows
            if row["model"].split(".")[1] in {"document", "person", "donor", "collection", "documentperson"}
        )

    CollectionFactory(name="Sino-Soviet Relations").documents.add(Document.objects.get(record_id=121773))
    before = records()
    assert Person.objects.exists() and Donor.objects.exists() and Collection.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not Person.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)
    assert records() == before
    seed = Document.objects.get(record_id=121773)
    # The demo's own collection and the one added here.
    assert sorted(seed.collections.values_list("name", flat=True)) == [
        "Mikoyan's Mission to China, 1949",
        "Sino-Soviet Relations",
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Иосиф Сталин", "iosif-stalin"),
        ("Пётр Ильич Чайковский", "petr-ilich-chaykovskiy"),
        ("Ελευθέριος Βενιζέλος", "eleytherios-venizelos"),
        ("毛泽东", "maozedong"),
        ("Zhōu Ēnlái", "zhou-enlai"),
        ("Straße & Söhne", "strasse-sohne"),
    ],
)
@pytest.mark.django_db
def test_slugs_are_transliterated_from_any_script(name, slug):
    """A name in Cyrillic, Greek or Chinese gets a readable slug, not the model's name ("person")."""
    assert PersonFactory(name=name, slug="").slug == slug
    assert Donor.objects.create(name=name).slug == slug
    assert DocumentFactory(title=name, slug="").slug == slug


@pytest.mark.django_db
def test_a_name_with_nothing_to_transliterate_falls_back_to_the_models_name():
    assert PersonFactory(name="★ ★", slug="").slug == "person"
