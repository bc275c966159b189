from django.core.management.base import BaseCommand, CommandError

from documents import search

from .generator import Generator
from .spec import CorpusError, corpus_state


class Command(BaseCommand):
    help = (
        "Make a deterministic synthetic archive for benchmarks (see tools/corpus/generator.py): N published "
        "documents with record ids from 1,000,001, plus 1% drafts. Same N and seed, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, required=True, help="How many published documents.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=2000, help="Documents per insert batch.")
        parser.add_argument(
            "--workers", type=int, default=None, help="Loading processes on PostgreSQL (default: one per core)."
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing if the database already holds this corpus; fail if it holds another.",
        )

    def handle(self, *args, documents, seed, batch_size, workers, if_missing, **options):
        state = corpus_state(documents, seed)
        if state == "unindexed":
            self.stdout.write("The corpus is there but its search index is not: rebuilding it.")
            total = search.rebuild()
            self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {total:,} documents."))
            state = "complete"
        if state == "complete":
            if if_missing:
                self.stdout.write(f"The corpus of {documents:,} documents (seed {seed}) is already there.")
                return
            raise CommandError("This database already holds this corpus.")
        if state != "absent":
            raise CommandError(f"This database cannot take the corpus: {state}. Generate into a fresh database.")
        generator = Generator(documents, seed, batch_size=batch_size, workers=workers, stream=None)
        try:
            timings = generator.run()
        except CorpusError as error:
            raise CommandError(str(error)) from None
        phases = ", ".join(f"{name} {seconds:.0f}s" for name, seconds in timings.items() if name != "total")
        self.stdout.write(
            self.style.SUCCESS(
                f"Corpus of {documents:,} documents (seed {seed}) made in {timings['total']:.0f}s ({phases})."
            )
        )
