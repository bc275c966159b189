"""Faults (issue 7, docs/reliability.md): a database that cannot be reached answers 503 quickly and
the site recovers by itself; several gunicorn workers save to one SQLite file without "database is
locked"; a scan upload that runs out of disk leaves no row and no file.

The first two run a real gunicorn (documents/drill_servers.py) on a SQLite file of their own,
whatever database the test run uses: the point is several processes and a real outage."""

import resource
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.drill_servers import Client, Gunicorn, prepare_database, server_env
from documents.drills import SEED_PAGE, noise_png, sqlite_workers_run
from documents.models import Scan

from .factories import DocumentFactory

PAGES = ["/", "/documents/", SEED_PAGE, "/api/v1/documents/"]


@pytest.fixture
def sqlite_server(tmp_path):
    """gunicorn (2 workers, debug off) on a demo archive in tmp_path/db/archive.sqlite3, opening a
    connection per request, so that the database folder's disappearance is felt at once."""
    folder = tmp_path / "db"
    folder.mkdir()
    env = server_env(
        f"sqlite:///{folder / 'archive.sqlite3'}", DJANGO_MEDIA_ROOT=tmp_path / "media", DJANGO_CONN_MAX_AGE=0
    )
    prepare_database(env)
    with Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as server:
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
    from documents.unavailable import server_error

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
