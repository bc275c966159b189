"""The drills there are (DRILLS, by name) and their run: each in turn, on one shared stack started for
the first that needs it, a drill that breaks counted as failed while the others still run."""

import contextlib
import time

from .disk import drill_disk_full
from .faults import (
    drill_backend_killed,
    drill_backend_killed_at_random,
    drill_postgres_frozen,
    drill_postgres_restart,
    drill_redis_stopped,
    drill_slow_clients,
)
from .report import Result, machine_description
from .servers import remove_leftovers
from .sqlite import drill_sqlite_workers
from .stack import Stack

DRILLS = {
    "postgres-restart": ("PostgreSQL restarted under load", drill_postgres_restart),
    "backend-killed": ("A PostgreSQL backend killed in the middle of a multi-table save", drill_backend_killed),
    "backend-killed-random": (
        "PostgreSQL backends killed at random moments of a save, 25 times",
        drill_backend_killed_at_random,
    ),
    "postgres-frozen": ("PostgreSQL frozen (its processes stopped, the machine up) under load", drill_postgres_frozen),
    "disk-full": ("The media disk full during a scan upload", drill_disk_full),
    "redis-stopped": ("Redis stopped under load", drill_redis_stopped),
    "sqlite-workers": ("SQLite with several workers and concurrent curator saves", None),
    "slow-clients": ("Slow clients holding connections, gunicorn alone and behind nginx", drill_slow_clients),
}


def run(names=None, corpus=2000, sqlite_seconds=20.0, report=print):
    """Run the drills named (all by default) and return their results."""
    names = names or list(DRILLS)
    results = []
    remove_leftovers()
    with contextlib.ExitStack() as cleanup:
        stack = None
        for name in names:
            title, drill = DRILLS[name]
            result = Result(name, title)
            report(f"{title}…")
            started = time.monotonic()
            try:
                if name == "sqlite-workers":
                    drill_sqlite_workers(result, seconds=sqlite_seconds)
                else:
                    if stack is None:
                        stack = Stack(corpus, cleanup).start()
                    drill(stack, result)
            except Exception as error:  # a drill that breaks is a failed drill; the others still run
                result.passed = False
                result.step(f"The drill itself failed: {type(error).__name__}: {str(error)[:300]}")
            result.seconds = time.monotonic() - started
            report(f"  {'passed' if result.passed else 'FAILED'} in {result.seconds:.0f} s")
            for line in [*result.steps, *(f"{key}: {value}" for key, value in result.numbers.items())]:
                report(f"  {line}")
            results.append(result)
        machine = machine_description(stack)
    return results, machine
