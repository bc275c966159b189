from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...interchange.importer import import_file

NEW_RECORDS_SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import documents (and the people, donors, collections and terms they name) from a CSV or "
        "JSON Lines file in the format of docs/import-format.md. All rows or none are imported; "
        "--dry-run reports what would happen and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .jsonl file.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; change nothing.")
        parser.add_argument(
            "--user",
            help="Import as this user: their permissions are checked (a curator cannot publish) and the "
            "import is recorded as theirs. Without it, the import runs as the system, unchecked.",
        )
        parser.add_argument("--format", choices=["csv", "jsonl"], help="Default: from the file name or content.")

    def handle(self, *args, file, dry_run, user, format, verbosity, **options):
        if user is not None:
            try:
                user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user is called “{user}”.") from None

        def progress(done, total):
            if verbosity > 0:
                self.stderr.write(f"{done:,}/{total:,} rows read")

        try:
            report = import_file(file, fmt=format, user=user, dry_run=dry_run, progress=progress)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        for message in report.file_errors:
            self.stdout.write(self.style.ERROR(message))
        for result in report.sorted_rows():
            if result.status == "error":
                for column, reason in result.errors:
                    where = f"row {result.row}" + (f", {column}" if column else "")
                    self.stdout.write(self.style.ERROR(f"{where}: {reason}"))
            elif verbosity > 1:
                changed = f" ({', '.join(result.changed)})" if result.changed else ""
                self.stdout.write(f"row {result.row}: {result.status} {result.kind} {result.label}{changed}")
        if report.rows_left_out and verbosity > 1:
            self.stdout.write(f"… and {report.rows_left_out:,} more rows.")
        shown = report.new_records if verbosity > 1 else report.new_records[:NEW_RECORDS_SHOWN]
        for kind, name, row in shown:
            self.stdout.write(f"new {kind}: {name} (first named on row {row})")
        if len(shown) < len(report.new_records):
            self.stdout.write(f"… and {len(report.new_records) - len(shown):,} more new records (-v 2 lists them).")
        matched = report.matched_people if verbosity > 1 else report.matched_people[:NEW_RECORDS_SHOWN]
        for name, person, how, row in matched:
            self.stdout.write(f"person: {name} → {person} (by {how}; first on row {row})")
        if len(matched) < len(report.matched_people):
            more = len(report.matched_people) - len(matched)
            self.stdout.write(f"… and {more:,} more people matched (-v 2 lists them).")
        if report.other_summary:
            self.stdout.write(f"Other records: {report.other_summary}.")
        if report.has_errors:
            self.stdout.write(self.style.ERROR("Nothing was imported: correct the errors and run it again."))
        elif dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported as batch {report.batch.pk}; an editor can undo it in the admin.")
            )
        self.stdout.write(report.summary)
        if report.has_errors:
            raise CommandError(report.summary, returncode=1)
