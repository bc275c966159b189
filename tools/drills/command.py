from django.core.management.base import BaseCommand, CommandError

from . import faults as fault_drills


class Command(BaseCommand):
    help = (
        "Run the fault drills against real servers of their own (tools/drills/faults.py) and write the results "
        "into docs/reliability.md. The disk-full drill mounts a tmpfs, which needs root."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "names", nargs="*", metavar="drill", help=f"Which drills: {', '.join(fault_drills.DRILLS)}."
        )
        parser.add_argument("--corpus", type=int, default=2000, help="Synthetic documents besides the demo archive.")
        parser.add_argument("--sqlite-seconds", type=float, default=20.0, help="How long the SQLite curators save.")
        parser.add_argument("--output", default=str(fault_drills.DOCS), help="Markdown file to update ('' for none).")

    def handle(self, *args, names, corpus, sqlite_seconds, output, **options):
        unknown = set(names) - set(fault_drills.DRILLS)
        if unknown:
            raise CommandError(
                f"No such drill: {', '.join(sorted(unknown))}. There are {', '.join(fault_drills.DRILLS)}."
            )
        results, machine = fault_drills.run(names, corpus, sqlite_seconds, report=self.stdout.write)
        if output:
            fault_drills.write_docs(results, machine, output)
            self.stdout.write(f"Wrote {output}.")
        failed = [result.title for result in results if not result.passed]
        if failed:
            raise CommandError("Failed: " + "; ".join(failed))
