"""Faults against real servers (issue 7, docs/reliability.md): gunicorn on a SQLite file of its own,
whatever database the test run uses, answers 503 quickly while the database cannot be reached and
recovers by itself; several gunicorn workers save to one SQLite file without "database is locked"; a
save that waits past SQLite's busy timeout answers 503 while reads go on; a frozen private PostgreSQL
cluster costs a bounded 503; behind nginx, slow clients cannot hold gunicorn's workers.

The faults that need no server of their own are in tests/test_reliability.py."""

import sqlite3
import time

import pytest

from documents.ops.servers import ROOT, Client, Gunicorn, Nginx
from drills.servers import PrivatePostgres, SlowClients, prepare_database, server_env
from drills.sqlite import sqlite_workers_run
from drills.traffic import SEED_PAGE, SEED_RECORD

PAGES = ["/", "/documents/", SEED_PAGE, "/api/v1/documents/"]


@pytest.fixture
def sqlite_server(tmp_path):
    """gunicorn (2 workers, debug off) on a demo archive in tmp_path/db/archive.sqlite3, opening a
    connection per request, so that the database folder's disappearance is felt at once."""
    folder = tmp_path / "db"
    folder.mkdir()
    # The search index outside the database's folder: only the database goes away.
    env = server_env(
        f"sqlite:///{folder / 'archive.sqlite3'}",
        DJANGO_MEDIA_ROOT=tmp_path / "media",
        DJANGO_CONN_MAX_AGE=0,
        SEARCH_INDEX_DIR=tmp_path / "search-index",
    )
    token = prepare_database(env)
    with Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as server:
        server.token = token
        yield server, folder


def test_every_page_answers_503_while_the_database_is_unreachable_then_200_again(sqlite_server):
    server, folder = sqlite_server
    reader = Client(server.url)
    assert [reader.get(path).status for path in PAGES] == [200] * len(PAGES)

    away = folder.rename(folder.with_name("db-away"))  # every new connection now fails
    try:
        for path in PAGES:
            reply = reader.get(path)
            assert reply.status == 503, (path, reply.text[:500])
            assert reply.seconds < 1.0, (path, reply.seconds)
            assert reply.headers["Retry-After"] == "30"
            assert "no-store" in reply.headers["Cache-Control"]
            if path.startswith("/api/"):
                assert reply.json()["error"]["code"] == "unavailable"
                assert reply.json()["error"]["status"] == 503
            else:
                assert "Temporarily unavailable" in reply.text and "try again in a minute" in reply.text
                assert "sqlite" not in reply.text.lower() and "Traceback" not in reply.text
    finally:
        away.rename(folder)

    # The same client, the same server processes: served again as soon as the database is back.
    assert [reader.get(path).status for path in PAGES] == [200] * len(PAGES)
    assert server.running()


def test_several_gunicorn_workers_save_to_one_sqlite_file_without_locking_errors(tmp_path):
    numbers = sqlite_workers_run(tmp_path, clients=8, seconds=6)
    assert numbers["saves"] > 8  # every curator created its document and saved it again
    assert numbers["failed"] == []
    assert numbers["locked"] == 0 and numbers["server_errors"] == 0
    assert numbers["lost"] == []  # each curator's last acknowledged save, and one history entry per save


# -- SQLite: a writer that waits past its busy timeout ----------------------------------------------


def test_a_save_that_waits_past_sqlites_busy_timeout_answers_503_while_reads_go_on(tmp_path):
    """Another process holds SQLite's write lock (a long import, a backup tool): a save waits its busy
    timeout (DJANGO_SQLITE_TIMEOUT), then answers 503 (never a 500); reads are served meanwhile (WAL);
    once the lock is released the same save succeeds."""
    database = tmp_path / "archive.sqlite3"
    env = server_env(f"sqlite:///{database}", DJANGO_MEDIA_ROOT=tmp_path / "media", DJANGO_SQLITE_TIMEOUT=1)
    token = prepare_database(env)
    with Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as server:
        curator, reader = Client(server.url, token), Client(server.url)
        url = f"/api/v1/documents/{SEED_RECORD}/"
        tag = curator.get(url).headers["ETag"]
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a writer in another process holds it
        try:
            refused = curator.send_json("PATCH", url, {"summary": "Saved once the lock is free."}, {"If-Match": tag})
            read = reader.get(SEED_PAGE)
        finally:
            holder.rollback()
            holder.close()
        saved = curator.send_json("PATCH", url, {"summary": "Saved once the lock is free."}, {"If-Match": tag})
        log = server.log_text()

    assert refused.status == 503, refused.text[:500]
    assert refused.json()["error"]["code"] == "unavailable"
    assert 1 <= refused.seconds < 5
    assert read.status == 200
    assert saved.status == 200
    assert "Internal Server Error" not in log


# -- a PostgreSQL server that stops answering -------------------------------------------------------


@pytest.fixture
def private_postgres():
    postgres = PrivatePostgres()
    try:
        yield postgres.create()
    finally:
        postgres.destroy()


def test_a_frozen_postgresql_server_answers_503_in_bounded_time_and_the_site_recovers(private_postgres, tmp_path):
    """The server's processes stopped (SIGSTOP) while the machine stays up: connections already open
    get no answer, new ones are accepted by the kernel and never greeted. Requests used to hang until
    gunicorn killed the workers; now each answers 503 within the answer and connect timeouts."""
    env = server_env(private_postgres.url(), DJANGO_MEDIA_ROOT=tmp_path / "media")
    prepare_database(env)
    timeouts = {"DJANGO_PG_STATEMENT_TIMEOUT": "1", "DJANGO_PG_ANSWER_TIMEOUT": "2", "DJANGO_PG_CONNECT_TIMEOUT": "2"}
    with Gunicorn(env | timeouts, workers=2, log=tmp_path / "gunicorn.log") as server:
        reader = Client(server.url)
        assert [reader.get(path).status for path in PAGES] == [200] * len(PAGES)  # connections open

        private_postgres.freeze()
        try:
            replies = [reader.get(path, timeout=30) for path in PAGES + PAGES]
        finally:
            private_postgres.thaw()

        assert [reply.status for reply in replies] == [503] * len(replies), [r.text[:200] for r in replies]
        assert max(reply.seconds for reply in replies) < 2 + 2 + 1.5  # no answer, then no greeting
        assert [reader.get(path).status for path in PAGES] == [200] * len(PAGES)
        assert server.running() and "WORKER TIMEOUT" not in server.log_text()


# -- slow clients --------------------------------------------------------------------------------------


def test_behind_nginx_readers_are_served_while_slow_clients_hold_connections(sqlite_server):
    """Clients that send their request head a byte a second hold gunicorn's sync workers, one each,
    and every other reader waits; nginx (docs/nginx/archive.conf) holds them instead."""
    server, _ = sqlite_server
    with SlowClients(server.port, count=4):  # as many as there are workers, and two more
        time.sleep(1)
        stalled = Client(server.url).get("/", timeout=3)
    assert stalled.status == 0  # no answer in 3 s: every worker is taken

    with Nginx(f"127.0.0.1:{server.port}", ROOT / "staticfiles") as nginx, SlowClients(nginx.port, count=20):
        time.sleep(1)
        reader = Client(nginx.url)
        replies = [reader.get(path, timeout=10) for path in PAGES + PAGES]
    assert [reply.status for reply in replies] == [200] * len(replies)
    assert max(reply.seconds for reply in replies) < 2
