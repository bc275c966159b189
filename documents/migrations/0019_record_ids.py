"""Record IDs come from a sequence that starts above every record ID ever issued (documents/models/record_ids.py):
a PostgreSQL SEQUENCE, or on SQLite a one-row counter table."""

from django.db import migrations, models
from django.db.models import Max


def create(apps, schema_editor):
    issued = max(
        apps.get_model("documents", "Document").objects.aggregate(m=Max("record_id"))["m"] or 0,
        apps.get_model("documents", "DocumentChange").objects.aggregate(m=Max("record_id"))["m"] or 0,
    )
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # MINVALUE 0, so that last_value is always the highest ID issued (0: none yet).
            cursor.execute("CREATE SEQUENCE documents_record_id_seq MINVALUE 0")
            cursor.execute("SELECT setval('documents_record_id_seq', %s)", [issued])
        else:
            cursor.execute(
                "CREATE TABLE documents_record_id_counter "
                "(id integer NOT NULL PRIMARY KEY CHECK (id = 1), last integer NOT NULL)"
            )
            cursor.execute("INSERT INTO documents_record_id_counter (id, last) VALUES (1, %s)", [issued])


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP SEQUENCE documents_record_id_seq")
        else:
            cursor.execute("DROP TABLE documents_record_id_counter")


class Migration(migrations.Migration):
    dependencies = [("documents", "0018_uploads")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AlterField(
            model_name="document",
            name="record_id",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "The permanent public number in the document's address. Left empty, the next free number "
                    "is used; a deleted document's number is never used again."
                ),
                unique=True,
                verbose_name="record ID",
            ),
        ),
    ]
