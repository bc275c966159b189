from django.core.management.base import BaseCommand, CommandError

from . import report, runner


class Command(BaseCommand):
    help = (
        "Run the fault drills against real servers of their own (tools/drills/faults.py) and write the results "
        "into docs/reliability.md. The disk-full drill mounts a tmpfs, which needs root."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="drill", help=f"Which drills: {', '.join(runner.DRILLS)}.")
        parser.add_argument("--corpus", type=int, default=2000, help="Synthetic documents besides the demo archive.")
        parser.add_argument("--sqlite-seconds", type=float, default=20.0, help="How long the SQLite curators save.")
        parser.add_argument("--output", default=str(report.DOCS), help="Markdown file to update ('' for none).")

    def handle(self, *args, names, corpus, sqlite_seconds, output, **options):
        unknown = set(names) - set(runner.DRILLS)
        if unknown:
            raise CommandError(f"No such drill: {', '.join(sorted(unknown))}. There are {', '.join(runner.DRILLS)}.")
        results, machine = runner.run(names, corpus, sqlite_seconds, report=self.stdout.write)
        if output:
            report.write_docs(results, machine, output)
            self.stdout.write(f"Wrote {output}.")
        failed = [result.title for result in results if not result.passed]
        if failed:
            raise CommandError("Failed: " + "; ".join(failed))
