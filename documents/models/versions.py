"""Public versions: the numbered states of a document that readers saw, each at its own permanent URL."""

from django.db import models
from django.db.models import Q
from django.urls import reverse


class PublicVersionQuerySet(models.QuerySet):
    def of_record(self, record_id):
        return self.filter(document__record_id=record_id)


class PublicVersion(models.Model):
    """One published state of a document, numbered 1, 2, … per document for good.

    A copy of the reversion versions it was made from (the document's and its parts', as
    serialized), not a link to them: pruning history (``deleterevisions``) must not empty a page
    that someone cited. Kept when its document is deleted (no database constraint, nothing
    cascades), so that a restored document keeps its numbers."""

    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="public_versions",
    )
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(help_text="When this state was saved while published.")
    # [{"model": "documents.document", "object_id": "1", "format": "json", "data": "…"}, …]: the
    # document's reversion version first, then its parts' from the same revision.
    records = models.JSONField()
    # sha256 of what readers see of the state (history/public.py): an equal one is no new version.
    fingerprint = models.CharField(max_length=64)

    objects = PublicVersionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="publicversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="publicversion_number_positive"),
        ]

    def __str__(self):
        return f"version {self.number} of document #{self.document_id}"

    def get_absolute_url(self, record_id=None):
        """record_id: the document's, when known, to save reading the document."""
        record_id = record_id or self.document.record_id
        return reverse("documents:document_version", kwargs={"record_id": record_id, "number": self.number})
