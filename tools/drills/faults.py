"""Fault drills (issue 7): each fault done for real to real servers, measured, and the results written
into docs/reliability.md between its markers. ``make drills`` (``python -m drills``) runs them.

The app is gunicorn (3 workers, debug off) on a PostgreSQL cluster and a Redis server of the drills'
own (tools/drills/servers.py), so stopping them disturbs nothing else on the machine; the SQLite
drill has a file of its own. Everything started is stopped and every temporary folder removed, on
success and on failure."""

import contextlib
import io
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.markdown import update_markdown
from documents.ops.servers import ROOT, TEMP_PREFIX, Client, Gunicorn, Nginx

from .servers import (
    CURATOR_PASSWORD,
    PrivatePostgres,
    PrivateRedis,
    SlowClients,
    collect_static,
    prepare_database,
    remove_leftovers,
    server_env,
)

DOCS = ROOT / "docs" / "reliability.md"
SEED_RECORD = 121773
SEED_PAGE = f"/documents/{SEED_RECORD}/cable-joseph-stalin-to-anastas-mikoyan/"
# The demo archive's people, whom the curators' saves name as authors and recipients.
PEOPLE = ["mao-zedong", "anastas-mikoyan", "joseph-stalin", "anna-louise-strong"]
READER_PATHS = [
    "/",
    "/documents/",
    "/documents/?q=cable",
    SEED_PAGE,
    "/api/v1/documents/",
    f"/api/v1/documents/{SEED_RECORD}/",
]


@dataclass
class Result:
    name: str
    title: str
    passed: bool = False
    steps: list = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    seconds: float = 0.0

    def step(self, text):
        self.steps.append(text)


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))] if values else 0.0


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


# -- readers and curators ----------------------------------------------------------------------------


class Readers:
    """Client threads requesting the public pages and the API in turn until stopped; every answer is
    kept as (started, finished, status, path, client)."""

    def __init__(self, base, clients=4, paths=READER_PATHS):
        self.base, self.paths, self.answers = base, paths, []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(number,)) for number in range(clients)]

    def _read(self, number):
        client = Client(self.base)
        turn = number
        while not self.stopping.is_set():
            path = self.paths[turn % len(self.paths)]
            started = time.monotonic()
            reply = client.get(path, timeout=30)
            self.answers.append((started, time.monotonic(), reply.status, path, number))
            turn += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def between(self, start, end):
        """The answers that came back in that time (a request cut off by a fault counts in the fault)."""
        return [answer for answer in self.answers if start <= answer[1] < end]


def statuses(answers):
    counts = {}
    for answer in answers:
        counts[answer[2]] = counts.get(answer[2], 0) + 1
    return ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(counts.items())) or "none"


def latencies(answers):
    return [finished - started for started, finished, *_ in answers]


def new_document(number, **fields):
    return {
        "title": f"Drill cable {number}",
        "date": "1949-02-01",
        "date_precision": "day",
        "type": "cable",
        "languages": ["ru"],
        "authors": [PEOPLE[number % len(PEOPLE)]],
        "recipients": [PEOPLE[(number + 1) % len(PEOPLE)]],
        "summary": "Created by the drill.",
    } | fields


def curator_saves(base, token, clients=8, seconds=20.0):
    """Curators each create a draft through the API, then save it again and again for that long,
    each save a PATCH with If-Match that changes its summary and its people (the document, its
    people, the search index and a history revision: several tables). What each saw is returned."""
    deadline = time.monotonic() + seconds
    curators = [{"number": number, "saves": [], "record_id": None, "summary": None} for number in range(clients)]

    def work(curator):
        client, number = Client(base, token), curator["number"]
        created = client.send_json("POST", "/api/v1/documents/", new_document(number))
        curator["saves"].append((created.status, created.seconds, created.text[:300]))
        if created.status != 201:
            return
        curator["record_id"], etag = created.json()["record_id"], created.headers["ETag"]
        curator["summary"] = "Created by the drill."
        url = f"/api/v1/documents/{curator['record_id']}/"
        save = 0
        while time.monotonic() < deadline:
            save += 1
            summary = f"Save {save} by curator {number}."
            change = {"summary": summary, "authors": [PEOPLE[(number + save) % len(PEOPLE)]]}
            reply = client.send_json("PATCH", url, change, {"If-Match": etag})
            curator["saves"].append((reply.status, reply.seconds, reply.text[:300]))
            if reply.status == 200:
                etag, curator["summary"] = reply.headers["ETag"], summary
            else:
                etag = client.get(url).headers.get("ETag", etag)

    threads = [threading.Thread(target=work, args=(curator,)) for curator in curators]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return curators, time.monotonic() - started


