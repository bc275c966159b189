"""Load test: many readers and one curator against a running server over real HTTP (make loadtest).

`python -m loadtest` starts gunicorn on the synthetic corpus (tools/corpus/), or takes
the address of a running server, and drives it in phases. In each phase N reader threads, each with
its own connection (http.client, stdlib), loop over a weighted mix of pages (WEIGHTS) whose URLs
were picked from the database beforehand, so that every one must answer 200: anything else, a
connection error or a timeout is an error, kept with its URL. Beside them one curator thread keeps
editing through the API as a staff program does: it reads a document (for its ETag and summary),
appends a numbered marker to the summary and sends it back with If-Match, and now and then
publishes or unpublishes a draft. After the phases every acknowledged edit is looked for in the
database (a marker missing, a version count short or a status not the last one set is a lost
edit); then the edits are undone through the API, so the corpus stays the one tools/corpus/ made.

The results go into docs/benchmarks.md between `<!-- loadtest:start -->` and `<!-- loadtest:end -->`.
"""

import http.client
import json
import os
import random
import re
import resource
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.db.models import Count

from bench.environment import describe_corpus, machine
from bench.markdown import update_markdown
from bench.timing import ms, percentile
from corpus.spec import COMMON_WORD, RARE_WORD
from corpus.words import CONTENT_WORDS
from documents.models import Document, DocumentPerson, Person

# Share of each kind of request in the readers' mix: reading documents dominates a real archive's
# traffic; browsing, filtering and searching come next; programs read the API.
WEIGHTS = {
    "document": 30,
    "list": 6,
    "filter": 16,
    "search": 16,
    "person": 6,
    "api-list": 6,
    "api-search": 8,
    "api-detail": 12,
}
LABELS = {
    "document": "document page",
    "list": "first page of /documents/",
    "filter": "/documents/ with 1–3 facet filters, pages 1–5",
    "search": "search (common, rare and other words), some with a facet filter",
    "person": "person page (of the 200 people in most documents)",
    "api-list": "API: list and filtered list",
    "api-search": "API: search with facets",
    "api-detail": "API: one document",
}
TIMEOUT = 30.0  # seconds: a response slower than this is an error
MARKER = re.compile(r" \[loadtest [0-9a-f]+ #\d+\]")
FACETS = {"type": "doc_type__slug", "language": "languages__code", "classification": "classification__slug"}


# ---------------------------------------------------------------------------------------------
# The workload: URLs from the database, each of which must answer 200


@dataclass
class Workload:
    urls: dict  # kind → list of paths
    edited: list  # record ids of published documents the curator edits
    drafts: list  # record ids of drafts it publishes and unpublishes

    def kinds(self):
        return [kind for kind in WEIGHTS if self.urls.get(kind)]

    def pick(self, rng):
        kinds = self.kinds()
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        return kind, rng.choice(self.urls[kind])


def build_workload(seed=1, documents=2000, edited=20, drafts=2):
    """Valid URLs for each kind, chosen with a seeded random generator from the published documents."""
    rng = random.Random(seed)
    published = Document.objects.published()
    ids = sorted(published.values_list("record_id", flat=True))
    sample = sorted(rng.sample(ids, min(documents, len(ids))))
    pages = [
        document.get_absolute_url()
        for document in published.filter(record_id__in=sample).only("record_id", "slug").order_by("record_id")
    ]
    values = {name: top(published, lookup, 8) for name, lookup in FACETS.items()}
    values["donor"] = top(published, "donors__slug", 8)
    people = list(
        DocumentPerson.objects.filter(document__status=Document.Status.PUBLISHED)
        .values("person__slug")
        .annotate(n=Count("document", distinct=True))
        .order_by("-n", "person__slug")
        .values_list("person__slug", flat=True)[:200]
    )
    values["person"] = people[:8]
    facet_names = [name for name in values if values[name]]
    words = [COMMON_WORD, RARE_WORD, *rng.sample(sorted(CONTENT_WORDS), 20)]

    def filters(count):
        names = rng.sample(facet_names, min(count, len(facet_names)))
        return {name: rng.choice(values[name]) for name in names}

    urls = {
        "document": pages,
        "list": ["/documents/"],
        "filter": [
            "/documents/?" + urlencode({**filters(rng.randint(1, 3)), **({"page": page} if page > 1 else {})})
            for page in [rng.choice((1, 1, 1, 2, 3, 4, 5)) for _ in range(150)]
        ]
        if facet_names
        else [],
        "search": [
            "/documents/?" + urlencode({"q": word, **(filters(1) if facet_names and rng.random() < 0.4 else {})})
            for word in words
            for _ in range(3)
        ],
        "person": [Person(slug=slug).get_absolute_url() for slug in people],
        "api-list": ["/api/v1/documents/"]
        + ["/api/v1/documents/?" + urlencode(filters(rng.randint(1, 2))) for _ in range(40) if facet_names],
        "api-search": [
            "/api/v1/documents/?" + urlencode({"q": word, "facets": "type,language,person"}) for word in words
        ],
        "api-detail": [f"/api/v1/documents/{record_id}/" for record_id in sample],
    }
    chosen = rng.sample(sample, min(edited, len(sample)))
    draft_ids = list(
        Document.objects.filter(status=Document.Status.DRAFT).order_by("record_id").values_list("record_id", flat=True)
    )
    return Workload(urls=urls, edited=sorted(chosen), drafts=rng.sample(draft_ids, min(drafts, len(draft_ids))))


