"""Donors who fund the archive's work and collections that curators assemble."""

from django.db import models
from django.urls import reverse

from ..files.uploads import UploadImageField, validate_web_image
from ..validators import validate_web_url
from .base import NaturalKeyManager, SluggedModel, TimeStampedModel, VersionedModel
from .querysets import PublicQuerySet


class Donor(SluggedModel, TimeStampedModel, VersionedModel):
    """A funder whose support a document page acknowledges."""

    description = models.TextField(blank=True)
    url = models.URLField("link", blank=True, validators=[validate_web_url])
    logo = UploadImageField(upload_to="donors/", blank=True, validators=[validate_web_image])
    acknowledgement = models.CharField(
        max_length=500,
        blank=True,
        help_text=(
            "The line a document page shows. Defaults to “This document was made possible with support from <name>”."
        ),
    )

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()
    document_path = "donors"
    tracked_fields = ("name", "slug", "acknowledgement")  # a document page shows the acknowledgement

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.acknowledgement = self.acknowledgement or f"This document was made possible with support from {self.name}"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("documents:donor_detail", kwargs={"slug": self.slug})


class Collection(SluggedModel, TimeStampedModel, VersionedModel):
    """A curated set of documents: a theme, a trip, a conference."""

    description = models.TextField(blank=True)
    image = UploadImageField(upload_to="collections/", blank=True, validators=[validate_web_image])

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()
    document_path = "collections"

    class Meta:
        ordering = ["name"]

    def get_absolute_url(self):
        return reverse("documents:collection_detail", kwargs={"slug": self.slug})


def refuse_deleting_while_named(instance):
    """A donor or collection that documents name is not deleted, drafts' included, as a person is not
    (DocumentPerson.person is PROTECT): a published page would silently lose its acknowledgement.
    Their links are many-to-many rows, which Django would delete with them, so the refusal is made
    before anything is deleted (documents/signals.py, pre_delete), for every path (admin, API,
    shell, a queryset's delete())."""
    named = list(instance.documents.order_by("record_id"))
    if named:
        raise models.ProtectedError(
            f"{instance} is named in {len(named)} document(s): remove it from them first.", set(named)
        )
