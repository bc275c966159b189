"""The index on disk: opening it for reading, and writing it one writer at a time.

One directory per app host (settings.SEARCH_INDEX_DIR), made of immutable segments: any number of
processes read it at once and see a commit as soon as it lands; writes take a lock file first, so
that gunicorn workers and commands on one host write in turn. Beside the segments, state.json says
how far into the outbox (outbox.py) the index is, so that every host catches up on its own.

A missing or unreadable index raises SearchUnavailable: the site says search is unavailable and
`manage.py search_index rebuild` makes it again."""

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import tantivy
from django.conf import settings

from .schema import SCHEMA, register_analyzers

logger = logging.getLogger(__name__)

# Bump when the schema or the analyzers change: an index made by another version is rebuilt, not read.
VERSION = 4  # 4: cards hold the people's aliases (search/explain.py)
WRITER_HEAP = 64_000_000
LOCK_WAIT = 10.0  # seconds a writer waits for another before leaving its changes to the next one


class SearchUnavailable(Exception):
    """The index is missing, from another version, or cannot be read."""


class WriterBusy(Exception):
    """Another writer held the index for longer than the wait allowed."""


_lock = threading.Lock()
_opened = {}  # directory → (Index, its stamp when last reloaded), one per process
_thread_lock = threading.Lock()  # this process's threads take turns here, with the same bounded wait


def directory():
    return Path(settings.SEARCH_INDEX_DIR)


def _state_path(path):
    return path / "state.json"


def read_state(path=None):
    """{"version", "applied" (the last outbox row applied), "synced_at"}; {} for no index."""
    try:
        return json.loads(_state_path(path or directory()).read_text())
    except (OSError, ValueError):
        return {}


def write_state(state, path=None):
    path = _state_path(path or directory())
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, path)  # readers see the old state or the new, never half of one


def _open(path):
    if read_state(path).get("version") != VERSION or not tantivy.Index.exists(str(path)):
        raise SearchUnavailable(f"No search index of this version at {path}: run manage.py search_index rebuild.")
    try:
        index = tantivy.Index.open(str(path))
        register_analyzers(index)
        index.config_reader(reload_policy="manual")  # index() reloads when a commit lands
    except ValueError as error:
        raise SearchUnavailable(f"The search index at {path} cannot be read ({error}).") from None
    return index


def _stamp(path):
    """What changes when a commit lands (meta.json is replaced) or a rebuild swaps the directory in."""
    try:
        return path.stat().st_ino, (path / "meta.json").stat().st_mtime_ns
    except FileNotFoundError:
        return None


def index():
    """This process's reader of the index, reloaded when a commit has landed since it last looked (one
    stat() per call): every Search sees the index as of its start, and generation() names that view."""
    path = directory()
    key = str(path)
    with _lock:
        stamp = _stamp(path)
        found = _opened.get(key)
        if found is None or stamp is None or stamp[0] != found[1][0]:  # new, missing, or rebuilt
            if stamp is None:
                _opened.pop(key, None)
                raise SearchUnavailable(f"No search index at {path}: run manage.py search_index rebuild.")
            found = _opened[key] = (_open(path), stamp)
        elif stamp != found[1]:
            found[0].reload()
            found = _opened[key] = (found[0], stamp)
        return found[0]


def generation():
    """The view of the index index() last gave: anything computed from it can be kept until it changes."""
    found = _opened.get(str(directory()))
    return (str(directory()), found[1]) if found else None


def searcher():
    try:
        return index().searcher()
    except ValueError as error:
        forget()
        raise SearchUnavailable(f"The search index cannot be read ({error}).") from None


def forget():
    """Drop this process's readers (after a rebuild swapped the directory, or a failure)."""
    with _lock:
        _opened.clear()


@contextmanager
def exclusive(wait=None, path=None):
    """Hold the index's writer lock (one writer per directory, across threads and processes), waiting
    at most `wait` seconds (LOCK_WAIT by default); WriterBusy when another writer holds it longer."""
    path = path or directory()
    path.mkdir(parents=True, exist_ok=True)
    wait = LOCK_WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    acquired = _thread_lock.acquire(timeout=wait) if wait > 0 else _thread_lock.acquire(blocking=False)
    if not acquired:
        raise WriterBusy(f"Another thread is writing the search index at {path}.")
    try:
        with open(path.parent / f".{path.name}.lock", "a") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WriterBusy(f"Another process is writing the search index at {path}.") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        _thread_lock.release()


def create(path):
    """An empty index of this version at path (replacing whatever is there)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    created = tantivy.Index(SCHEMA, path=str(path))
    register_analyzers(created)
    write_state({"version": VERSION, "applied": 0, "synced_at": 0}, path)
    return created


def writer(target, heap=WRITER_HEAP, threads=1):
    return target.writer(heap_size=heap, num_threads=threads)


def replace_documents(index_writer, entries, ids):
    """Delete these document ids from the index and add their current entries (under the lock)."""
    # By query: delete_documents_by_term() reads a Python int as a signed term, which no unsigned id matches.
    index_writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", list(ids)))
    for entry in entries:
        index_writer.add_document(entry)
