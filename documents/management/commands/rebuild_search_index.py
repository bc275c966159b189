from django.core.management.base import BaseCommand

from documents.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the documents, in batches; the site keeps answering."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, **options):
        def progress(done, total):
            if options["verbosity"] > 1 or done == total:
                self.stdout.write(f"\r{done:,}/{total:,} documents indexed", ending="")
                self.stdout.flush()

        total = rebuild_index(batch_size=batch_size, progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {total:,} documents."))
