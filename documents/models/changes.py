"""The change log that lets an API client keep a mirror in sync: when a document stopped being
public (unpublished or deleted). Edits and publications need no entry: they set the document's
``modified_at``, which the API's ``updated_since`` reads directly."""

from django.apps import apps
from django.db import models, transaction
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
    # The sets the document was in when it went (set_specs(): its type and collections, as OAI-PMH
    # names them in documents/oai/sets.py), space-padded, so that a harvest by set sees the deletion:
    # its collections and type are gone with it.
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


# The sets a document is in, named as OAI-PMH set specs ("type:<slug>", "collection:<slug>"): the
# change log keeps them on each tombstone, and documents/oai/sets.py reads and filters by them.
TYPE_SET = "type"
COLLECTION_SET = "collection"


def stored(specs):
    """Specs as a tombstone keeps them: space-separated and space-padded, so that a LIKE finds one exactly."""
    return f" {' '.join(specs)} " if specs else ""


def specs_by_record(record_ids):
    """{record id: stored specs} for the documents with these record ids, in two queries."""
    Document = apps.get_model("documents", "Document")
    record_ids = list(record_ids)
    specs = {record_id: [] for record_id in record_ids}
    for record_id, slug in Document.objects.filter(record_id__in=record_ids, doc_type__isnull=False).values_list(
        "record_id", "doc_type__slug"
    ):
        specs[record_id].append(f"{TYPE_SET}:{slug}")
    memberships = Document.collections.through.objects.filter(document__record_id__in=record_ids)
    for record_id, slug in memberships.values_list("document__record_id", "collection__slug").order_by(
        "collection__name"
    ):
        specs[record_id].append(f"{COLLECTION_SET}:{slug}")
    return {record_id: stored(found) for record_id, found in specs.items()}


def record_unpublished(record_ids):
    """Tombstones for documents that were public and no longer are (publishing.unpublish calls this)."""
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
    Document = apps.get_model("documents", "Document")
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


def record_deleted(document):
    """The tombstone of a document about to be deleted (documents/signals.py calls this before the
    cascade removes its collection rows, in the deletion's transaction), with the sets it was in."""
    tombstone = DocumentChange.objects.create(
        record_id=document.record_id,
        kind=DocumentChange.Kind.DELETED,
        sets=specs_by_record([document.record_id])[document.record_id],
        # A draft that was never published stays unknown to the public, deleted too.
        was_public=document.first_published_at is not None,
    )
    stamp_at_commit([tombstone])
