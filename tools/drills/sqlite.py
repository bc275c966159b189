"""The SQLite drill: gunicorn with several workers on a new SQLite file and curators saving at once;
then every acknowledged save looked for in the file."""

import contextlib
import sqlite3
import tempfile
from pathlib import Path

from documents.ops.servers import TEMP_PREFIX, Gunicorn

from .measures import ms, percentile
from .servers import collect_static, prepare_database, server_env
from .traffic import curator_saves


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
