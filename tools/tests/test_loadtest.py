"""The load test (tools/loadtest/) for real but tiny: readers and the editing curator
against the running site (a live server thread) over HTTP, the lost-edit check (which must also catch an
edit undone behind the curator's back), the error count, and `python -m loadtest --url` end to end."""

import re

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from bench.timing import percentile
from corpus.spec import RECORD_ID_BASE
from documents.models import Document
from loadtest.command import Command as LoadTest
from loadtest.command import curator_token
from loadtest.curator import Curator
from loadtest.driver import run_phase
from loadtest.workload import Workload, build_workload
from tests.factories import DocumentFactory, LanguageFactory, PersonFactory, RoleFactory

# The site answers from another thread, so the data must be committed: transactional tests.
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class SerialServerThread(LiveServerThread):
    """Django's live server answering one request at a time."""

    def _create_server(self, connections_override=None):
        return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)


@pytest.fixture
def site(request):
    """The running site's address. On PostgreSQL, pytest-django's live_server (a thread per request). On
    SQLite's in-memory test database every server thread shares the test's one connection, which
    concurrent requests trip over ("database table is locked"), so there the server answers one
    request at a time: the clients still run concurrently and queue, as they do at gunicorn."""
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    if not shared:
        yield request.getfixturevalue("live_server").url
        return
    thread = SerialServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for connection in shared.values():
            connection.dec_thread_sharing()


@pytest.fixture
def archive(settings):
    # Every reader is 127.0.0.1, as under make loadtest (which raises the limit the same way).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"}}
    language = LanguageFactory()
    people = PersonFactory.create_batch(2)
    for n in range(8):
        document = DocumentFactory(record_id=RECORD_ID_BASE + 1 + n, summary=f"Summary {n}.")
        document.languages.add(language)
        RoleFactory(document=document, person=people[n % 2])
    DocumentFactory.create_batch(2, draft=True)
    return curator_token()


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1 … 100
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.5) == 50
    assert percentile([7], 0.95) == 7
    assert percentile([3, 1, 2], 1.0) == 3


@live
def test_readers_and_curator_count_every_request_and_edit_and_catch_a_lost_edit(site, archive):
    workload = build_workload(seed=2, edited=3, drafts=1)
    assert set(workload.kinds()) == {
        "document", "list", "filter", "search", "person", "api-list", "api-search", "api-detail",
    }  # fmt: skip
    originals = dict(Document.objects.values_list("record_id", "summary"))
    curator = Curator(site, archive, workload, interval=0.02, draft_every=3)

    phase = run_phase(site, workload, clients=2, seconds=2, curator=curator, min_edits=4)

    assert phase.errors == [] and phase.edit_errors == []
    assert phase.requests == sum(len(times) for times in phase.latencies.values()) > 10
    assert phase.throughput == pytest.approx(phase.requests / phase.seconds)
    assert phase.stale_etags == 0 and phase.stale_reads == 0
    acknowledged = sum(len(markers) for markers in curator.markers.values())
    assert len(phase.edits) == acknowledged + sum(curator.edits[d] for d in workload.drafts) >= 4
    assert curator.statuses  # a draft was published (and maybe unpublished again)
    # After every acknowledged save an anonymous reader's page was checked (and was right: no errors).
    assert phase.public_checks == len(phase.edits)
    assert curator.lost_edits() == []
    for record_id, markers in curator.markers.items():
        summary = Document.objects.get(record_id=record_id).summary
        assert summary == originals[record_id] + "".join(markers)

    # An acknowledged edit undone behind the curator's back is a lost edit.
    record_id, markers = next((r, m) for r, m in curator.markers.items() if m)
    document = Document.objects.get(record_id=record_id)
    Document.objects.filter(pk=document.pk).update(summary=document.summary.replace(markers[0], ""))
    assert curator.lost_edits() == [f"document {record_id}: {markers[0].strip()} missing from the summary"]

    # Afterwards the documents are as they were: summaries without markers, drafts still drafts.
    curator.restore()
    assert dict(Document.objects.values_list("record_id", "summary")) == originals
    assert set(Document.objects.filter(record_id__in=workload.drafts).values_list("status", flat=True)) == {"draft"}


@live
def test_a_status_other_than_200_is_an_error_with_its_url(site, archive):
    workload = Workload(urls={"document": ["/documents/999999999/nothing/"]}, edited=[], drafts=[])
    phase = run_phase(site, workload, clients=1, seconds=0.3)
    assert phase.errors and phase.requests == len(phase.errors)
    assert set(phase.errors) == {("document", "/documents/999999999/nothing/", "status 404")}


@live
def test_run_loadtest_drives_a_running_server_and_writes_its_section(site, archive, tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\nNotes kept.\n")
    call_command(LoadTest(), url=site, clients=[2], seconds=1, warmup=0, edit_interval=0.05, output=str(output))
    text = output.read_text()
    assert text.startswith("# Benchmarks\n\nNotes kept.\n\n<!-- loadtest:start -->\n## Load test")
    assert text.rstrip().endswith("<!-- loadtest:end -->")
    assert "Result: 0 errors, 0 lost edits (zero errors, no lost edit); stale reads (a curator's" in text
    # The phase's row: 2 clients, its seconds (1, or more while the requests in flight at its end answer)
    # and no error.
    assert re.search(r"^\| 2 \| \d+ \| \d+ \| 0 \| ", text, re.MULTILINE)


@live
def test_an_anonymous_reader_shown_an_unpublished_document_is_an_error(site, archive):
    """The check after each save reports a published page where the save made a draft."""
    workload = build_workload(seed=2, edited=1, drafts=1)
    curator = Curator(site, archive, workload)
    published = Document.objects.filter(record_id__in=workload.edited).get()
    curator.check_public(published.record_id, published=False, marker=None)
    assert curator.errors == [f"anonymous GET {published.get_absolute_url()}: 200, expected 404 after the save"]
    curator.check_public(published.record_id, published=True, marker=" [loadtest never-saved #1]")
    assert curator.errors[1].endswith("the acknowledged edit [loadtest never-saved #1] is not on the page")
    assert curator.public_checks == 2
