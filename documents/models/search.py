"""The search index's outbox: what the index has yet to learn (documents/search/outbox.py)."""

from django.db import models


class SearchOutbox(models.Model):
    """A document whose entry in the search index must be made again from the database.

    Written in the same transaction as the change itself, so that a change the database keeps is
    never lost to the index, whatever fails after the commit. Rows are kept for a while after they
    are applied: every app host applies them to its own index, each remembering how far it got."""

    id = models.BigAutoField(primary_key=True)
    document_id = models.BigIntegerField()  # no foreign key: a deleted document's row must stay
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "search index change"

    def __str__(self):
        return f"document {self.document_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
