from django.core.management.base import BaseCommand

from ... import search
from ...demo import load_demo
from ...search import engine


class Command(BaseCommand):
    help = (
        "Load the demo archive (the seed record and its related documents), building the search index "
        "first if there is none. Safe to run again."
    )

    def handle(self, *args, **options):
        if engine.read_state().get("version") != engine.VERSION:  # a new database: its index too
            total = search.rebuild()
            self.stdout.write(f"Search index built: {total:,} documents ({engine.directory()}).")
        created = load_demo()  # its commit brings the index up to date (search/outbox.py)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo archive loaded: {created} documents created."))
        else:
            self.stdout.write("Demo archive already loaded: nothing changed.")
