"""Faults (issue 7, docs/reliability.md) that need no server of their own: a scan upload that runs out
of disk leaves no row and no file; what handler500 calls an outage (503) and what a bug (500); a save
whose PostgreSQL backend is killed midway answers 503 and can be sent again; requests, unlike
management commands, are bounded by timeouts.

Those against real servers (gunicorn, nginx, a private PostgreSQL cluster) are in
tests/integration/test_reliability.py."""

import contextlib
import json
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.urls import reverse
from rest_framework.authtoken.models import Token
from reversion.models import Version

from documents.models import Scan
from documents.ops.servers import ROOT
from drills.disk import noise_png
from drills.servers import server_env

from .factories import DocumentFactory


def stored_files(media_root):
    return sorted(path for path in Path(media_root).rglob("*") if path.is_file())


@pytest.mark.django_db
def test_a_scan_upload_that_runs_out_of_space_leaves_no_row_and_no_file(curator_client, media_root):
    """A real failed write part-way through: the process may not write a file past 100 kB
    (RLIMIT_FSIZE, as a quota or a full disk would stop it), so the second of two scans fails
    after the first was stored and the second partly written."""
    document = DocumentFactory(status="draft")
    small, large = noise_png(100), noise_png(300)  # about 30 kB and 270 kB
    assert len(small) < 100_000 < len(large)
    upload = reverse("admin:documents_scan_upload", args=[document.pk])
    files = [SimpleUploadedFile("page-1.png", small, "image/png"), SimpleUploadedFile("page-2.png", large, "image/png")]

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, hard))
    try:
        response = curator_client.post(upload, {"files": files, "order": "name", "description": ""})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, ignored)

    assert response.status_code == 200
    assert "The scans could not be stored (File too large). Nothing was saved." in response.content.decode()
    assert not Scan.objects.exists()
    assert stored_files(media_root) == []  # neither the first scan's files nor the second's partial file

    for file in files:
        file.seek(0)
    response = curator_client.post(upload, {"files": files, "order": "name", "description": ""})
    assert response.status_code == 302
    assert Scan.objects.filter(document=document).count() == 2
    assert len(stored_files(media_root)) == 6


# -- what handler500 calls an outage -------------------------------------------------------------


def answer_to(raise_it, rf):
    """handler500's answer while the exception raise_it() raises is being handled, as Django calls it."""
    from documents.ops.unavailable import server_error

    try:
        raise_it()
    except Exception:
        return server_error(rf.get("/documents/"))
    raise AssertionError("nothing was raised")


def refused_postgresql():
    import psycopg
    from django.db import OperationalError

    try:
        psycopg.connect("host=127.0.0.1 port=1 connect_timeout=1")
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error


@pytest.mark.django_db
def test_a_failing_query_is_a_500_not_an_outage(rf):
    """A missing table (a forgotten migrate) or any other fault must not answer "come back in a
    minute" for ever."""
    from django.db import connection

    def missing_table():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    def bug():
        raise ValueError("a bug")

    for raise_it in (missing_table, bug):
        response = answer_to(raise_it, rf)
        assert response.status_code == 500
        assert "Retry-After" not in response


def test_a_refused_connection_is_an_outage(rf):
    response = answer_to(refused_postgresql, rf)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_a_connection_killed_as_django_closes_a_server_side_cursor_is_an_outage(db, rf):
    """QuerySet.iterator() reads through a server-side cursor, which Django closes without wrapping
    the driver's error: a connection killed just before the close raised psycopg's own error, bare,
    and the curator got a 500 (the random kills of the backend-killed drill hit it)."""
    require_postgresql()
    DocumentFactory.create_batch(2)

    def killed_as_the_cursor_closes():
        with transaction.atomic():
            cursor = connection.chunked_cursor()  # what QuerySet.iterator() reads through
            cursor.execute("SELECT id FROM documents_document")
            cursor.fetchmany(1)
            terminate(connection.connection.info.backend_pid)
            cursor.close()  # as django.db.models.sql.compiler.cursor_iter does when the rows run out

    response = answer_to(killed_as_the_cursor_closes, rf)
    assert response.status_code == 503