def sqlite_saves_kept(path, curators):
    """Which curators' last acknowledged save is not what the database holds (summary, and one
    history version per acknowledged save): an empty list when nothing was lost."""
    lost = []
    with contextlib.closing(sqlite3.connect(path)) as database:
        for curator in curators:
            if curator["record_id"] is None:
                continue
            (summary, versions), *_ = database.execute(
                "SELECT d.summary, (SELECT COUNT(*) FROM reversion_version v JOIN django_content_type t"
                " ON t.id = v.content_type_id WHERE t.app_label = 'documents' AND t.model = 'document'"
                " AND v.object_id = CAST(d.id AS TEXT)) FROM documents_document d WHERE d.record_id = ?",
                [curator["record_id"]],
            ).fetchall()
            acknowledged = sum(1 for status, *_ in curator["saves"] if status in (200, 201))
            if summary != curator["summary"] or versions != acknowledged:
                lost.append((curator["record_id"], summary, curator["summary"], versions, acknowledged))
    return lost


def sqlite_workers_run(folder, clients, seconds, workers=3):
    """gunicorn with several workers on a new SQLite file and curators saving at once; the numbers."""
    database = Path(folder) / "archive.sqlite3"
    env = server_env(f"sqlite:///{database}", DJANGO_MEDIA_ROOT=Path(folder) / "media")
    token = prepare_database(env)
    collect_static(env)
    with Gunicorn(env, workers=workers, log=Path(folder) / "gunicorn.log") as server:
        curators, elapsed = curator_saves(server.url, token, clients, seconds)
        log = server.log_text()
    saves = [save for curator in curators for save in curator["saves"]]
    return {
        "saves": len(saves),
        "failed": [save for save in saves if save[0] not in (200, 201)],
        "seconds": elapsed,
        "p50": percentile([save[1] for save in saves], 0.5),
        "p95": percentile([save[1] for save in saves], 0.95),
        "locked": log.count("database is locked"),
        "server_errors": log.count("Traceback"),
        "lost": sqlite_saves_kept(database, curators),
    }


# -- the drills -------------------------------------------------------------------------------------


class Stack:
    """The private servers and the app that the PostgreSQL, Redis and disk drills share."""

    def __init__(self, corpus, cleanup):
        self.corpus, self.cleanup = corpus, cleanup

    def start(self):
        self.postgres = PrivatePostgres()
        self.cleanup.callback(self.postgres.destroy)
        self.postgres.create()
        self.redis = PrivateRedis()
        self.cleanup.callback(self.redis.destroy)
        self.redis.start()
        self.folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "app-"))
        self.cleanup.callback(shutil.rmtree, self.folder, ignore_errors=True)
        self.media = self.folder / "media"
        self.media.mkdir()
        self.cleanup.callback(unmount, self.media)  # before the folder goes (callbacks run last first)
        env = server_env(self.postgres.url(), REDIS_URL=self.redis.url, DJANGO_MEDIA_ROOT=self.media)
        self.token = prepare_database(env, corpus=self.corpus)
        collect_static(env)
        self.static_root = ROOT / "staticfiles"  # where collectstatic wrote (settings.STATIC_ROOT)
        self.app = Gunicorn(env, workers=3, log=self.folder / "gunicorn.log")
        self.cleanup.callback(self.app.stop)
        self.app.start()
        return self


