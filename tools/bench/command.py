from django.core.management.base import BaseCommand, CommandError

from .report import text_table, write_markdown
from .timing import Bench


class Command(BaseCommand):
    help = (
        "Time the public pages on this database's synthetic corpus (see tools/bench/timing.py), print a "
        "table and write this database's section of docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Timed runs per page (at most).")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed runs per page first.")
        parser.add_argument(
            "--budget", type=float, default=60.0, help="Seconds per page after which timing stops (after 5 runs)."
        )
        parser.add_argument("--output", default="docs/benchmarks.md", help="Markdown file to update ('' for none).")

    def handle(self, *args, repeat, warmup, budget, output, **options):
        bench = Bench(repeat=repeat, warmup=warmup, budget=budget, stream=self.stdout)
        try:
            corpus, values, results, raw = bench.run()
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("")
        self.stdout.write(text_table(corpus, results, raw))
        if output:
            write_markdown(output, corpus, values, results, raw, bench)
            self.stdout.write(f"Wrote {output}.")
