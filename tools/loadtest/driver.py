"""Load test: many readers and one curator against a running server over real HTTP (make loadtest).

`python -m loadtest` starts gunicorn on the synthetic corpus (tools/corpus/), or takes
the address of a running server, and drives it in phases. In each phase N reader threads, each with
its own connection (http.client, stdlib), loop over a weighted mix of pages (workload.py) whose URLs
were picked from the database beforehand, so that every one must answer 200: anything else, a
connection error or a timeout is an error, kept with its URL. Beside them one curator thread keeps
editing through the API as a staff program does (curator.py): it reads a document (for its ETag and summary),
appends a numbered marker to the summary and sends it back with If-Match, and now and then
publishes or unpublishes a draft. After the phases every acknowledged edit is looked for in the
database (a marker missing, a version count short or a status not the last one set is a lost
edit); then the edits are undone through the API, so the corpus stays the one tools/corpus/ made.

This module runs the phases and measures them (latencies, errors, the CPU time of the server, the
database and the generator); the results go into docs/benchmarks.md between `<!-- loadtest:start -->`
and `<!-- loadtest:end -->` (report.py).
"""

import http.client
import os
import random
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .connection import TIMEOUT, Connection


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float = 0.0
    latencies: dict = field(default_factory=dict)  # kind → seconds of each 200
    errors: list = field(default_factory=list)  # (kind, path, what)
    edits: list = field(default_factory=list)  # seconds of each acknowledged PATCH
    edit_errors: list = field(default_factory=list)
    stale_etags: int = 0
    stale_reads: int = 0
    public_checks: int = 0
    cpu: float = 0.0  # the load generator's CPU seconds
    server_cpu: float | None = None  # gunicorn's (master and workers) CPU seconds, when it runs here
    database_cpu: float | None = None  # every PostgreSQL server's on this machine (other databases too)
    busy: float | None = None  # share of the machine's CPU time that was busy (anything, not only us)
    load: float = 0.0  # the machine's 1-minute load average at the end

    @property
    def requests(self):
        return sum(len(times) for times in self.latencies.values()) + len(self.errors)

    @property
    def throughput(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def all_latencies(self):
        return [t for times in self.latencies.values() for t in times]


def run_phase(base_url, workload, clients, seconds, curator=None, name=None, seed=0, server_pid=None, min_edits=0):
    """N reader threads (and the curator, if given) for `seconds`, and longer (up to TIMEOUT more) until
    the curator has made min_edits saves; returns the Phase with their counts. With the server's process
    id, also the CPU time its processes used."""
    phase = Phase(name or f"{clients} clients", clients)
    stop = threading.Event()
    results = [({}, []) for _ in range(clients)]

    def reader(number):
        rng = random.Random(seed * 1000 + number)
        connection = Connection(base_url)
        latencies, errors = results[number]
        while not stop.is_set():
            kind, path = workload.pick(rng)
            try:
                status, _, _, elapsed = connection.request("GET", path)
            except (OSError, http.client.HTTPException) as error:
                errors.append((kind, path, f"{type(error).__name__}: {error}"))
                continue
            if status == 200:
                latencies.setdefault(kind, []).append(elapsed)
            else:
                errors.append((kind, path, f"status {status}"))
        connection.close()

    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(clients)]
    if curator:
        curator.start_phase()
        threads.append(threading.Thread(target=curator.loop, args=(stop,), daemon=True))
    servers, databases = [server_pid] if server_pid else [], postgres_pids()
    cpu_before, server_before, database_before = _cpu(), tree_cpu(servers), tree_cpu(databases)
    machine_before = machine_cpu()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        stop.wait(seconds)
        deadline = time.perf_counter() + TIMEOUT
        while curator and len(curator.latencies) < min_edits and time.perf_counter() < deadline:
            time.sleep(0.05)  # a loaded machine saves more slowly: the phase waits for its edits
    finally:
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT + 5)
    phase.seconds = time.perf_counter() - started
    phase.cpu = _cpu() - cpu_before
    if server_pid is not None:
        phase.server_cpu = tree_cpu(servers) - server_before
    if databases:
        phase.database_cpu = tree_cpu(databases) - database_before
    machine_after = machine_cpu()
    if machine_before and machine_after and machine_after[1] > machine_before[1]:
        phase.busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
    phase.load = os.getloadavg()[0]
    for latencies, errors in results:
        for kind, times in latencies.items():
            phase.latencies.setdefault(kind, []).extend(times)
        phase.errors += errors
    if curator:
        phase.edits, phase.edit_errors = curator.latencies, curator.errors
        phase.stale_etags, phase.stale_reads = curator.stale_etags, curator.stale_reads
        phase.public_checks = curator.public_checks
    return phase


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(pids):
    """CPU seconds that processes and their children used, from /proc: their own time and that of the
    children they have reaped (gunicorn's replaced workers, PostgreSQL's ended backends and parallel
    workers), plus that of the children still running."""
    ticks = 0
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for process in [str(pid), *children]:
            try:
                fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile: its time is now its parent's
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids():
    """The process ids of the PostgreSQL servers running on this machine (their postmasters)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        found[stat.parent.name] = (name, rest.split()[1])  # command, parent pid
    return [
        pid for pid, (name, parent) in found.items() if name == "postgres" and found.get(parent, ("",))[0] != "postgres"
    ]


def machine_cpu():
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat; None elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)
