"""The data model's rules: partial dates, constraints in the database, slugs that never break."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from documents.dates import DatePrecision, format_partial_date, parse_partial_date
from documents.models import Document, OldSlug, Person, Relation, RelationType

from .factories import DocumentFactory, PersonFactory, RelationFactory


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
    Document.objects.filter(pk=document.pk).publish()
    document.refresh_from_db()
    first = document.first_published_at
    assert document.is_published and first is not None
    Document.objects.filter(pk=document.pk).unpublish()
    Document.objects.filter(pk=document.pk).publish()
    document.refresh_from_db()
    assert document.first_published_at == first


@pytest.mark.django_db
def test_a_published_document_must_have_a_publication_date():
    document = DocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(first_published_at=None)