def test_a_statement_cancelled_by_the_statement_timeout_is_an_outage(db, rf):
    """A server too loaded (or a lock held too long) to answer within the statement timeout: try again."""
    require_postgresql()

    def too_slow():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(1)")

    response = answer_to(too_slow, rf)
    assert response.status_code == 503


# -- a save whose PostgreSQL backend is killed, through the test client ------------------------------


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("kills a PostgreSQL backend")


def terminate(pid):
    """pg_terminate_backend from a connection of its own; returns once the backend is gone."""
    killer = connection.copy()
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(200):
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.025)
    finally:
        killer.close()
    raise AssertionError(f"backend {pid} still there")


@contextlib.contextmanager
def history_table_held():
    """Hold the history table in SHARE mode from another connection: reads go on, and a save waits
    at its first history row, after it has written the document and its people (uncommitted)."""
    blocker = connection.copy()
    blocker.set_autocommit(False)
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE reversion_version IN SHARE MODE")
        yield
    finally:
        blocker.rollback()
        blocker.close()


def kill_the_first_backend_that_waits(killed):
    """In a thread, on a connection of its own: find the backend that waits on a lock and kill it."""
    try:
        with connection.cursor() as cursor:
            for _ in range(400):
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if waiting := cursor.fetchone():
                    terminate(waiting[0])
                    killed.append(waiting[0])
                    return
                time.sleep(0.025)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_whose_backend_is_killed_midway_answers_503_writes_nothing_and_can_be_sent_again(curator):
    require_postgresql()
    document = DocumentFactory(draft=True, summary="Before the kill.")
    versions = Version.objects.get_for_object(document).count()
    # The curator's program, as a user would see it: an answer for every request, never an exception.
    api = DjangoClient(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=curator).key}", raise_request_exception=False
    )
    url = f"/api/v1/documents/{document.record_id}/"
    change, tag = json.dumps({"summary": "Changed by the killed save."}), api.get(url)["ETag"]

    killed = []
    with history_table_held():
        killer = threading.Thread(target=kill_the_first_backend_that_waits, args=(killed,))
        killer.start()
        response = api.patch(url, change, content_type="application/json", HTTP_IF_MATCH=tag)
        killer.join()

    assert killed, "the save never waited on the history table"
    assert response.status_code == 503, response.content[:500]
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"] == "30"
    document.refresh_from_db()  # the next query reconnects by itself
    assert document.summary == "Before the kill."
    assert Version.objects.get_for_object(document).count() == versions

    again = api.patch(url, change, content_type="application/json", HTTP_IF_MATCH=tag)
    assert again.status_code == 200
    document.refresh_from_db()
    assert document.summary == "Changed by the killed save."
    assert Version.objects.get_for_object(document).count() == versions + 1


def database_settings(entry):
    """The default database's ENGINE, server options and answer timeout as a process started through
    entry ("wsgi": as gunicorn does, "command": as manage.py does) sees them."""
    imports = {"wsgi": "import archive_project.wsgi", "command": "import django; django.setup()"}[entry]
    code = f"{imports}; from django.conf import settings; d = settings.DATABASES['default']; "
    code += "print(d['ENGINE'], d['ANSWER_TIMEOUT'], d['OPTIONS']['options'], d['OPTIONS']['tcp_user_timeout'])"
    env = server_env("postgres://archive@127.0.0.1:1/archive", DJANGO_SETTINGS_MODULE="archive_project.settings")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_requests_are_bounded_by_timeouts_that_management_commands_are_not():
    engine, answer, *options, tcp = database_settings("wsgi")
    assert (engine, answer, tcp) == ("documents.ops.postgresql", "15.0", "10000")
    assert "statement_timeout=10000" in options  # milliseconds, below gunicorn's 30 s
    engine, answer, *options, tcp = database_settings("command")  # migrate, backups: no limit
    assert (engine, answer, tcp) == ("documents.ops.postgresql", "None", "10000")
    assert "statement_timeout=0" in options
