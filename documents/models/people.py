"""People and organisations named in documents, with the other forms of their names."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from ..text import name_key
from .base import NaturalKeyManager, NormalizedTextModel, SluggedModel, TimeStampedModel, VersionedModel
from .querysets import PublicQuerySet


class Person(SluggedModel, TimeStampedModel, VersionedModel):
    """A person or organisation: an authority record that documents link to."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    sort_name = models.CharField(
        max_length=255, blank=True, help_text="How the name sorts, e.g. “Stalin, Joseph”. Defaults to the name."
    )
    birth_year = models.SmallIntegerField(null=True, blank=True, help_text="Or the year an organisation began.")
    death_year = models.SmallIntegerField(null=True, blank=True, help_text="Or the year an organisation ended.")
    biography = models.TextField(blank=True)
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", "A Wikidata ID looks like Q855.")],
    )
    viaf_id = models.CharField(
        "VIAF ID",
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^[1-9]\d*$", "A VIAF ID is a number, e.g. 101787139.")],
    )
    # Unique: one record per name. NULL (never "", which would be a value) only for the later of two people
    # who already shared a name when the key was added (migration 0017): saving it is refused until the
    # two are merged or told apart.
    name_key = models.TextField(  # noqa: DJ001
        null=True, editable=False, help_text="The name as names are compared: whatever its case, spacing or form."
    )

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()
    document_path = "persons"
    reserved_slugs = ("network",)
    # What the pages of their documents show: the name and address, and in the text's person cards the
    # life dates; the sort name and the kind give the surname linked in the text (search/mentions.py).
    tracked_fields = ("name", "slug", "sort_name", "kind", "birth_year", "death_year")

    class Meta:
        verbose_name_plural = "people"
        ordering = ["sort_name", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(death_year__isnull=True)
                | Q(birth_year__lte=models.F("death_year")),
                name="person_born_before_died",
                violation_error_message="The year of death cannot be before the year of birth.",
            ),
            models.UniqueConstraint(
                fields=["name_key"],
                name="person_unique_name_key",
                violation_error_message="Another person has this name.",
            ),
        ]

    def save(self, *args, **kwargs):
        self.sort_name = self.sort_name or self.name
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        namesake = self.namesake()
        if namesake is not None:
            raise ValidationError({"name": ValidationError(namesake.duplicate_message(), code="duplicate")})

    def namesake(self):
        """The other person who has this name (whatever its case, spacing or Unicode form), or None."""
        return Person.objects.exclude(pk=self.pk).filter(name_key=name_key(self.name)).first()

    def duplicate_message(self, where=None):
        """Why another record may not have this person's name; where: this person's address."""
        return (
            f"“{self.name}” is already in the archive ({where or self.get_absolute_url()}): edit that person, "
            "or tell the two apart in the name (e.g. with their life dates)."
        )

    def get_absolute_url(self):
        return reverse("documents:person_detail", kwargs={"slug": self.slug})

    @property
    def life_dates(self):
        if self.birth_year is None and self.death_year is None:
            return ""
        return f"{self.birth_year or '?'}–{self.death_year or ''}"

    @property
    def wikidata_url(self) -> str:
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    @property
    def viaf_url(self) -> str:
        return f"https://viaf.org/viaf/{self.viaf_id}/" if self.viaf_id else ""


class PersonAlias(NormalizedTextModel):
    """Another name a person is known by: a codename, a transliteration, a variant."""

    class Kind(models.TextChoices):
        CODENAME = "codename", "Codename"
        TRANSLITERATION = "transliteration", "Transliteration"
        OTHER = "other", "Other name"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["person", "name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="personalias_unique_per_person"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().lower()})"
