"""The sizes of each scan's thumbnail and reading-size image, which the IIIF image service offers
(docs/iiif.md), filled for existing scans from their files; also the original's size where it is missing."""

from django.core.files.images import get_image_dimensions
from django.db import migrations, models

# (size fields, the file they are read from)
SIZES = [
    (("thumbnail_width", "thumbnail_height"), "thumbnail"),
    (("reading_width", "reading_height"), "reading"),
    (("width", "height"), "image"),
]


def read_sizes(apps, schema_editor):
    Scan = apps.get_model("documents", "Scan")
    for scan in Scan.objects.using(schema_editor.connection.alias).iterator(chunk_size=500):
        changed = []
        for fields, file_field in SIZES:
            file = getattr(scan, file_field)
            if not file or all(getattr(scan, name) for name in fields):
                continue
            try:
                with file.storage.open(file.name) as stored:
                    size = get_image_dimensions(stored)
            except OSError:  # a missing file: the scan stays out of IIIF until it is uploaded again
                continue
            if size[0] and size[1]:
                for name, value in zip(fields, size, strict=True):
                    setattr(scan, name, value)
                changed += fields
        if changed:
            scan.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("documents", "0013_api_changes")]

    operations = [
        migrations.AddField(
            model_name="scan",
            name="thumbnail_width",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scan",
            name="thumbnail_height",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scan",
            name="reading_width",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="scan",
            name="reading_height",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(read_sizes, migrations.RunPython.noop, elidable=True),
    ]
