import os
import signal
import tempfile
from io import StringIO

import gunicorn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from bench.environment import describe_corpus
from documents import roles
from documents.ops.servers import Gunicorn

from .connection import wait_until_healthy
from .curator import Curator
from .driver import run_phase
from .report import error_sample, phase_line, section, write_markdown
from .workload import build_workload

CURATOR = "loadtest-curator"
API_ANON_RATE = "1000000/minute"


class Command(BaseCommand):
    help = (
        "Drive gunicorn (started here, or the server at --url) with readers and an editing curator in phases "
        "(tools/loadtest/driver.py); write the results into docs/benchmarks.md; fail on any error or lost edit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, nargs="+", default=[16, 64], help="Readers in each phase.")
        parser.add_argument("--seconds", type=float, default=60.0, help="Length of each phase.")
        parser.add_argument("--warmup", type=float, default=15.0, help="Unrecorded first phase (0: none).")
        parser.add_argument(
            "--workers",
            type=int,
            default=2 * (os.cpu_count() or 1) + 1,
            help="gunicorn workers (default (2 × cores) + 1, gunicorn's advice for its sync workers).",
        )
        parser.add_argument("--url", default="", help="Drive this running server instead of starting gunicorn.")
        parser.add_argument("--edit-interval", type=float, default=0.5, help="Curator's pause between edits.")
        parser.add_argument("--seed", type=int, default=1, help="Seed for the choice of URLs and documents.")
        parser.add_argument("--flush-cache", action="store_true", help="Empty the cache (settings.CACHES) first.")
        parser.add_argument("--output", default="docs/benchmarks.md", help="Markdown file to update ('' for none).")

    def handle(self, *args, clients, seconds, warmup, workers, url, edit_interval, seed, flush_cache, output, **opts):
        # A SIGTERM (a CI timeout, kill) stops the run as Ctrl-C does: edits undone, gunicorn stopped.
        signal.signal(signal.SIGTERM, _interrupt)
        corpus = describe_corpus()
        if not corpus["documents"]:
            raise CommandError("No synthetic corpus in this database: run `python -m corpus` first (tools/README.md).")
        token = curator_token()
        workload = build_workload(seed=seed)
        if flush_cache:
            cache.clear()
        server, server_log = None, ""
        if url:
            description = f"the server at {url}"
        else:
            # Every simulated reader comes from 127.0.0.1: the anonymous API limit, meant per visitor,
            # would refuse most of them. The throttle still runs (and costs what it costs) at this rate.
            log = tempfile.mkstemp(prefix="loadtest-gunicorn-", suffix=".log")[1]
            server = Gunicorn({**os.environ, "API_ANON_RATE": API_ANON_RATE}, workers=workers, log=log)
            url = server.url
            description = (
                f"gunicorn {gunicorn.__version__} with {workers} sync workers on 127.0.0.1, DEBUG off, "
                f"cache {'Redis (emptied first)' if settings.REDIS_URL and flush_cache else cache_name()}, "
                f"anonymous API limit raised to {API_ANON_RATE} (every simulated reader is 127.0.0.1)"
            )
        curator = Curator(url, token, workload, interval=edit_interval)
        phases = []
        try:
            if server is not None:
                try:
                    server.start()
                except RuntimeError as error:
                    raise CommandError(str(error)) from error
            elif not wait_until_healthy(url):
                raise CommandError(f"{url}/healthz did not answer 200.")
            pid = server.process.pid if server else None
            self.stdout.write(f"Driving {description} at {url}.")
            if warmup:
                warm = run_phase(url, workload, clients[0], warmup, curator, "warm-up", seed, pid)
                self.stdout.write(phase_line(warm))
            for number, count in enumerate(clients, start=1):
                phases.append(run_phase(url, workload, count, seconds, curator, f"{count} clients", seed + number, pid))
                self.stdout.write(phase_line(phases[-1]))
            lost = curator.lost_edits()
        finally:
            curator.restore()
            if server is not None:
                server.stop()
                server_log = server.log_text()[-3000:]
                server.log.unlink(missing_ok=True)
        errors = error_sample(phases)
        if output:
            write_markdown(output, section(phases, lost, description, workload, curator))
            self.stdout.write(f"Wrote {output}.")
        if errors or lost:
            raise CommandError(
                f"{sum(len(p.errors) + len(p.edit_errors) for p in phases)} errors, {len(lost)} lost edits:\n  "
                + "\n  ".join((errors + lost)[:30])
                + (f"\ngunicorn's log ends:\n{server_log}" if server_log else "")
            )
        self.stdout.write(self.style.SUCCESS("Zero errors, no lost edit."))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def curator_token():
    """An Editor (may publish) for the editing client, with a fresh API token."""
    call_command("setup_roles", stdout=StringIO())
    user, _ = get_user_model().objects.update_or_create(
        username=CURATOR, defaults={"is_staff": True, "is_active": True, "is_superuser": False}
    )
    user.set_unusable_password()
    user.save()
    user.groups.set([Group.objects.get(name=roles.EDITOR)])
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def cache_name():
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
