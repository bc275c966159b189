"""Donors who fund the archive's work and collections that curators assemble."""

from django.db import models
from django.urls import reverse

from ..validators import validate_web_url
from .base import NaturalKeyManager, SluggedModel, TimeStampedModel, VersionedModel
from .facets import FacetKind
from .querysets import PublicQuerySet


class Donor(SluggedModel, TimeStampedModel, VersionedModel):
    """A funder whose support a document page acknowledges."""

    description = models.TextField(blank=True)
    url = models.URLField("link", blank=True, validators=[validate_web_url])
    logo = models.ImageField(upload_to="donors/", blank=True)
    acknowledgement = models.CharField(
        max_length=500,
        blank=True,
        help_text=(
            "The line a document page shows. Defaults to “This document was made possible with support from <name>”."
        ),
    )

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()
    document_path = "donors"
    facet_kind = FacetKind.DONOR

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
    image = models.ImageField(upload_to="collections/", blank=True)

    objects = NaturalKeyManager.from_queryset(PublicQuerySet)()
    document_path = "collections"
    facet_kind = FacetKind.COLLECTION

    class Meta:
        ordering = ["name"]

    def get_absolute_url(self):
        return reverse("documents:collection_detail", kwargs={"slug": self.slug})