def drill_postgres_restart(stack, result, down_seconds=5.0):
    app, postgres = stack.app, stack.postgres
    pids_before = worker_pids(app)
    with Readers(app.url) as readers:
        time.sleep(5)
        stopping = time.monotonic()
        postgres.stop("fast")
        down = time.monotonic()
        result.step(f"PostgreSQL stopped (fast shutdown, {ms(down - stopping)}) under 4 reading clients.")
        time.sleep(down_seconds)
        postgres.start()
        up = time.monotonic()
        result.step(f"Started again after {down - stopping + up - down:.1f} s down.")
        time.sleep(8)
    before, during, after = readers.between(0, stopping), readers.between(stopping, up), readers.between(up, 1e12)
    first_ok = {}
    for _started, finished, status, _path, client in after:
        if status == 200 and client not in first_ok:
            first_ok[client] = finished - up
    unavailable = [answer for answer in during if answer[2] == 503]
    everything = readers.answers
    result.numbers = {
        "answers before / while down / after": f"{len(before)} / {len(during)} / {len(after)}",
        "statuses before": statuses(before),
        "statuses while down": statuses(during),
        "statuses after": statuses(after),
        "503 latency while down, p50 / p95 / max": " / ".join(
            ms(value)
            for value in (
                percentile(latencies(unavailable), 0.5),
                percentile(latencies(unavailable), 0.95),
                max(latencies(unavailable), default=0),
            )
        ),
        "PostgreSQL up to first 200 (first client / last client)": (
            f"{ms(min(first_ok.values()))} / {ms(max(first_ok.values()))}" if first_ok else "never"
        ),
        "gunicorn workers replaced": "no" if worker_pids(app) == pids_before else "yes",
    }
    home = Client(app.url).get("/")
    result.passed = (
        all(answer[2] in (200, 503) for answer in everything)
        and len(unavailable) > 0
        and percentile(latencies(unavailable), 0.95) < 1.0
        and len(first_ok) == len(readers.threads)
        and app.running()
        and home.status == 200
    )


def worker_pids(app):
    found = subprocess.run(["pgrep", "-P", str(app.process.pid)], capture_output=True, text=True).stdout
    return sorted(found.split())


def document_state(postgres, record_id):
    """Everything a save of the document writes, as the database holds it."""
    sql = postgres.sql
    (pk, title, summary, modified), *_ = sql(
        "SELECT id, title, summary, modified_at FROM documents_document WHERE record_id = %s", [record_id]
    )
    return {
        "document": (title, summary, str(modified)),
        "people": sql(
            'SELECT person_id, role, "order" FROM documents_documentperson WHERE document_id = %s ORDER BY 1, 2, 3',
            [pk],
        ),
        "versions": sql(
            "SELECT COUNT(*) FROM reversion_version v JOIN django_content_type t ON t.id = v.content_type_id"
            " WHERE t.app_label = 'documents' AND t.model = 'document' AND v.object_id = %s",
            [str(pk)],
        )[0][0],
        "revisions": sql("SELECT COUNT(*) FROM reversion_revision")[0][0],
    }


