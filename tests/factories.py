"""Factories for test data: each makes a valid row with as little as possible set."""

import datetime
from contextlib import contextmanager
from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import search
from documents.models import (
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Relation,
    RelationType,
)


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Type {n}")


class ClassificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classification
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Classification {n}")


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ["code"]

    code = "ru"
    name = "Russian"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonAlias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Donor Foundation {n}")


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection

    name = factory.Sequence(lambda n: f"Collection {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    record_id = factory.Sequence(lambda n: 500000 + n)
    title = factory.Sequence(lambda n: f"Memorandum number {n}")
    date = datetime.date(1949, 2, 4)
    summary = "A summary."
    text = "The text."
    status = Document.Status.PUBLISHED
    doc_type = factory.SubFactory(DocumentTypeFactory, name="Cable")

    class Params:
        draft = factory.Trait(status=Document.Status.DRAFT)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentPerson

    document = factory.SubFactory(DocumentFactory)
    person = factory.SubFactory(PersonFactory)
    role = DocumentPerson.Role.AUTHOR


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relation

    source = factory.SubFactory(DocumentFactory)
    target = factory.SubFactory(DocumentFactory)
    type = factory.LazyFunction(lambda: RelationType.objects.get(slug="related"))


def image_upload(name="page-1.png", size=(640, 900), fmt="PNG", color=(240, 235, 220)):
    """A real image file, encoded by Pillow, as a browser would upload it."""
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@contextmanager
def indexed_once():
    """Build data without reindexing on every save (documents/signals.py), then index it all
    at once: the same search index and facet counts, for tests whose point is not the signals."""
    with search.suspended():
        yield
    search.rebuild()
