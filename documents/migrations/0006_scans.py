"""Scans: a private storage with one folder per scan, named by an unguessable key, and a reading-size image.

The key is added in three steps so that existing rows each get their own."""

import uuid

from django.db import migrations, models

import documents.files.storage


def give_each_scan_a_key(apps, schema_editor):
    Scan = apps.get_model("documents", "Scan")
    for scan in Scan.objects.filter(key__isnull=True).only("pk"):
        scan.key = uuid.uuid4()
        scan.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_roles")]

    operations = [
        migrations.AddField(
            model_name="scan",
            name="key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_scan_a_key, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="scan",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="scan",
            name="image",
            field=models.ImageField(
                help_text="JPEG, PNG, TIFF, WebP or GIF. The file is kept as it is; readers see a copy sized for the screen.",
                max_length=255,
                storage=documents.files.storage.scan_storage,
                upload_to=documents.files.storage.scan_upload_to,
                # The app's image check is left out of this historical field: migrations never validate,
                # and 0018_uploads gives the field its current validators. The storage stays: 0014 reads
                # the files through it.
                verbose_name="scan",
            ),
        ),
        migrations.AlterField(
            model_name="scan",
            name="thumbnail",
            field=models.ImageField(
                blank=True,
                editable=False,
                max_length=255,
                storage=documents.files.storage.scan_storage,
                upload_to=documents.files.storage.scan_upload_to,
            ),
        ),
        migrations.AddField(
            model_name="scan",
            name="reading",
            field=models.ImageField(
                blank=True,
                editable=False,
                max_length=255,
                storage=documents.files.storage.scan_storage,
                upload_to=documents.files.storage.scan_upload_to,
                verbose_name="reading size",
            ),
        ),
        migrations.AlterField(
            model_name="scan",
            name="order",
            field=models.PositiveSmallIntegerField(default=0, help_text="Page order: lower numbers come first."),
        ),
    ]