def drill_backend_killed(stack, result):
    app, postgres = stack.app, stack.postgres
    curator = Client(app.url, stack.token)
    created = curator.send_json("POST", "/api/v1/documents/", new_document(1))
    record_id, etag = created.json()["record_id"], created.headers["ETag"]
    before = document_state(postgres, record_id)
    result.step(f"Created draft {record_id} through the API ({created.status}).")
    change = {
        "summary": "Changed by the killed save.",
        "authors": ["mao-zedong", "joseph-stalin"],
        "recipients": ["anna-louise-strong"],
    }
    blocker = postgres.connect(autocommit=False)
    # SHARE mode lets every read through and holds up the first write to the history table, which a
    # save reaches last, after the document and its people are written (uncommitted).
    blocker.execute("LOCK TABLE reversion_version IN SHARE MODE")
    replies = []
    saving = threading.Thread(
        target=lambda: replies.append(
            curator.send_json("PATCH", f"/api/v1/documents/{record_id}/", change, {"If-Match": etag})
        )
    )
    saving.start()
    waiting = []
    deadline = time.monotonic() + 15
    while not waiting and time.monotonic() < deadline:
        waiting = postgres.sql(
            "SELECT pid, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'archive_drills'"
        )
        time.sleep(0.05)
    if not waiting:
        blocker.rollback()
        saving.join()
        result.step("The save never waited on the history table: nothing to kill.")
        return
    pid, query = waiting[0]
    written = postgres.sql(
        "SELECT COUNT(*) FROM pg_locks WHERE pid = %s AND locktype = 'transactionid' AND granted", [pid]
    )[0][0]
    result.step(
        f"The save's backend {pid} waits on `{' '.join(query.split())[:90]}…`; "
        + (
            "it holds a transaction id, so it has already written rows (uncommitted)."
            if written
            else "it has written nothing."
        )
    )
    killed = postgres.sql("SELECT pg_terminate_backend(%s)", [pid])[0][0]
    blocker.rollback()
    blocker.close()
    saving.join(30)
    reply = replies[0] if replies else None
    after = document_state(postgres, record_id)
    result.step(f"pg_terminate_backend: {killed}; the lock released.")
    retry = curator.send_json("PATCH", f"/api/v1/documents/{record_id}/", change, {"If-Match": etag})
    retried = document_state(postgres, record_id)
    result.numbers = {
        "the curator's answer": f"{reply.status} {reply.text[:120]}" if reply else "none",
        "document row, its people, history unchanged": "yes" if after == before else f"no: {before} → {after}",
        "the same save retried": f"{retry.status}",
        "after the retry: summary, people, history versions": (
            f"{retried['document'][1]!r}, {len(retried['people'])} people, "
            f"{retried['versions']} versions (were {before['versions']})"
        ),
    }
    result.passed = (
        written > 0
        and reply is not None
        and reply.status == 503
        and reply.json()["error"]["code"] == "unavailable"
        and after == before
        and retry.status == 200
        and retried["document"][1] == change["summary"]
        and retried["versions"] == before["versions"] + 1
    )


def drill_backend_killed_at_random(stack, result, runs=25):
    """The same fault at random moments: every backend of the app killed somewhere in a save (reading,
    writing, committing, closing a server-side cursor), run after run."""
    app, postgres = stack.app, stack.postgres
    curator = Client(app.url, stack.token)
    created = curator.send_json("POST", "/api/v1/documents/", new_document(2))
    record_id, etag = created.json()["record_id"], created.headers["ETag"]
    url = f"/api/v1/documents/{record_id}/"
    durations = []
    for number in range(3):  # how long a save takes, to spread the kills over it
        reply = curator.send_json("PATCH", url, {"summary": f"Warming up {number}."}, {"If-Match": etag})
        durations.append(reply.seconds)
        etag = reply.headers["ETag"]
    span = percentile(durations, 0.5)
    result.step(
        f"Created draft {record_id}; a save takes about {ms(span)}. {runs} times: a save sent, and after a random "
        f"0–{ms(span)} every backend of the app killed with pg_terminate_backend."
    )
    answers, half_written, saved_despite_503 = [], [], 0
    for run in range(runs):
        before = document_state(postgres, record_id)
        change = {"summary": f"Save {run} with a kill.", "authors": [PEOPLE[run % len(PEOPLE)]]}
        replies = []
        saving = threading.Thread(
            target=lambda replies, change, etag: replies.append(
                curator.send_json("PATCH", url, change, {"If-Match": etag})
            ),
            args=(replies, change, etag),
        )
        saving.start()
        time.sleep(random.uniform(0, span))
        postgres.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'archive_drills'"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        saving.join(60)
        reply = replies[0] if replies else None
        answers.append(reply.status if reply else 0)
        after = document_state(postgres, record_id)
        saved = after["document"][1] == change["summary"] and after["versions"] == before["versions"] + 1
        if after != before and not saved:
            half_written.append(run)
        if reply and reply.status == 503 and saved:
            saved_despite_503 += 1  # killed after its commit, before its answer
        etag = curator.get(url).headers.get("ETag", etag)
    counts = {status: answers.count(status) for status in sorted(set(answers))}
    result.numbers = {
        "answers": ", ".join(f"{status or 'no answer'}: {count}" for status, count in counts.items()),
        "500 answers": counts.get(500, 0),
        "saves half written": len(half_written),
        "503 answers whose save was committed whole (killed between commit and answer)": saved_despite_503,
        "gunicorn still serving": "yes" if app.running() and Client(app.url).get("/").status == 200 else "no",
    }
    result.passed = (
        set(counts) <= {200, 503}
        and counts.get(503, 0) > 0
        and not half_written
        and app.running()
        and Client(app.url).get("/").status == 200
    )


