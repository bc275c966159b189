"""The Curator and Editor groups, with the permissions documents/roles.py gives them."""

from django.db import migrations

from ..roles import sync_groups_in_migration


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_list_and_facet_indexes")]

    # Reversing keeps the groups and their members: migrating forward again brings them back in step.
    operations = [migrations.RunPython(sync_groups_in_migration, migrations.RunPython.noop)]
