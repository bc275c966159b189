from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from ... import roles


class Command(BaseCommand):
    help = "Bring the Curator and Editor groups in step with documents/roles.py: add what is missing, remove the rest."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        create_permissions(apps.get_app_config(roles.APP_LABEL), verbosity=0, using=database)
        with transaction.atomic(using=database):
            changes, missing = roles.sync_groups(Group, Permission, using=database)
            if missing:
                raise CommandError(f"Permissions not in the database (run migrate first): {', '.join(missing)}")
        for change in changes:
            self.stdout.write(change)
        if changes:
            self.stdout.write(self.style.SUCCESS(f"Roles updated: {len(changes)} change(s)."))
        else:
            self.stdout.write(self.style.SUCCESS("Roles are up to date: nothing changed."))
