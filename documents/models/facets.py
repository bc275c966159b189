"""The facet table: what the list's facets count, kept in step with documents
(documents/search/facet_index.py) the way the search index is."""

from django.db import models


class FacetKind(models.IntegerChoices):
    TYPE = 1, "type"
    CLASSIFICATION = 2, "classification"
    LANGUAGE = 3, "language"
    DONOR = 4, "donor"
    COLLECTION = 5, "collection"
    PERSON = 6, "person (any role)"
    AUTHOR = 7, "author"
    RECIPIENT = 8, "recipient"
    PARTICIPANT = 9, "participant"
    MENTIONED = 10, "mentioned"
    YEAR = 11, "year"


class DocumentFacet(models.Model):
    """One row per document and facet value (a type's id, a person's id in a role, a year).

    Counting a set of documents' facets is then one grouped read of a narrow index, however
    wide the document rows are. No foreign key, like the search index: deletions reach it
    through signals, and rebuilds sweep what is left."""

    pk = models.CompositePrimaryKey("document_id", "facet", "value")
    document_id = models.BigIntegerField()
    facet = models.PositiveSmallIntegerField(choices=FacetKind.choices)
    value = models.IntegerField()
    published = models.BooleanField()

    class Meta:
        # Filters read the documents with a value from it; counts refresh from it.
        indexes = [models.Index(fields=["facet", "value", "published", "document_id"], name="documentfacet_value")]

    def __str__(self):
        return f"document {self.document_id}: {self.get_facet_display()} {self.value}"


class FacetCount(models.Model):
    """How many documents (published ones, and all) carry each facet value: the unfiltered
    list's facets, read without counting, refreshed with the facet rows on every write."""

    pk = models.CompositePrimaryKey("facet", "value")
    facet = models.PositiveSmallIntegerField(choices=FacetKind.choices)
    value = models.IntegerField()
    published = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["facet", "-published", "value"], name="facetcount_published"),
            models.Index(fields=["facet", "-total", "value"], name="facetcount_total"),
        ]

    def __str__(self):
        return f"{self.get_facet_display()} {self.value}: {self.published} published of {self.total}"
