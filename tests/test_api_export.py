"""The JSON Lines export of a large corpus streams in constant memory (issue 5).

The corpus is the benchmark's own (tools/corpus/): a few hundred published documents with
their people, donors, collections, languages, texts and relations, plus 1% drafts. The export is
read line by line from ``streaming_content`` while tracemalloc watches every allocation of the
process, from the request on. Two comparisons, each of which a non-streaming export would fail:

- within one export, the peak after all the documents is the peak after the first quarter, give
  or take a fixed margin (an export that grew with what it has sent would be far above it);
- the whole corpus's export peaks where an export of a quarter of it peaks, give or take the
  same margin (an export that read everything first would peak about four times as high).

Model instances hold themselves in reference cycles (their prefetch caches), which Python frees
only when its cyclic collector runs, at moments that depend on everything else the process does.
The reader runs the collector after each chunk, so that the peak measures what the export holds
(what it could not free), not when the collector happened to run. It frees only what nothing
references: an export that kept what it sent would fail all the same."""

import gc
import json
import time
import tracemalloc

import pytest
from django.core.management import call_command
from django.test import Client

from corpus import spec as corpus
from corpus.command import Command as GenerateCorpus
from documents.api import export
from documents.models import Document

API = "/api/v1"
DOCUMENTS = 400
CHUNK = 20  # twenty chunks: a quarter of the corpus is five of them
# How far the whole export's peak may rise above a quarter's, in bytes, however large the corpus:
# chunks differ (texts of 300 to 3,000 words). Measured: about 0.1 MB (docs/api.md). An export that
# keeps the lines it sent rises 2 MB above, one that buffers its output or reads every document first 7 MB.
MARGIN = 1_000_000


@pytest.fixture
def large_corpus(transactional_db):
    call_command(GenerateCorpus(), documents=DOCUMENTS, seed=5, workers=1, verbosity=0)
    return DOCUMENTS + corpus.draft_count(DOCUMENTS)


def export_peaks(total, quarter):
    """Read the export line by line under tracemalloc: (peak after `quarter` lines, peak after all,
    how often each record ID came, seconds)."""
    seen = bytearray(total + 1)  # made beforehand, so that the test's own bookkeeping does not grow
    peak_quarter = None
    read = 0
    started = time.perf_counter()
    tracemalloc.start()
    try:
        response = Client().get(f"{API}/documents/export.jsonl")
        assert response.status_code == 200
        for line in response.streaming_content:
            seen[json.loads(line)["record_id"] - corpus.RECORD_ID_BASE] += 1
            read += 1
            if read % CHUNK == 0:
                gc.collect()
            if read == quarter:
                peak_quarter = tracemalloc.get_traced_memory()[1]
        peak_all = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak_quarter, peak_all, seen, time.perf_counter() - started


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_export_of_a_large_corpus_streams_in_constant_memory(large_corpus, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", CHUNK)
    published = Document.objects.published()
    published_ids = set(published.values_list("record_id", flat=True))
    drafts = set(Document.objects.exclude(status=Document.Status.PUBLISHED).values_list("record_id", flat=True))
    assert len(published_ids) == DOCUMENTS and drafts  # the corpus has its 1% drafts
    quarter = DOCUMENTS // 4

    # A quarter of the corpus alone: the rest unpublished for the while.
    later = list(published.filter(record_id__gt=corpus.RECORD_ID_BASE + quarter).values_list("pk", flat=True))
    Document.objects.filter(pk__in=later).update(status=Document.Status.DRAFT)
    _, peak_small, seen_small, _ = export_peaks(large_corpus, quarter)
    assert sum(seen_small) == quarter
    Document.objects.filter(pk__in=later).update(status=Document.Status.PUBLISHED)

    peak_quarter, peak_all, seen, seconds = export_peaks(large_corpus, quarter)
    print(
        f"\nexport of {DOCUMENTS:,} documents in chunks of {CHUNK} ({seconds:.1f} s under tracemalloc): "
        f"peak {peak_quarter / 1e6:.2f} MB after the first {quarter:,} lines, {peak_all / 1e6:.2f} MB after "
        f"all; an export of those {quarter:,} alone peaks at {peak_small / 1e6:.2f} MB"
    )
    assert peak_all - peak_quarter < MARGIN, (peak_quarter, peak_all)
    assert peak_all - peak_small < MARGIN, (peak_small, peak_all)

    # Every published document exactly once, and no draft.
    assert {corpus.RECORD_ID_BASE + i for i, n in enumerate(seen) if n} == published_ids
    assert max(seen) == 1
    assert not any(seen[record_id - corpus.RECORD_ID_BASE] for record_id in drafts)
