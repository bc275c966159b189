import os

from django.core.management.base import BaseCommand, CommandError

from ...interchange.exporter import FORMATS, write_export


class Command(BaseCommand):
    help = (
        "Export the whole archive in the import format (docs/import-format.md), to standard output or "
        "a file. The same archive always gives the same bytes; progress goes to standard error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--output", help="A file to write (replaced if it exists). Default: standard output.")

    def handle(self, *args, format, output, verbosity, **options):
        def progress(done, total):
            if verbosity > 0:
                self.stderr.write(f"{done:,}/{total:,} documents exported")

        if output:
            # Written beside the file and renamed at the end: a failed export leaves no half file.
            partial = f"{output}.part"
            try:
                with open(partial, "w", encoding="utf-8", newline="") as out:
                    rows = write_export(format, out.write, progress=progress)
                os.replace(partial, output)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
        else:
            rows = write_export(format, lambda text: self.stdout.write(text, ending=""), progress=progress)
        if verbosity > 0:
            self.stderr.write(f"Exported {rows:,} rows" + (f" to {output}." if output else "."))
