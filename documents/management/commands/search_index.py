import sys

from django.core.management.base import BaseCommand, CommandError

from ... import search
from ...search import engine, outbox


class Command(BaseCommand):
    help = (
        "The search index (docs/search.md): rebuild it from the database; sync it with the outbox (building "
        "it if there is none); check it against the database; show where it stands (status); or prune "
        "the outbox rows applied long ago."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "sync", "check", "status", "prune"])

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(options["verbosity"])

    def do_rebuild(self, verbosity):
        def progress(done, total):
            if (verbosity and sys.stdout.isatty()) or done == total:
                width = 30
                filled = width * done // max(total, 1)
                self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} documents", ending="")
                self.stdout.flush()

        total = search.rebuild(progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {total:,} documents ({engine.directory()})."))

    def do_sync(self, verbosity):
        if engine.read_state().get("version") != engine.VERSION:
            self.stdout.write("No search index of this version here: building it.")
            return self.do_rebuild(verbosity)
        try:
            with engine.exclusive():
                done = outbox.apply_pending()
        except (engine.WriterBusy, engine.SearchUnavailable) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{done:,} documents brought up to date.")

    def do_check(self, verbosity):
        try:
            found = search.check()
        except engine.SearchUnavailable as error:
            raise CommandError(str(error)) from None
        for label, ids in (
            ("in the database, not in the index", found.missing),
            ("in the index, not in the database", found.extra),
            ("different in the index", found.stale),
        ):
            if ids:
                shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                self.stdout.write(f"{len(ids):,} documents {label}: {shown}")
        if found:
            raise CommandError(
                "The search index differs from the database: run `manage.py search_index sync` (or `rebuild`)."
            )
        self.stdout.write(self.style.SUCCESS("The search index matches the database."))

    def do_status(self, verbosity):
        state = engine.read_state()
        newest = outbox.SearchOutbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.stdout.write(f"index: {engine.directory()}")
        if state.get("version") != engine.VERSION:
            raise CommandError("No search index of this version here: run `manage.py search_index rebuild`.")
        self.stdout.write(f"documents: {engine.searcher().num_docs:,}")
        self.stdout.write(f"outbox: applied up to {state['applied']:,}; newest {newest:,}")

    def do_prune(self, verbosity):
        self.stdout.write(f"{outbox.prune():,} applied outbox rows older than {outbox.RETENTION.days} days removed.")
