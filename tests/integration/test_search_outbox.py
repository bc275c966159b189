"""The search index against real processes and disks: two app servers (gunicorn) on one database, each
with an index of its own, both find a save within a second; an index on a full 1 MB disk (a tmpfs,
which needs root to mount) fails no save and no search. How the index follows committed writes in one
process is in tests/test_search_outbox.py."""

import secrets
import shutil
import subprocess
import time

import pytest

from documents import search
from documents.models import Document
from documents.ops.servers import Client, Gunicorn
from documents.search import engine
from drills.servers import manage, prepare_database, server_env

from ..factories import DocumentFactory


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_disk_under_the_index_fails_no_save_and_no_search(no_catching_up, client, tmp_path, settings):
    """The index's directory on a full 1 MB disk: saves still commit and searches still answer from
    the index as it was; the outbox keeps every change until there is room again."""
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