def drill_postgres_frozen(stack, result, frozen_seconds=25.0):
    app, postgres = stack.app, stack.postgres
    pids_before = worker_pids(app)
    with Readers(app.url) as readers:
        time.sleep(5)
        frozen = time.monotonic()
        postgres.freeze()
        result.step(
            "Every PostgreSQL process stopped (SIGSTOP: the machine answers TCP, the server nothing) under 4 "
            f"reading clients, for {frozen_seconds:.0f} s; the app has the production timeouts (statement 10 s, "
            "answer 15 s, connect 3 s; gunicorn's own is 60 s here)."
        )
        time.sleep(frozen_seconds)
        postgres.thaw()
        thawed = time.monotonic()
        time.sleep(10)
    # Asked before the thaw and answered after the freeze; asked after the thaw.
    during = [answer for answer in readers.answers if answer[0] < thawed and answer[1] >= frozen]
    after = [answer for answer in readers.answers if answer[0] >= thawed]
    unavailable = [answer for answer in during if answer[2] == 503]
    first_ok = min(
        (finished - thawed for _, finished, status, *_ in readers.answers if status == 200 and finished > thawed),
        default=None,
    )
    result.numbers = {
        "answers to requests made while frozen": statuses(during),
        "503 latency, p50 / p95 / max": " / ".join(
            ms(value)
            for value in (
                percentile(latencies(unavailable), 0.5),
                percentile(latencies(unavailable), 0.95),
                max(latencies(unavailable), default=0),
            )
        ),
        "longest answer of all": ms(max(latencies(readers.answers), default=0)),
        "thawed to first 200": ms(first_ok) if first_ok is not None else "never",
        "answers to requests made after the thaw": statuses(after),
        "gunicorn workers replaced": "no" if worker_pids(app) == pids_before else "yes",
    }
    result.passed = (
        all(answer[2] in (200, 503) for answer in readers.answers)
        and len(unavailable) > 0
        and max(latencies(readers.answers)) < 30  # gunicorn's default timeout (make serve)
        and worker_pids(app) == pids_before
        and after
        and all(answer[2] == 200 for answer in after)
    )


def timed_reads(base, seconds):
    """One reader going through the pages for that long; each answer as (status, seconds)."""
    reader, answers, deadline, turn = Client(base), [], time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        reply = reader.get(READER_PATHS[turn % len(READER_PATHS)], timeout=10)
        answers.append((reply.status, reply.seconds))
        turn += 1
    return answers


def drill_slow_clients(stack, result, clients=20, seconds=10.0):
    app = stack.app
    with Nginx(f"127.0.0.1:{app.port}", stack.static_root, media_root=stack.media) as nginx:
        result.step(
            f"{clients} clients send a request head a byte a second and never finish it (reconnecting when cut off) "
            f"while one reader times the pages for {seconds:.0f} s (10 s allowed each): first against gunicorn "
            "itself (3 sync workers), then against nginx in front of it (docs/nginx/archive.conf)."
        )
        for name, port, url in (("gunicorn alone", app.port, app.url), ("behind nginx", nginx.port, nginx.url)):
            with SlowClients(port, count=clients):
                time.sleep(2)
                answers = timed_reads(url, seconds)
            served = [answer for answer in answers if answer[0] == 200]
            result.numbers[f"{name}: answers"] = statuses([(0, 0, status) for status, _ in answers])
            result.numbers[f"{name}: latency p50 / max"] = (
                f"{ms(percentile([s for _, s in answers], 0.5))} / {ms(max(s for _, s in answers))}"
            )
            if name == "behind nginx":
                result.passed = len(served) == len(answers) > 10 and max(s for _, s in answers) < 2


