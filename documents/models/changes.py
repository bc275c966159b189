"""The change log that lets an API client keep a mirror in sync: when a document stopped being
public (unpublished or deleted). Edits and publications need no entry: they set the document's
``modified_at``, which the API's ``updated_since`` reads directly."""

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from ..roles import can_preview


class DocumentChangeQuerySet(models.QuerySet):
    def visible_to_public(self):
        """Tombstones an anonymous reader may see: never one that reveals a draft that was never published."""
        return self.filter(was_public=True)

    def visible_to(self, user):
        """Staff see every tombstone; everyone else those of documents that were once public."""
        return self if can_preview(user) else self.visible_to_public()

    def deleted(self):
        return self.filter(kind=DocumentChange.Kind.DELETED)

    def gone(self, record_id, user):
        """Whether this user may learn that record_id's document was deleted (its address then answers
        410 Gone, not 404): staff always; others only if it was ever public."""
        return self.deleted().visible_to(user).filter(record_id=record_id).exists()


class DocumentChange(models.Model):
    """A tombstone: the document with this record id was unpublished or deleted at this time."""

    class Kind(models.TextChoices):
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"

    record_id = models.PositiveIntegerField("record ID")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    # A deleted draft that was never published must not show in the public feed: its record id
    # was never public. Staff, who see drafts, see its deletion too.
    was_public = models.BooleanField(default=True)
    # The OAI-PMH sets the document was in when it went (documents/oai/sets.py), space-padded, so that
    # a harvest by set sees the deletion: its collections and type are gone with it.
    sets = models.TextField(blank=True, default="", editable=False)

    objects = DocumentChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "record_id"]
        indexes = [
            models.Index(fields=["changed_at", "record_id"], name="documentchange_time"),
            # OAI-PMH looks up a record's latest tombstone.
            models.Index(fields=["record_id", "changed_at"], name="documentchange_record"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["unpublished", "deleted"]), name="documentchange_kind"),
        ]

    def __str__(self):
        return f"{self.record_id} {self.kind} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


def record_unpublished(record_ids):
    """Tombstones for documents that were public and no longer are (QuerySet.unpublish calls this)."""
    from ..oai.sets import specs_by_record

    when = timezone.now()  # stamped again when the transaction commits: stamp_at_commit()
    sets = specs_by_record(record_ids)
    made = DocumentChange.objects.bulk_create(
        [
            DocumentChange(
                record_id=record_id, kind=DocumentChange.Kind.UNPUBLISHED, changed_at=when, sets=sets[record_id]
            )
            for record_id in sets
        ],
        batch_size=500,
    )
    stamp_at_commit(made)


def stamp_at_commit(tombstones):
    """Move these tombstones' time to when their transaction commits. Their time was read when they
    were made; a transaction that read a later time and committed first would otherwise be the
    newer change, and readers between the two commits would see the archive's stamp (stamps.py)
    already past this unpublication: cached pages keyed on that stamp would go on showing the
    unpublished document, and an OAI-PMH or API harvester that asked up to that stamp would never
    see the deletion. Run only once the transaction commits; nothing to do if it rolls back. A record
    published again meanwhile keeps its tombstone's time, so the publication stays the newer event."""
    from .documents import Document

    pks = [tombstone.pk for tombstone in tombstones if tombstone.pk is not None]
    if pks:
        republished = Document.objects.published().values("record_id")
        transaction.on_commit(
            lambda: (
                DocumentChange.objects.filter(pk__in=pks)
                .exclude(record_id__in=republished)
                .update(changed_at=timezone.now())
            ),
            robust=True,
        )


# Signals, not explicit calls: a document is deleted or put back to draft through the admin's
# form and delete action, the import, history's revert and cascades, and each must leave its
# tombstone. QuerySet.unpublish() sends no signal and calls record_unpublished() itself.


@receiver(pre_save, sender="documents.Document", dispatch_uid="documentchange-unpublishing")
def _note_unpublishing(sender, instance, **kwargs):
    # One indexed read, and only when an existing document is saved as a draft.
    instance._unpublishing = (
        instance.pk is not None
        and instance.status != sender.Status.PUBLISHED
        and sender.objects.filter(pk=instance.pk, status=sender.Status.PUBLISHED).exists()
    )


@receiver(post_save, sender="documents.Document", dispatch_uid="documentchange-unpublished-by-save")
def _unpublished_by_save(sender, instance, **kwargs):
    if instance.__dict__.pop("_unpublishing", False):
        record_unpublished([instance.record_id])


@receiver(pre_delete, sender="documents.Document", dispatch_uid="documentchange-deleting")
def _note_sets(sender, instance, **kwargs):
    # Before the cascade removes its collection rows.
    from ..oai.sets import specs_by_record

    instance._oai_sets = specs_by_record([instance.record_id])[instance.record_id]


@receiver(post_delete, sender="documents.Document", dispatch_uid="documentchange-deleted")
def _deleted(sender, instance, **kwargs):
    tombstone = DocumentChange.objects.create(
        record_id=instance.record_id,
        kind=DocumentChange.Kind.DELETED,
        sets=instance.__dict__.pop("_oai_sets", ""),
        # A draft that was never published stays unknown to the public, deleted too.
        was_public=instance.first_published_at is not None,
    )
    stamp_at_commit([tombstone])
