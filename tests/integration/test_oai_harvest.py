"""A real harvester, the `oaipmh` package's client, against the running site (live_server): the whole
demo archive, selective harvests by date and by set, deletions, and a generated corpus with every
record intact across fifty pages."""

import datetime
import time

import pytest
from django.core.management import call_command
from oaipmh.client import Client
from oaipmh.metadata import MetadataRegistry, oai_dc_reader

from corpus.command import Command as GenerateCorpus
from documents.crosswalk import dublin_core
from documents.models import Document
from documents.services import publishing
from tests.factories import CollectionFactory


@pytest.fixture
def harvester(live_server):
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = Client(live_server.url + "/oai/", registry)
    client.updateGranularity()  # reads Identify, as a harvester's first request does
    return client


def record_id(header):
    repository, number = header.identifier().rsplit(":", 1)
    assert repository == "oai:localhost"
    return int(number)


def naive_utc(moment):
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_archive_is_harvested_whole_then_by_date_and_set_then_with_a_deletion(harvester, demo, live_server):
    identify = harvester.identify()
    assert identify.baseURL() == live_server.url + "/oai/"
    assert identify.deletedRecord() == "persistent"

    records = {
        record_id(header): (header, metadata) for header, metadata, _ in harvester.listRecords(metadataPrefix="oai_dc")
    }
    published = Document.objects.published().for_detail()
    assert set(records) == {document.record_id for document in published}
    for document in published:
        header, metadata = records[document.record_id]
        assert not header.isDeleted()
        expected = dublin_core(document, live_server.url + "/")
        for element in ("title", "creator", "subject", "date", "identifier", "language", "relation", "rights"):
            assert metadata.getField(element) == expected.get(element, []), element

    # By date: only what changed since a moment.
    edited = Document.objects.published().get(record_id=121773)
    # A whole second after everything loaded, and the edit a second after that: until=since is inclusive.
    since = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(seconds=1)
    time.sleep((since + datetime.timedelta(seconds=1) - datetime.datetime.now(datetime.UTC)).total_seconds())
    edited.summary += " Revised."
    edited.save()
    later = [record_id(h) for h in harvester.listIdentifiers(metadataPrefix="oai_dc", from_=naive_utc(since))]
    assert later == [121773]
    earlier = [record_id(h) for h in harvester.listIdentifiers(metadataPrefix="oai_dc", until=naive_utc(since))]
    assert sorted(earlier) == sorted(set(records) - {121773})

    # By set: a collection.
    collection = CollectionFactory(name="Sino-Soviet Alliance")
    members = list(Document.objects.published().order_by("record_id")[:2])
    collection.documents.add(*members)
    spec = "collection:sino-soviet-alliance"
    assert spec in [s[0] for s in harvester.listSets()]
    in_set = [record_id(h) for h in harvester.listIdentifiers(metadataPrefix="oai_dc", set=spec)]
    assert sorted(in_set) == [document.record_id for document in members]

    # A document unpublished: it comes as deleted, everywhere it was.
    publishing.unpublish(Document.objects.filter(pk=members[0].pk))
    after = {record_id(h): h for h, _, _ in harvester.listRecords(metadataPrefix="oai_dc")}
    assert set(after) == set(records)
    assert after[members[0].record_id].isDeleted()
    assert sum(header.isDeleted() for header in after.values()) == 1
    by_set = {record_id(h): h.isDeleted() for h in harvester.listIdentifiers(metadataPrefix="oai_dc", set=spec)}
    assert by_set == {members[0].record_id: True, members[1].record_id: False}
    header, metadata, _ = harvester.getRecord(
        identifier=f"oai:localhost:{members[0].record_id}", metadataPrefix="oai_dc"
    )
    assert header.isDeleted() and metadata is None


CORPUS, PAGE = 1_000, 20  # fifty pages, each after a resumption token but the first


class CountingClient(Client):
    """The harvester, noting each request it makes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = []

    def makeRequest(self, **kwargs):
        self.requests.append(kwargs)
        return super().makeRequest(**kwargs)


# serialized_rollback: an earlier transactional test flushed the languages the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_generated_corpus_is_harvested_intact_across_fifty_pages(live_server, settings):
    """Every record comes once and whole however many resumption tokens the list takes: what the
    pages prove depends on their number, not their size, so small pages stand in for a big corpus."""
    started = time.monotonic()
    call_command(GenerateCorpus(), documents=CORPUS, seed=3, workers=1, verbosity=0)
    generated = time.monotonic()
    settings.OAI_PAGE_SIZE = PAGE
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    harvester = CountingClient(live_server.url + "/oai/", registry)
    harvested = {}
    for header, metadata, _ in harvester.listRecords(metadataPrefix="oai_dc"):
        number = record_id(header)
        assert number not in harvested
        harvested[number] = metadata.getField("title")
    expected = {number: [title] for number, title in Document.objects.published().values_list("record_id", "title")}
    assert len(expected) == CORPUS
    assert harvested == expected
    assert len(harvester.requests) == CORPUS // PAGE
    assert all("resumptionToken" in request for request in harvester.requests[1:])
    print(f"corpus made in {generated - started:.1f}s, harvested in {time.monotonic() - generated:.1f}s")