def drill_redis_stopped(stack, result, down_seconds=5.0):
    app, redis = stack.app, stack.redis
    log_start = len(app.log_text())
    with Readers(app.url) as readers:
        time.sleep(5)
        stopped = time.monotonic()
        redis.stop()
        result.step(
            "Redis stopped (SIGTERM, no persistence) under 4 reading clients (the API's throttle counts in it)."
        )
        time.sleep(down_seconds)
        redis.start()
        up = time.monotonic()
        result.step(f"Started again after {up - stopped:.1f} s.")
        time.sleep(5)
    phases = {
        "before": readers.between(0, stopped),
        "while down": readers.between(stopped, up),
        "after": readers.between(up, 1e12),
    }
    for phase, answers in phases.items():
        result.numbers[f"{phase}: statuses"] = statuses(answers)
        result.numbers[f"{phase}: p50 / p95"] = (
            f"{ms(percentile(latencies(answers), 0.5))} / {ms(percentile(latencies(answers), 0.95))}"
        )
    errors = re.findall(r"^(\w*(?:Error|Exception)\b[^\n]{0,120})", app.log_text()[log_start:], re.MULTILINE)
    if errors:  # from this drill only
        result.numbers["errors in the app's log"] = f"{len(errors)}, last: `{errors[-1]}`"
    result.passed = all(answer[2] == 200 for answer in readers.answers)


def unmount(path):
    if mounted(path):
        subprocess.run(["umount", str(path)], check=False)


def mounted(path):
    target = str(Path(path).resolve())
    return any(line.split()[1] == target for line in Path("/proc/mounts").read_text().splitlines())