def top(queryset, lookup, limit):
    return list(
        queryset.exclude(**{f"{lookup}__isnull": True})
        .values(lookup)
        .annotate(n=Count("pk"))
        .order_by("-n", lookup)
        .values_list(lookup, flat=True)[:limit]
    )


# ---------------------------------------------------------------------------------------------
# HTTP


class Connection:
    """One client's connection, reopened when the server closes it (gunicorn's sync workers close
    after every response)."""

    def __init__(self, base_url, timeout=TIMEOUT):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.http = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body, seconds) for a complete response; raises OSError or HTTPException."""
        if self.http is None:
            self.http = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.http.request(method, path, body=body, headers=headers or {})
            response = self.http.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:
            self.close()
        return response.status, response, data, seconds

    def close(self):
        if self.http is not None:
            self.http.close()
            self.http = None


# ---------------------------------------------------------------------------------------------
# The curator


class Curator:
    """Edits through the API with a staff token, one edit after another, and remembers every edit
    the server acknowledged (a 200 to its PATCH) for the lost-edit check."""

    def __init__(self, base_url, token, workload, interval=0.5, draft_every=10):
        self.connection = Connection(base_url)
        self.public = Connection(base_url)  # an anonymous reader, served through the page cache
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.workload, self.interval, self.draft_every = workload, interval, draft_every
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        self.markers = {record_id: [] for record_id in workload.edited}  # acknowledged, in order
        self.statuses = {}  # draft record id → the status last acknowledged
        self.edits = {}  # record id → number of acknowledged saves
        self.versions = dict(
            Document.objects.filter(record_id__in=workload.edited + workload.drafts).values_list("record_id", "version")
        )
        self.originals = {
            record_id: MARKER.sub("", summary)
            for record_id, summary in Document.objects.filter(record_id__in=workload.edited).values_list(
                "record_id", "summary"
            )
        }
        self.latencies, self.errors, self.stale_etags, self.stale_reads, self.public_checks = [], [], 0, 0, 0

    def start_phase(self):
        self.latencies, self.errors, self.stale_etags, self.stale_reads, self.public_checks = [], [], 0, 0, 0

    def loop(self, stop):
        while not stop.is_set():
            self.edit_once()
            stop.wait(self.interval)

    def edit_once(self):
        self.count += 1
        if self.workload.drafts and self.count % self.draft_every == 0:
            record_id = self.workload.drafts[(self.count // self.draft_every) % len(self.workload.drafts)]
            self.save(record_id, lambda data: {"status": "draft" if data["status"] == "published" else "published"})
        elif self.workload.edited:
            record_id = self.workload.edited[self.count % len(self.workload.edited)]
            marker = f" [loadtest {self.run} #{self.count}]"
            self.save(record_id, lambda data: {"summary": data["summary"] + marker}, marker=marker)

    def save(self, record_id, change, marker=None, attempts=3, record=True):
        """Read, change, PATCH with If-Match; on a 412 (someone saved in between) read again and retry."""
        path = f"/api/v1/documents/{record_id}/"
        for _ in range(attempts):
            try:
                status, response, body, _ = self.connection.request("GET", path, headers=self.headers)
                if status != 200:
                    self.errors.append(f"GET {path}: {status}")
                    return
                data = json.loads(body)
                if marker and not all(m in data["summary"] for m in self.markers[record_id]):
                    self.stale_reads += 1  # a read that misses an acknowledged edit
                values = change(data)
                headers = {**self.headers, "If-Match": response.getheader("ETag")}
                status, _, body, seconds = self.connection.request("PATCH", path, json.dumps(values).encode(), headers)
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"{path}: {type(error).__name__}: {error}")
                return
            if status == 412:
                self.stale_etags += 1
                continue
            if status != 200:
                self.errors.append(f"PATCH {path}: {status} {body[:200]!r}")
                return
            if record:
                self.latencies.append(seconds)
                self.edits[record_id] = self.edits.get(record_id, 0) + 1
                if marker:
                    self.markers[record_id].append(marker)
                if "status" in values:
                    self.statuses[record_id] = values["status"]
                self.check_public(record_id, values.get("status", data["status"]) == "published", marker)
            return
        self.errors.append(f"PATCH {path}: still 412 after {attempts} attempts")

    def check_public(self, record_id, published, marker):
        """Right after an acknowledged save, an anonymous reader's document page (which the page
        cache serves) must show it: a 404 once unpublished, the page with the new text once edited.
        A wrong answer is an error."""
        path = f"/documents/{record_id}/"
        try:
            status, response, body, _ = self.public.request("GET", path)
            if status == 301:  # to the address with the slug
                path = urlsplit(response.getheader("Location")).path
                status, response, body, _ = self.public.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(f"anonymous GET {path}: {type(error).__name__}: {error}")
            return
        self.public_checks += 1
        expected = 200 if published else 404
        if status != expected:
            self.errors.append(f"anonymous GET {path}: {status}, expected {expected} after the save")
        elif marker and marker.strip() not in body.decode(errors="replace"):
            self.errors.append(f"anonymous GET {path}: the acknowledged edit{marker} is not on the page")

    def lost_edits(self):
        """Acknowledged edits that the database does not hold: one line each."""
        lost = []
        rows = {
            row["record_id"]: row
            for row in Document.objects.filter(record_id__in=list(self.versions)).values(
                "record_id", "summary", "status", "version"
            )
        }
        for record_id, markers in self.markers.items():
            missing = [m.strip() for m in markers if m not in rows[record_id]["summary"]]
            lost += [f"document {record_id}: {m} missing from the summary" for m in missing]
        for record_id, wanted in self.statuses.items():
            if rows[record_id]["status"] != wanted:
                lost.append(f"document {record_id}: status {rows[record_id]['status']}, last set to {wanted}")
        for record_id, count in self.edits.items():
            saved = rows[record_id]["version"] - self.versions[record_id]
            if saved < count:
                lost.append(f"document {record_id}: {count} edits acknowledged, the version rose by {saved}")
        return lost

    def restore(self):
        """Put the edited documents back as they were (through the API: the index and history follow)."""
        for record_id, original in self.originals.items():
            if self.markers[record_id]:
                self.save(record_id, lambda data, original=original: {"summary": original}, record=False)
        for record_id, status in self.statuses.items():
            if status == "published":
                self.save(record_id, lambda data: {"status": "draft"}, record=False)
        self.connection.close()


# ---------------------------------------------------------------------------------------------
# Phases


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


def wait_until_healthy(base_url, seconds=60, process=None):
    """Poll /healthz until it answers 200; False if it never does (or the server process ended)."""
    connection = Connection(base_url, timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            if connection.request("GET", "/healthz")[0] == 200:
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.25)
    return False


# ---------------------------------------------------------------------------------------------
# Reporting


def phase_line(phase):
    times = phase.all_latencies()
    line = f"{phase.name}: {phase.requests:,} requests in {phase.seconds:.0f} s ({phase.throughput:,.1f}/s), "
    line += f"{len(phase.errors)} errors"
    if times:
        line += f", median {ms(statistics.median(times) * 1000)}, p95 {ms(percentile(times, 0.95) * 1000)}"
    return line + f"; curator {len(phase.edits)} edits, {len(phase.edit_errors)} errors"


def error_sample(phases, limit=10):
    lines = []
    for phase in phases:
        lines += [f"{phase.name}: {kind} {path}: {what}" for kind, path, what in phase.errors[:limit]]
        lines += [f"{phase.name}: curator: {what}" for what in phase.edit_errors[:limit]]
    return lines


def section(phases, lost, server, workload, curator):
    corpus, info = describe_corpus(), machine()
    lines = [
        f"## Load test: gunicorn and PostgreSQL, {corpus['documents']:,} documents",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC with `make loadtest` "
        f"(code in `tools/loadtest/`): {server}, {corpus['version']}, "
        f"{corpus['database']}. Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, "
        f"Python {info['python']}. The load generator (one process, a thread and an HTTP connection per "
        "client) runs on the same machine and competes with the server for its cores. The table gives the "
        "CPU time that gunicorn's processes, PostgreSQL (the whole server, other databases' work included) "
        "and the load generator used, in cores (CPU seconds per second); how busy the machine's CPUs were "
        "with anything; and the 1-minute load average at the end of the phase.",
        "",
        f"Readers request a weighted mix of {sum(len(urls) for urls in workload.urls.values()):,} URLs "
        "picked from the database before the run, every one of which must answer 200 (any other status, "
        f"a connection error or a wait over {TIMEOUT:.0f} s is an error): "
        + "; ".join(f"{LABELS[kind]} {WEIGHTS[kind]}% ({_urls(len(workload.urls[kind]))})" for kind in workload.kinds())
        + f". Meanwhile one curator edits through the API with a staff token, {curator.interval:g} s "
        "between edits: it reads a document for its ETag and appends a numbered marker to its summary "
        f"with If-Match ({len(workload.edited)} published documents in turn), and every "
        f"{curator.draft_every}th edit publishes or unpublishes one of {len(workload.drafts)} drafts. "
        "After the phases every acknowledged edit is looked for in the database (lost edits), then "
        "the edits are undone. Each phase starts right after the previous one (the first after an "
        "unrecorded warm-up) and lasts until the requests in flight at its end have answered (seconds, and "
        "throughput is requests ÷ seconds); latencies are from sending the request to the last byte of the "
        "response, p95 is the nearest-rank 95th percentile.",
        "",
        "| clients | seconds | requests | errors | throughput | median | p95 | max | curator edits | "
        "edit p95 | edit errors | stale ETags | gunicorn CPU | PostgreSQL CPU | generator CPU | machine busy "
        "| load average |",
        "|" + " ---: |" * 17,
    ]
    for phase in phases:
        times = phase.all_latencies() or [0.0]
        edit_p95 = ms(percentile(phase.edits, 0.95) * 1000) if phase.edits else "–"
        lines.append(
            f"| {phase.clients} | {phase.seconds:.0f} | {phase.requests:,} | {len(phase.errors)} "
            f"| {phase.throughput:,.1f}/s | {ms(statistics.median(times) * 1000)} "
            f"| {ms(percentile(times, 0.95) * 1000)} | {ms(max(times) * 1000)} "
            f"| {len(phase.edits)} ({len(phase.edits) / phase.seconds:.2f}/s) | {edit_p95} "
            f"| {len(phase.edit_errors)} | {phase.stale_etags} | {_cores(phase.server_cpu, phase.seconds)} "
            f"| {_cores(phase.database_cpu, phase.seconds)} "
            f"| {_cores(phase.cpu, phase.seconds)} | {'–' if phase.busy is None else f'{phase.busy:.0%}'} "
            f"| {phase.load:.1f} |"
        )
    lines += ["", "Per kind of request (median / p95 / max, and how many):", ""]
    lines.append("| kind | " + " | ".join(f"{phase.clients} clients" for phase in phases) + " |")
    lines.append("| --- |" + " ---: |" * len(phases))
    for kind in workload.kinds():
        cells = []
        for phase in phases:
            times = phase.latencies.get(kind)
            errors = sum(1 for k, _, _ in phase.errors if k == kind)
            cells.append(
                f"{ms(statistics.median(times) * 1000)} / {ms(percentile(times, 0.95) * 1000)} / "
                f"{ms(max(times) * 1000)} (n={len(times):,}{f', {errors} errors' if errors else ''})"
                if times
                else f"– ({errors} errors)"
            )
        lines.append(f"| {LABELS[kind]} | " + " | ".join(cells) + " |")
    errors = sum(len(phase.errors) + len(phase.edit_errors) for phase in phases)
    lines += [
        "",
        f"Result: {errors} errors, {len(lost)} lost edits"
        + (" (zero errors, no lost edit)" if not errors and not lost else "")
        + f"; stale reads (a curator's read without one of its acknowledged edits): "
        f"{sum(p.stale_reads for p in phases)}; anonymous page checks after the curator's saves (a 404 once "
        f"unpublished, the new text once edited, through the page cache): {sum(p.public_checks for p in phases)}, "
        "each wrong answer counted as an error."
        + "".join(f"\n- {line}" for line in (error_sample(phases) + lost)[:20]),
        "",
        "To run it again: `make loadtest` (it creates the database `archive_loadtest` if missing, migrates "
        "it, generates the corpus once, collects the static files, makes the curator's account and token, "
        'starts gunicorn on a free port and stops it at the end). `make loadtest LOADTEST_CLIENTS="4 8" '
        "LOADTEST_SECONDS=10` is a quick run; `LOADTEST_WORKERS`, `LOADTEST_DOCS` and `LOADTEST_WARMUP` "
        "change the rest. It exits non-zero on any error or lost edit.",
    ]
    return "\n".join(lines)


def _urls(count):
    return f"{count:,} URL" + ("" if count == 1 else "s")


def _cores(seconds, elapsed):
    return "–" if seconds is None else f"{seconds / elapsed:.2f} cores"


def write_markdown(path, text):
    update_markdown(path, {"loadtest": text})
