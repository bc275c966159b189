"""Controlled lists that curators extend in the admin."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from .base import NaturalKeyManager, NormalizedTextModel, SluggedModel, TrackedFieldsModel
from .querysets import PublicQuerySet


class Vocabulary(SluggedModel):
    """A term in a controlled list, unique by name regardless of case."""

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()

    class Meta(SluggedModel.Meta):
        abstract = True
        ordering = ["name"]

    @classmethod
    def lookup(cls, name):
        """The term with this name (any case), created if new: for imports and the demo."""
        term = cls.objects.filter(name__iexact=name.strip()).first()
        return term or cls.objects.create(name=name.strip())


def unique_name(model_name):
    return models.UniqueConstraint(Lower("name"), name=f"{model_name}_unique_name_ci")


class DocumentType(Vocabulary):
    """The form of a document: cable, memorandum of conversation, letter, report."""

    document_path = "doc_type"

    class Meta(Vocabulary.Meta):
        constraints = [unique_name("documenttype")]


class Classification(Vocabulary):
    """The security marking the original carried (e.g. Strictly Secret)."""

    document_path = "classification"

    class Meta(Vocabulary.Meta):
        constraints = [unique_name("classification")]


class Subject(Vocabulary):
    """A subject heading, e.g. "China--History--Civil War, 1945-1949"."""

    document_path = "subjects"

    class Meta(Vocabulary.Meta):
        constraints = [unique_name("subject")]


class Place(Vocabulary):
    """A place a document is about."""

    document_path = "places"

    class Meta(Vocabulary.Meta):
        constraints = [unique_name("place")]


class Archive(Vocabulary):
    """An archive that holds the original (e.g. Archive of the President, Russian Federation)."""

    document_path = "archives"

    class Meta(Vocabulary.Meta):
        constraints = [unique_name("archive")]


class LanguageManager(NaturalKeyManager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Language(TrackedFieldsModel, NormalizedTextModel):
    """A language of an original, identified by its ISO 639 code."""

    code = models.CharField(
        "ISO 639 code",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[a-z]{2,3}$", "Use a lower-case ISO 639-1 or 639-3 code.")],
        help_text="ISO 639-1 (two letters, e.g. ru) or, where there is none, ISO 639-3.",
    )
    name = models.CharField(max_length=100, unique=True)

    objects = LanguageManager.from_queryset(PublicQuerySet)()
    document_path = "languages"
    tracked_fields = ("name",)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class RelationType(SluggedModel):
    """A kind of link between two documents, worded for each direction
    ("reply to" from the reply, "replied to by" from the original)."""

    name = models.CharField("wording from the source", max_length=100)
    inverse_name = models.CharField(
        "wording from the target",
        max_length=100,
        help_text='The same as the source wording for a symmetric link ("related to").',
    )

    tracked_fields = ("name", "inverse_name", "slug")  # each side's wording shows on document pages

    class Meta:
        ordering = ["name"]
        constraints = [unique_name("relationtype")]

    @property
    def is_symmetric(self):
        return self.name == self.inverse_name