def noise_png(side):
    """A PNG that does not compress: about 3 bytes a pixel."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def files_under(path):
    return sorted(str(file.relative_to(path)) for file in Path(path).rglob("*") if file.is_file())


def drill_disk_full(stack, result):
    app, postgres, media = stack.app, stack.postgres, stack.media
    if os.geteuid() != 0:
        result.step("Not run: mounting a small tmpfs as the media folder needs root.")
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(media)], check=True)
    try:
        free = os.statvfs(media).f_bavail * os.statvfs(media).f_frsize
        filler = media / "filler.bin"
        filler.write_bytes(b"\0" * (free - 300_000))
        left = os.statvfs(media).f_bavail * os.statvfs(media).f_frsize
        scan = noise_png(600)
        result.step(
            f"Media folder: a 2 MB tmpfs filled to {left // 1000} kB free; "
            f"uploading a {len(scan) // 1000} kB scan through the admin, then the same image as a new donor's logo."
        )
        (document_pk,), *_ = postgres.sql("SELECT id FROM documents_document WHERE record_id = %s", [SEED_RECORD])
        count = "SELECT COUNT(*) FROM documents_scan WHERE document_id = %s"
        scans_before = postgres.sql(count, [document_pk])[0][0]
        curator = Client(app.url)
        curator.admin_login("drill-curator", CURATOR_PASSWORD)
        upload = f"/admin/documents/scan/upload/{document_pk}/"
        fields = {"csrfmiddlewaretoken": curator.csrf_token(upload), "order": "name", "description": "drill"}
        reply = curator.post_form(upload, fields, [("files", "page-1.png", scan, "image/png")])
        message = re.search(r"The scans could not be stored \([^)]*\)\. Nothing was saved\.", reply.text)
        scans_after = postgres.sql(count, [document_pk])[0][0]
        # The same full disk on an admin form that stores a file as it saves its row: a donor's logo.
        donor_form = "/admin/documents/donor/add/"
        donor_fields = {"csrfmiddlewaretoken": curator.csrf_token(donor_form), "name": "Drill Foundation"}
        donor_fields |= {"slug": "drill-foundation", "description": "", "url": "", "acknowledgement": ""}
        logo_reply = curator.post_form(donor_form, donor_fields, [("logo", "logo.png", scan, "image/png")])
        logo_message = re.search(r"The files could not be stored \([^)]*\)\. Nothing was saved", logo_reply.text)
        donors = "SELECT COUNT(*) FROM documents_donor WHERE slug = 'drill-foundation'"
        donor_rows = postgres.sql(donors)[0][0]
        leftovers = [name for name in files_under(media) if name != "filler.bin"]
        filler.unlink()
        fields["csrfmiddlewaretoken"] = curator.csrf_token(upload)
        retry = curator.post_form(upload, fields, [("files", "page-1.png", scan, "image/png")])
        result.numbers = {
            "the curator's answer": f"{reply.status}, the form says: “{message.group(0)}”"
            if message
            else f"{reply.status}, no message",
            "scan rows before / after": f"{scans_before} / {scans_after}",
            "a donor's logo on the same full disk": f"{logo_reply.status}, the form says: “{logo_message.group(0)}.”"
            if logo_message
            else f"{logo_reply.status}, no message",
            "donor rows after": donor_rows,
            "files left in the media folder besides the filler": ", ".join(leftovers) or "none",
            "the same upload with space again": f"{retry.status}, {len(files_under(media))} files stored "
            "(original, thumbnail, reading size)",
        }
        result.passed = (
            reply.status == 200
            and message is not None
            and scans_after == scans_before
            and logo_reply.status == 200
            and logo_message is not None
            and donor_rows == 0
            and not leftovers
            and retry.status == 302
        )
    finally:
        unmount(media)


def drill_sqlite_workers(result, clients=8, seconds=20.0):
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX + "sqlite-") as folder:
        numbers = sqlite_workers_run(folder, clients, seconds)
    result.step(
        "gunicorn with 3 workers on a new SQLite file (WAL, IMMEDIATE transactions, 20 s busy timeout); "
        f"{clients} curators saving through the API for {seconds:.0f} s."
    )
    result.numbers = {
        "saves (create + PATCH with If-Match)": numbers["saves"],
        "saves a second": f"{numbers['saves'] / numbers['seconds']:.1f}",
        "latency p50 / p95": f"{ms(numbers['p50'])} / {ms(numbers['p95'])}",
        "failed saves": len(numbers["failed"])
        if not numbers["failed"]
        else f"{len(numbers['failed'])}, first: {numbers['failed'][0]}",
        "“database is locked” in the server log": numbers["locked"],
        "saves acknowledged but not in the database": len(numbers["lost"]),
    }
    result.passed = (
        not numbers["failed"] and not numbers["locked"] and not numbers["lost"] and not numbers["server_errors"]
    )


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


def machine_description(stack):
    parts = [f"{platform.node()}: {os.cpu_count()} cores, {platform.system()} {platform.release()}"]
    parts.append(f"Python {platform.python_version()}")
    if stack is not None:
        parts += [stack.postgres.version(), stack.redis.version()]
    return ", ".join(parts)


def markdown(results, machine):
    lines = [
        f"Last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        "",
        "| drill | result | time |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {result.title} | {'pass' if result.passed else '**FAIL**'} | {result.seconds:.0f} s |" for result in results
    ]
    for result in results:
        lines += ["", f"### {result.title}: {'pass' if result.passed else 'FAIL'}", ""]
        lines += [f"{number}. {step}" for number, step in enumerate(result.steps, start=1)]
        if result.numbers:
            lines += ["", "| measured | value |", "| --- | --- |"]
            lines += [f"| {key} | {str(value).replace('|', '/')} |" for key, value in result.numbers.items()]
    return "\n".join(lines)


def write_docs(results, machine, path=DOCS):
    update_markdown(path, {"drills": markdown(results, machine)})
