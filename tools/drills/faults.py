"""Fault drills (issue 7): each fault done for real to real servers, measured, and the results written
into docs/reliability.md between its markers. ``make drills`` (``python -m drills``) runs them.

The app is gunicorn (3 workers, debug off) on a PostgreSQL cluster and a Redis server of the drills'
own (tools/drills/servers.py, stack.py), so stopping them disturbs nothing else on the machine; the
SQLite drill has a file of its own. Everything started is stopped and every temporary folder removed,
on success and on failure.

This module holds the faults done to the shared servers: PostgreSQL restarted, its backends killed,
PostgreSQL frozen, Redis stopped, slow clients. The media disk full is in disk.py, SQLite under several
workers in sqlite.py; runner.py runs the drills (DRILLS) and report.py writes their results."""

import random
import re
import subprocess
import threading
import time

from documents.ops.servers import Client, Nginx

from .measures import latencies, ms, percentile, statuses
from .servers import SlowClients
from .traffic import PEOPLE, Readers, new_document, timed_reads


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
