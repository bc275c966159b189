"""The index follows committed writes through the outbox: at the commit, or later from the outbox when
the index could not be written then; and every app host's own index catches up from the one outbox."""

import contextlib
import threading
from io import StringIO

import pytest
from django.core.management import call_command

from documents import search
from documents.models import Document
from documents.search import engine
from documents.search.maintenance import indexed_fingerprints
from documents.services import publishing

from .factories import DocumentFactory

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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
