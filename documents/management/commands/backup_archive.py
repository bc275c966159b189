from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...ops.backup.archive import BackupError
from ...ops.backup.create import create_backup


class Command(BaseCommand):
    help = (
        "Back up the whole archive (every record, its history and users, and every scan and file) into "
        "one zip file with a checksummed manifest (docs/backup.md). restore_archive brings it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="The archive to write (must not exist). Default: backups/archive-<time>.zip."
        )

    def handle(self, *args, path, verbosity, **options):
        path = path or f"backups/archive-{timezone.now():%Y%m%dT%H%M%SZ}.zip"

        def progress(message):
            if verbosity > 1:
                self.stderr.write(message)

        try:
            manifest = create_backup(path, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(described["count"] for described in manifest["models"])
        media = manifest["media"]
        if media["missing"]:
            self.stderr.write(
                self.style.WARNING(f"{media['missing']:,} files named by records were missing: see media.jsonl.")
            )
        if verbosity > 0:
            self.stdout.write(self.style.SUCCESS(f"Backed up {rows:,} rows and {media['files']:,} files to {path}."))
