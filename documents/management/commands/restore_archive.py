from django.core.management.base import BaseCommand, CommandError

from ...ops.backup.archive import BackupError, verify_archive
from ...ops.backup.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by backup_archive into a freshly migrated, empty database and media "
        "storage (docs/backup.md). Checks every checksum first; the rows load in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive to restore.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace everything in a database that already holds records (and files of the same names).",
        )
        parser.add_argument(
            "--ignore-migrations",
            action="store_true",
            help="Load even if the database's migrations differ from the archive's (experts only).",
        )
        parser.add_argument("--verify-only", action="store_true", help="Check the archive's checksums; change nothing.")

    def handle(self, *args, path, replace, ignore_migrations, verify_only, verbosity, **options):
        def progress(message):
            if verbosity > 1:
                self.stderr.write(message)

        try:
            if verify_only:
                manifest = verify_archive(path)
                self.stdout.write(
                    self.style.SUCCESS(f"{path}: every checksum matches (made {manifest['created_at']}).")
                )
                return
            result = restore_backup(path, replace=replace, ignore_migrations=ignore_migrations, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {sum(result.counts.values()):,} rows and {result.files:,} files from {path}; "
                    f"search index rebuilt for {result.documents_indexed:,} documents."
                )
            )
