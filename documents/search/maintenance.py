"""Making the index from the database, and comparing the two (`manage.py search_index`)."""

import shutil
import time
from dataclasses import dataclass, field

import tantivy

from ..models import Document, SearchOutbox
from ..ops.routers import pin_primary
from . import engine
from .content import index_document, index_fields, load

BUILD_HEAP = 256_000_000  # the writer's memory while building; it writes a segment when full
BUILD_BATCH = 1000


def rebuild(progress=None, batch_size=BUILD_BATCH):
    """Make the index again from every document, beside the live one, then put it in its place.

    Readers keep answering from the old index throughout. The outbox rows committed while it was made
    are applied by the next sync (the new index starts from the last row before the build began)."""
    live = engine.directory()
    building = live.with_name(f"{live.name}.building")
    with engine.exclusive(), pin_primary():
        started_at = SearchOutbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
        target = engine.create(building)
        index_writer = engine.writer(target, heap=BUILD_HEAP, threads=2)
        ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            for document in load(ids[start : start + batch_size]):
                index_writer.add_document(index_document(document))
            if progress:
                progress(min(start + batch_size, len(ids)), len(ids))
        index_writer.commit()
        index_writer.wait_merging_threads()
        engine.write_state({"version": engine.VERSION, "applied": started_at, "synced_at": time.time()}, building)
        retired = live.with_name(f"{live.name}.old")
        shutil.rmtree(retired, ignore_errors=True)
        if live.exists():
            live.rename(retired)
        building.rename(live)
        shutil.rmtree(retired, ignore_errors=True)
        engine.forget()
    return len(ids)


def clear():
    """Empty the index and start it again from the outbox's first row (tests; a new database)."""
    with engine.exclusive():
        target = engine.create(engine.directory())
        del target
        engine.forget()


@dataclass
class Differences:
    missing: list = field(default_factory=list)  # ids in the database, not in the index
    extra: list = field(default_factory=list)  # ids in the index, not in the database
    stale: list = field(default_factory=list)  # ids whose entry differs from the database's document

    def __bool__(self):
        return bool(self.missing or self.extra or self.stale)


def indexed_fingerprints():
    """{database id: fingerprint} for every entry of the index (None for an id with several entries)."""
    searcher = engine.searcher()
    total = searcher.num_docs
    if not total:
        return {}
    addresses = [address for _, address in searcher.search(tantivy.Query.all_query(), limit=total).hits]
    ids = searcher.fast_field_values("id", addresses)
    prints = searcher.fast_field_values("fingerprint", addresses)
    found = {}
    for pk, value in zip(ids, prints, strict=True):
        found[int(pk)] = None if int(pk) in found else value
    return found


def check(batch_size=BUILD_BATCH):
    """What differs between the index and the database, entry by entry."""
    indexed = indexed_fingerprints()
    found = Differences()
    with pin_primary():
        ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            for document in load(ids[start : start + batch_size]):
                expected = index_fields(document)["fingerprint"][0]
                if document.pk not in indexed:
                    found.missing.append(document.pk)
                elif indexed[document.pk] != expected:
                    found.stale.append(document.pk)
    found.extra = sorted(set(indexed) - set(ids))
    return found
