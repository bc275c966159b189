from django.db import migrations

# The list sorts by date descending with undated documents last. SQLite's descending indexes
# already put nulls last (and it cannot declare NULLS LAST in an index); PostgreSQL's put them
# first, so without this index it sorts every published document for the first page.
CREATE = (
    'CREATE INDEX IF NOT EXISTS "document_list_order" ON "documents_document" '
    '("status", "date" DESC NULLS LAST, "date_end" DESC NULLS LAST, "record_id")'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "document_list_order"')


class Migration(migrations.Migration):
    dependencies = [("documents", "0010_import_batches")]

    operations = [migrations.RunPython(create, drop)]
