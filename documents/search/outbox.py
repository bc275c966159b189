"""Keeping the index in step with the database through an outbox.

Every write that changes what the index holds for a document adds the document's id to the outbox
(models.SearchOutbox) in its own transaction; after the commit, the writing process applies the new
rows to its host's index (sync). A crash between the commit and the index write loses nothing: the
rows stay, and the next sync on that host (after any write, a reader's catch-up within a second, or
`manage.py search_index sync`) applies them. Each host's index remembers the last row it applied.

Rows are applied in id order, so ids must commit in id order: on PostgreSQL each writing transaction
takes one advisory lock before its first outbox row and holds it to its commit (SQLite has one writer
at a time anyway)."""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import SearchOutbox
from ..ops.routers import pin_primary
from . import engine
from .content import index_document, load

logger = logging.getLogger(__name__)

OUTBOX_LOCK = 0x5365_6172  # pg_advisory_xact_lock's key ("Sear")
BATCH = 2000
RETENTION = timedelta(days=7)  # a host whose index is older than this must rebuild (docs/search.md)

_suspended = ContextVar("search_outbox_suspended", default=False)
_last_check = {"at": 0.0}


def lock_outbox():
    """Make this transaction, until it ends, the only one adding outbox rows (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OUTBOX_LOCK])


def enqueue(ids):
    """Note that these documents' index entries must be made again, once this transaction commits."""
    ids = sorted(set(ids))
    if not ids or _suspended.get():
        return
    with transaction.atomic(savepoint=False):
        lock_outbox()
        SearchOutbox.objects.bulk_create([SearchOutbox(document_id=pk) for pk in ids], batch_size=BATCH)
        # One sync per transaction is enough: it applies every row committed by then.
        if not any(callback is sync_after_commit for _, callback, _ in connection.run_on_commit):
            transaction.on_commit(sync_after_commit, robust=True)


def sync_after_commit():
    sync()


@contextmanager
def suspended():
    """Bulk loads write no outbox rows and rebuild the index once at the end (rebuild())."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def sync(wait=None):
    """Apply every outbox row this host's index has not seen; the number of documents reindexed.

    Never raises for the index's sake: a write already committed must not fail because the index
    could not follow, and the rows wait in the outbox for the next sync."""
    try:
        with engine.exclusive(wait):
            return apply_pending()
    except engine.WriterBusy:
        logger.info("Search index busy: the outbox is left to the writer holding it.")
    except engine.SearchUnavailable as error:
        logger.warning("Search index not updated: %s", error)
    except (OSError, ValueError) as error:  # the engine's own failures (a full disk) come as ValueError
        logger.error("Search index not updated, the outbox keeps the changes: %s", error)
    return 0


def catch_up():
    """At most once per settings.SEARCH_SYNC_INTERVAL seconds per process, before a search: apply
    rows that other processes or hosts committed, if no other writer on this host is at it."""
    now = time.monotonic()
    if now - _last_check["at"] < settings.SEARCH_SYNC_INTERVAL:
        return
    _last_check["at"] = now
    with pin_primary():
        newest = SearchOutbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if newest > engine.read_state().get("applied", 0):
        sync(wait=0)


def apply_pending():
    state = engine.read_state()
    if state.get("version") != engine.VERSION:
        raise engine.SearchUnavailable("No search index here: run manage.py search_index rebuild.")
    target, applied, done = engine.index(), state["applied"], 0
    with pin_primary():
        while True:
            rows = list(
                SearchOutbox.objects.filter(id__gt=applied).order_by("id").values_list("id", "document_id")[:BATCH]
            )
            if not rows:
                break
            ids = sorted({pk for _, pk in rows})
            index_writer = engine.writer(target)
            engine.replace_documents(index_writer, (index_document(entry) for entry in load(ids)), ids)
            index_writer.commit()
            index_writer.wait_merging_threads()
            applied, done = rows[-1][0], done + len(ids)
            engine.write_state({**state, "applied": applied, "synced_at": time.time()})
    return done  # readers see it at their next search (engine.index())


def prune():
    """Forget rows older than RETENTION that this host has applied."""
    applied = engine.read_state().get("applied", 0)
    return SearchOutbox.objects.filter(id__lte=applied, created_at__lt=timezone.now() - RETENTION).delete()[0]
