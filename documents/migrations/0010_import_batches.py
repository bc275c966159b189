import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0009_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="imported at")),
                ("file_name", models.CharField(max_length=255)),
                ("file_format", models.CharField(choices=[("csv", "CSV"), ("jsonl", "JSON Lines")], max_length=5)),
                ("created_count", models.PositiveIntegerField(default=0, verbose_name="documents created")),
                ("updated_count", models.PositiveIntegerField(default=0, verbose_name="documents updated")),
                ("unchanged_count", models.PositiveIntegerField(default=0, verbose_name="documents unchanged")),
                (
                    "other_count",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="People, donors, collections and terms.",
                        verbose_name="other records created or updated",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("applied", "Applied"), ("undone", "Undone")], default="applied", max_length=10
                    ),
                ),
                ("undone_at", models.DateTimeField(blank=True, null=True)),
                (
                    "undone_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="imported by",
                    ),
                ),
            ],
            options={
                "verbose_name": "import",
                "verbose_name_plural": "imports",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "applied"), ("undone_at__isnull", True)),
                            models.Q(("status", "undone"), ("undone_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="importbatch_undone_has_date",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ImportedRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("model", models.CharField(max_length=40)),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "label",
                    models.CharField(help_text="How the record was named when it was imported.", max_length=300),
                ),
                ("action", models.CharField(choices=[("created", "Created"), ("updated", "Updated")], max_length=10)),
                (
                    "row",
                    models.PositiveIntegerField(blank=True, help_text="The row of the file, if it had one.", null=True),
                ),
                (
                    "before",
                    models.JSONField(
                        blank=True,
                        help_text="For an update: the previous value of each field the import changed.",
                        null=True,
                    ),
                ),
                (
                    "after",
                    models.CharField(
                        help_text="A fingerprint of the record as the import left it: undo refuses if it has changed.",
                        max_length=64,
                    ),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="records", to="documents.importbatch"
                    ),
                ),
            ],
            options={
                "ordering": ["batch", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("batch", "model", "object_id"), name="importedrecord_once_per_batch"
                    )
                ],
            },
        ),
    ]
