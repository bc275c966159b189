"""Record IDs under several gunicorn worker processes on one SQLite file: parallel creates never
share a record ID or reuse a deleted document's. The rest of the record ID rules are in
tests/test_record_ids.py."""

import threading

from documents.ops.servers import Client as DrillClient
from documents.ops.servers import Gunicorn
from drills.servers import prepare_database, server_env
from drills.traffic import new_document as new_drill_document


def test_parallel_creates_on_sqlite_never_share_or_reuse_a_record_id(tmp_path):
    """Six curators create documents at once through gunicorn's worker processes on one SQLite file
    (the review's six parallel creates answered 500): every create is a 201 with its own record ID,
    none of them the ID of the document deleted just before."""
    env = server_env(f"sqlite:///{tmp_path / 'archive.sqlite3'}", DJANGO_MEDIA_ROOT=tmp_path / "media")
    token = prepare_database(env)
    with Gunicorn(env, workers=3, log=tmp_path / "gunicorn.log") as server:
        curator = DrillClient(server.url, token)
        created = curator.send_json("POST", "/api/v1/documents/", new_drill_document(0))
        newest = created.json()
        url = f"/api/v1/documents/{newest['record_id']}/"
        deleted = curator.request("DELETE", url, headers={"If-Match": created.headers["ETag"]})
        assert deleted.status == 204, deleted.text
        answers = []

        def create(number):
            client = DrillClient(server.url, token)
            answers.extend(client.send_json("POST", "/api/v1/documents/", new_drill_document(number)) for _ in range(3))

        threads = [threading.Thread(target=create, args=(number,)) for number in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [answer.status for answer in answers] == [201] * 18, [answer.text[:300] for answer in answers]
        record_ids = [answer.json()["record_id"] for answer in answers]
        assert len(set(record_ids)) == 18 and min(record_ids) > newest["record_id"]
        assert curator.get(url).status == 410
