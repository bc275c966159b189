"""Batch imports as they were committed: who ran each, from which file, what it did, and what
undoing it needs (documents/interchange/: importer.py writes them, undo.py undoes them)."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class ImportBatch(models.Model):
    """One committed import of a file: its counts, and the records it created or changed."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        UNDONE = "undone", "Undone"

    created_at = models.DateTimeField("imported at", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="imported by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=5, choices=[("csv", "CSV"), ("jsonl", "JSON Lines")])
    created_count = models.PositiveIntegerField("documents created", default=0)
    updated_count = models.PositiveIntegerField("documents updated", default=0)
    unchanged_count = models.PositiveIntegerField("documents unchanged", default=0)
    other_count = models.PositiveIntegerField(
        "other records created or updated", default=0, help_text="People, donors, collections and terms."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "imports"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="applied", undone_at__isnull=True)
                | models.Q(status="undone", undone_at__isnull=False),
                name="importbatch_undone_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name

    def get_absolute_url(self):
        return reverse("admin:documents_importbatch_change", args=[self.pk])

    @property
    def summary(self):
        return f"{self.created_count} created, {self.updated_count} updated, {self.unchanged_count} unchanged"


class ImportedRecord(models.Model):
    """What one batch did to one record (a document, person, donor, collection or term): created it,
    or changed some of its fields, whose previous values are kept here so that undo can restore them."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    # The model's name in this app (document, person, donor, ...) and the row's primary key: not a
    # foreign key, because the records outlive neither their batch nor undo, and may be deleted.
    model = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300, help_text="How the record was named when it was imported.")
    action = models.CharField(max_length=10, choices=Action.choices)
    row = models.PositiveIntegerField(null=True, blank=True, help_text="The row of the file, if it had one.")
    before = models.JSONField(
        null=True, blank=True, help_text="For an update: the previous value of each field the import changed."
    )
    after = models.CharField(
        max_length=64, help_text="A fingerprint of the record as the import left it: undo refuses if it has changed."
    )

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "model", "object_id"], name="importedrecord_once_per_batch"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.model} {self.label}"
