"""The Curator and Editor groups, with the permissions they had when this migration was written.

Frozen here, not read from documents/roles.py: a migration must do the same thing whenever it runs.
``manage.py setup_roles`` brings the groups in step with the roles as they are now."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APP_LABEL = "documents"
DESCRIBED = ["document", "documentperson", "relation", "scan", "person", "personalias", "donor", "collection"]
PARTS = ["documentperson", "relation", "scan", "personalias", "document"]
VOCABULARIES = ["documenttype", "classification", "language", "subject", "place", "archive", "relationtype"]


def codenames(actions, models):
    return {f"{action}_{model}" for action in actions for model in models}


CURATOR = (
    codenames(["add", "change", "view"], DESCRIBED)
    | codenames(["delete"], PARTS)
    | codenames(["add", "change", "view"], VOCABULARIES)
    | codenames(["view"], ["oldslug"])
)
EDITOR = CURATOR | {"publish_document"} | codenames(["delete"], DESCRIBED) | codenames(["delete"], VOCABULARIES)
ROLES = {"Curator": CURATOR, "Editor": EDITOR}


def create_groups(apps, schema_editor):
    """Create the app's permissions (normally made after ``migrate``, by post_migrate: a fresh
    database has none yet here), then give each group exactly its own."""
    using = schema_editor.connection.alias
    app_config = apps.get_app_config(APP_LABEL)
    # The migration state's app configs have no models module; create_permissions skips such apps.
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    finally:
        app_config.models_module = None
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        permissions = Permission.objects.using(using).filter(content_type__app_label=APP_LABEL, codename__in=wanted)
        group.permissions.set(list(permissions))


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_list_and_facet_indexes")]

    # Reversing keeps the groups and their members: migrating forward again brings them back in step.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
