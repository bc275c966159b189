import csv
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...interchange.exporter import write_export
from ...interchange.format import COLUMN_NAMES
from ...interchange.importer import import_file
from ...interchange.undo import undo_batch
from ...models import Document

FIRST_RECORD_ID = 5_000_001
WORDS = [
    "delegation",
    "comrade",
    "government",
    "question",
    "treaty",
    "committee",
    "army",
    "party",
    "meeting",
    "soviet",
    "chinese",
    "agreement",
    "situation",
    "policy",
    "economic",
    "military",
    "cable",
    "report",
    "minister",
    "conversation",
    "proposal",
    "answer",
]


def write_file(path, rows, seed):
    """A deterministic CSV of rows documents, each with people, terms, a relation and a text of ~2,000 characters."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        header = [
            "record_id",
            "title",
            "date",
            "type",
            "languages",
            "summary",
            "text",
            "authors",
            "recipients",
            "subjects",
            "related",
        ]
        assert set(header) <= set(COLUMN_NAMES)
        writer.writerow(header)
        for n in range(rows):
            record_id = FIRST_RECORD_ID + n
            text = " ".join(rng.choice(WORDS) for _ in range(280))
            writer.writerow(
                [
                    record_id,
                    f"Cable {n} on the {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    f"{rng.randint(1945, 1991)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    rng.choice(["Cable", "Letter", "Report", "Memorandum of Conversation"]),
                    "\n".join(rng.sample(["ru", "zh", "en", "de"], rng.randint(1, 2))),
                    " ".join(rng.choice(WORDS) for _ in range(30)),
                    text,
                    f"Bench Author {rng.randint(1, 500)}",
                    f"Bench Recipient {rng.randint(1, 500)}",
                    f"Bench Subject {rng.randint(1, 50)}",
                    f"related:{record_id - 1}" if n else "",
                ]
            )


class Command(BaseCommand):
    help = (
        "Time a batch import of N synthetic documents (dry run, commit, a second import that changes nothing), "
        "an export, and undo, which leaves the database as it was. Record IDs from 5,000,001 must be free. "
        "Use a scratch database: DATABASE_URL=sqlite:////tmp/bench-import.sqlite3 (after migrate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--memory", action="store_true", help="Also measure peak Python memory of dry runs of N/10 and N rows."
        )

    def handle(self, *args, rows, seed, memory, **options):
        if Document.objects.filter(record_id__gte=FIRST_RECORD_ID).exists():
            raise CommandError(f"Record IDs from {FIRST_RECORD_ID:,} are taken: use a scratch database.")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.csv"
            write_file(path, rows, seed)
            size = path.stat().st_size
            self.stdout.write(f"{rows:,} rows, {size / 1e6:.1f} MB CSV")
            timings = {}

            def timed(name, call):
                start = time.perf_counter()
                result = call()
                timings[name] = time.perf_counter() - start
                self.stdout.write(f"{name}: {timings[name]:.1f} s")
                return result

            report = timed("dry run", lambda: import_file(path, dry_run=True))
            assert report.summary == f"{rows} created, 0 updated, 0 unchanged, 0 errors", report.summary
            report = timed("import", lambda: import_file(path, dry_run=False))
            assert report.committed, report.errors[:5]
            again = timed("second import (all unchanged)", lambda: import_file(path, dry_run=False))
            assert again.summary == f"0 created, 0 updated, {rows} unchanged, 0 errors", again.summary
            export_path = Path(folder) / "export.jsonl"
            with open(export_path, "w", encoding="utf-8") as out:
                timed("export (whole archive, JSON Lines)", lambda: write_export("jsonl", out.write))
            timed("undo", lambda: undo_batch(report.batch))
            if memory:
                small = Path(folder) / "small.csv"
                write_file(small, max(1, rows // 10), seed)
                for name, file in ((f"{max(1, rows // 10):,} rows", small), (f"{rows:,} rows", path)):
                    tracemalloc.start()
                    import_file(file, dry_run=True)
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                    self.stdout.write(f"peak Python memory, dry run of {name}: {peak / 1e6:.1f} MB")
        verdict = "met" if timings["import"] < 60 else "missed"
        self.stdout.write(self.style.SUCCESS(f"Target (10,000 rows under a minute on SQLite): {verdict}."))
