"""The API's change log (tombstones for unpublished and deleted documents), an index for its
``updated_since`` reads, and the cache table that the API's throttle shares between processes."""

import django.utils.timezone
from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):
    # Does nothing unless a cache uses the database backend (with REDIS_URL, none does). An operator
    # who moves from Redis to the database cache later runs `manage.py createcachetable` once.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    for cache in settings.CACHES.values():
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [("documents", "0012_people_merge")]

    operations = [
        migrations.CreateModel(
            name="DocumentChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("record_id", models.PositiveIntegerField(verbose_name="record ID")),
                (
                    "kind",
                    models.CharField(choices=[("unpublished", "Unpublished"), ("deleted", "Deleted")], max_length=12),
                ),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("was_public", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["changed_at", "record_id"],
                "indexes": [models.Index(fields=["changed_at", "record_id"], name="documentchange_time")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["unpublished", "deleted"])), name="documentchange_kind"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["status", "modified_at"], name="document_status_modified"),
        ),
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=True),
    ]
