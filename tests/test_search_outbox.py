"""The index follows committed writes through the outbox: at the commit, or later from the outbox when
the index could not be written then; and every app host's own index catches up from the one outbox."""

import contextlib
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command

from documents import search
from documents.drill_servers import Client, Gunicorn, manage, prepare_database, server_env
from documents.models import Document
from documents.search import engine
from documents.search.maintenance import indexed_fingerprints
from documents.services import publishing

from .factories import DocumentFactory

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def no_catching_up(settings):
    """Only commits (and explicit syncs) write the index here: searches never catch up by themselves."""
    settings.SEARCH_SYNC_INTERVAL = 10**9


@transactional
def test_a_committed_save_is_in_the_index_at_once(no_catching_up):
    document = DocumentFactory(title="Committed cable")
    assert document.pk in indexed_fingerprints()
    publishing.unpublish(Document.objects.filter(pk=document.pk))
    assert not search.check()


@contextlib.contextmanager
def index_busy():
    """Another writer holds the index's lock for as long as this lasts."""
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with engine.exclusive():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join()


@transactional
def test_a_save_the_index_missed_at_its_commit_is_applied_later_never_lost(no_catching_up, monkeypatch):
    """The index is busy past a writer's wait: the commit stands, the index is not written, and the
    outbox row waits. The next write's commit applies it, and so does `search_index sync`."""
    monkeypatch.setattr(engine, "LOCK_WAIT", 0.2)
    with index_busy():
        missed = DocumentFactory(title="Saved while the index was busy")
    assert Document.objects.filter(pk=missed.pk).exists()
    assert search.check().missing == [missed.pk]

    later = DocumentFactory(title="The next save")
    assert {missed.pk, later.pk} <= set(indexed_fingerprints())
    assert not search.check()

    with index_busy():
        publishing.unpublish(Document.objects.filter(pk=later.pk))
    assert search.check().stale == [later.pk]
    output = StringIO()
    call_command("search_index", "sync", stdout=output)
    assert "1 documents brought up to date" in output.getvalue()
    assert not search.check()


def test_two_hosts_with_their_own_index_both_find_a_save_within_a_second(tmp_path):
    """Two app servers on one database, each with its own index directory: a curator saves through
    one, and a search on the other finds the document within about a second (the reader's catch-up)."""
    database = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    first_env = server_env(database, SEARCH_INDEX_DIR=tmp_path / "index-a", DJANGO_MEDIA_ROOT=tmp_path / "media")
    token = prepare_database(first_env)
    second_env = first_env | {"SEARCH_INDEX_DIR": str(tmp_path / "index-b")}
    manage(second_env, "search_index", "rebuild")
    with Gunicorn(first_env, workers=2) as first, Gunicorn(second_env, workers=2) as second:
        writer, reader = Client(first.url, token), Client(second.url, token)
        search_path = "/api/v1/documents/?q=Zanzibarian&count=true"
        assert reader.get(search_path).json()["count"] == 0
        created = writer.send_json("POST", "/api/v1/documents/", {"title": "A Zanzibarian cable", "type": "cable"})
        assert created.status == 201, created.text
        saved_at = time.monotonic()
        while reader.get(search_path).json()["count"] != 1:
            assert time.monotonic() - saved_at < 5, "the second host never caught up"
            time.sleep(0.05)
        caught_up = time.monotonic() - saved_at
        assert writer.get(search_path).json()["count"] == 1  # the writing host had it at the commit
    for env in (first_env, second_env):
        assert "matches the database" in manage(env, "search_index", "check")
    assert caught_up < 2.5, caught_up


@transactional
def test_a_full_disk_under_the_index_fails_no_save_and_no_search(no_catching_up, client, tmp_path, settings):
    """The index's directory on a full 1 MB disk: saves still commit and searches still answer from
    the index as it was; the outbox keeps every change until there is room again."""
    import secrets
    import shutil
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode:
        pytest.skip("needs mount (root) for a small tmpfs")
    try:
        settings.SEARCH_INDEX_DIR = str(disk / "index")
        engine.forget()
        search.rebuild()
        settings.SEARCH_SYNC_INTERVAL = 0
        # Words that do not repeat, so that they do not compress into the little room there is.
        saved = [
            DocumentFactory(title=f"Cable {n}", text=" ".join(secrets.token_hex(4) for _ in range(30_000)))
            for n in range(8)
        ]
        assert Document.objects.filter(pk__in=[d.pk for d in saved]).count() == 8
        assert client.get("/documents/", {"q": "cable"}).status_code == 200
        assert search.check().missing  # some did not fit
        shutil.copytree(disk / "index", tmp_path / "roomy")
    finally:
        engine.forget()
        subprocess.run(["umount", "--lazy", str(disk)])
    settings.SEARCH_INDEX_DIR = str(tmp_path / "roomy")
    search.sync()
    assert not search.check()
