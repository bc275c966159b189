"""The page cache (documents/ops/page_cache.py) and the Redis backend that tolerates a dead Redis
(documents/ops/cache.py), against the real Redis at 127.0.0.1:6379, database 3 (the only one
these tests flush), and against the default per-process memory cache.

"Redis unreachable" is a closed port (127.0.0.1:6399), never a mock. Tests run in parallel processes
(pytest-xdist) on the same Redis database: each test's keys carry a prefix of its own, and only those
keys are deleted, never the whole database.

What needs the Redis server (the "redis" variant of each page-cache test, and the tests that take
redis_db or own_redis) is marked integration: make test runs the rest, on the default caches, with no
Redis; make test-all and .ci/run run everything."""

import re
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from documents.api.throttling import AnonymousThrottle
from documents.history.recording import recording
from documents.models import Document, DocumentPerson
from documents.ops.cache import ResilientRedisCache
from documents.ops.checks import release_is_known
from documents.services import publishing

from .factories import DocumentFactory, DocumentTypeFactory, PersonFactory, RoleFactory

REDIS = "redis://127.0.0.1:6379/3"
CLOSED = "redis://127.0.0.1:6399/3"
LIST = "/documents/?q=railway&type=cable"


def redis_caches(location, circuit_seconds=5, prefix="test"):
    """settings.py's caches with REDIS_URL set to location."""
    backend = {
        "BACKEND": "documents.ops.cache.ResilientRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "CIRCUIT_SECONDS": circuit_seconds},
    }
    return {"default": backend, "pages": {**backend, "KEY_PREFIX": f"{prefix}-pages", "TIMEOUT": 3600}}


# settings.py's caches without REDIS_URL: the database table, and each process's memory for pages.
LOCAL = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "archive_cache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-pages"},
}


class RedisOfThisTest:
    """Database 3 of the real Redis, as this test sees it: only the keys with its own prefix."""

    def __init__(self):
        self.client = redis.Redis.from_url(REDIS)
        self.prefix = f"test-{uuid.uuid4().hex}"

    def caches(self, location=REDIS, circuit_seconds=5):
        return redis_caches(location, circuit_seconds, self.prefix)

    def keys(self):
        return set(self.client.scan_iter(match=f"{self.prefix}*"))

    def forget(self):
        for key in self.keys():
            self.client.delete(key)


@pytest.fixture
def redis_db():
    test_redis = RedisOfThisTest()
    try:
        test_redis.client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"These tests need Redis at {REDIS} (apt-get install redis-server): {error}")
    yield test_redis
    test_redis.forget()


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.integration), "memory"])
def page_cache(request, settings):
    """The test runs once with Redis as both caches and once with settings.py's default caches.
    Its forget() empties the page cache (of this test only)."""
    if request.param == "redis":
        test_redis = request.getfixturevalue("redis_db")
        settings.CACHES = test_redis.caches()
        return test_redis
    settings.CACHES = LOCAL
    caches["pages"].clear()  # Memory caches outlive a test within one process.
    return caches["pages"].clear


@pytest.fixture
def archive(db):
    """Two published cables about the railway, one with an author, and a draft cable."""
    cable = DocumentTypeFactory(name="Cable")
    first = DocumentFactory(title="Railway cable one", text="About the railway.", doc_type=cable)
    second = DocumentFactory(title="Railway cable two", text="About the railway again.", doc_type=cable)
    author = PersonFactory(name="Anastas Mikoyan")
    RoleFactory(document=first, person=author, role=DocumentPerson.Role.AUTHOR)
    draft = DocumentFactory(title="Railway draft", text="About the railway, unfinished.", doc_type=cable, draft=True)
    return {"first": first, "second": second, "author": author, "draft": draft}


def get(client, url):
    """The response and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [query["sql"] for query in queries]


def touches(queries, *tables):
    return [sql for sql in queries if any(re.search(rf'\b"?documents_{table}"?\b', sql) for table in tables)]


def facet_counts(response):
    """{facet value label: count} of the list page's facets."""
    return {value.label: value.count for facet in response.context["facets"] for value in facet.values}


# -- served from the cache -----------------------------------------------------------------------


def test_the_same_filters_in_another_order_get_their_own_links(client, archive, page_cache):
    # The toggle links repeat the query as written: a page must not show another order's links.
    client.get("/documents/?type=cable&q=railway")
    reordered = client.get("/documents/?q=railway&type=cable").content
    forget = page_cache.forget if isinstance(page_cache, RedisOfThisTest) else page_cache
    forget()
    assert client.get("/documents/?q=railway&type=cable").content == reordered


def test_a_document_page_from_the_cache_is_the_same_page_for_three_queries(client, archive, page_cache):
    url = archive["first"].get_absolute_url()
    first, first_queries = get(client, url)
    again, again_queries = get(client, url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert b"Anastas Mikoyan" in again.content
    # The narrow read that decides 404 and redirect, and the archive's stamp (two): no prefetch.
    assert len(again_queries) == 3 < len(first_queries)
    assert not touches(again_queries, "documentperson", "person", "scan", "relation")


def test_a_version_page_from_the_cache_is_the_same_page_for_three_queries(client, archive, page_cache):
    document = archive["first"]

    def correct(text):
        with recording(None, "Corrected."):
            document.text = text
            document.save()

    correct("About the railway, corrected.")
    url = f"/documents/{document.record_id}/v/1/"
    first, first_queries = get(client, url)
    again, again_queries = get(client, url)
    assert again.content == first.content
    assert b"You are reading version 1 of 1, the current one," in again.content
    assert len(again_queries) == 3 < len(first_queries)
    assert not touches(again_queries, "publicversion", "documentperson", "person", "relation")
    # A later version changes the notice on the very next page.
    correct("About the railway, corrected twice.")
    assert b"You are reading version 1 of 2, as published" in client.get(url).content


def test_the_home_page_from_the_cache_costs_only_the_stamp(client, archive, page_cache):
    first, first_queries = get(client, "/")
    again, again_queries = get(client, "/")
    assert again.content == first.content
    assert b"2 published documents" in again.content
    assert len(again_queries) == 2 < len(first_queries)


# -- invalidated by the stamp ---------------------------------------------------------------------


def warm(client, archive):
    """Every page the changes below must reach, fetched twice so that they are cached."""
    for _ in range(2):
        for url in (LIST, "/", archive["first"].get_absolute_url(), archive["second"].get_absolute_url()):
            assert client.get(url).status_code == 200


def change(archive, what):
    if what == "publish":
        publishing.publish(Document.objects.filter(pk=archive["draft"].pk))
    elif what == "unpublish":
        publishing.unpublish(Document.objects.filter(pk=archive["second"].pk))
    elif what == "edit":
        document = Document.objects.get(pk=archive["first"].pk)
        document.title = "Railway cable, retitled"
        document.save()
    elif what == "rename":
        archive["author"].name = "A. I. Mikoyan"
        archive["author"].save()


def assert_shown(client, archive, what):
    listing = client.get(LIST)
    home = client.get("/")
    first = client.get(archive["first"].get_absolute_url())
    second = client.get(archive["second"].get_absolute_url())
    if what == "publish":
        assert b"Railway draft" in listing.content
        assert facet_counts(listing)["Cable"] == 3
        assert b"3 published documents" in home.content
    elif what == "unpublish":
        assert b"Railway cable two" not in listing.content
        assert facet_counts(listing)["Cable"] == 1
        assert b"1 published document" in home.content
        assert second.status_code == 404
    elif what == "edit":
        assert b"Railway cable, retitled" in listing.content
        assert b"Railway cable, retitled" in first.content
        assert b"Railway cable, retitled" in home.content
    elif what == "rename":
        assert b"A. I. Mikoyan" in listing.content
        assert b"A. I. Mikoyan" in first.content
        assert b"Anastas Mikoyan" not in first.content


CHANGES = ["publish", "unpublish", "edit", "rename"]


@pytest.mark.parametrize("what", CHANGES)
def test_a_change_shows_on_the_very_next_page(client, archive, page_cache, what):
    warm(client, archive)
    change(archive, what)
    assert_shown(client, archive, what)


@pytest.mark.integration
@pytest.mark.parametrize("what", CHANGES)
def test_a_change_made_while_redis_was_unreachable_shows_when_it_is_back(client, archive, redis_db, settings, what):
    settings.CACHES = redis_db.caches()
    warm(client, archive)
    assert redis_db.keys()
    settings.CACHES = redis_db.caches(CLOSED)
    change(archive, what)
    assert client.get(LIST).status_code == 200
    settings.CACHES = redis_db.caches()
    assert_shown(client, archive, what)


# -- staff previews ------------------------------------------------------------------------------


@pytest.mark.integration
def test_staff_previews_neither_read_nor_fill_the_cache(client, staff_client, archive, redis_db, settings):
    settings.CACHES = redis_db.caches()
    anonymous = client.__class__()
    for _ in range(2):
        assert facet_counts(anonymous.get(LIST))["Cable"] == 2
    keys = redis_db.keys()
    # Staff see the draft counted and listed, not the readers' cached counts...
    listing = staff_client.get(LIST)
    assert facet_counts(listing)["Cable"] == 3
    assert b"Railway draft" in listing.content
    assert b"Draft preview" in staff_client.get(archive["draft"].get_absolute_url()).content
    assert staff_client.get("/").status_code == 200
    # ...and nothing they were shown entered the cache.
    assert redis_db.keys() == keys
    assert not any(b"Railway draft" in (redis_db.client.get(key) or b"") for key in keys)
    assert anonymous.get(archive["draft"].get_absolute_url()).status_code == 404
    assert facet_counts(anonymous.get(LIST))["Cable"] == 2


# -- Redis down ----------------------------------------------------------------------------------


class BrokenRedis:
    """A TCP server that counts the connections made to it and never answers a Redis command: it
    either closes each connection at once (a Redis going down) or keeps it silent (a hanging one)."""

    def __init__(self, hang):
        self.hang, self.connections, self.held = hang, 0, []
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            if self.hang:
                self.held.append(connection)
            else:
                connection.close()

    def close(self):
        self.socket.close()
        for held in self.held:
            held.close()


@pytest.fixture(params=[False, True], ids=["closing", "hanging"])
def broken_redis(request):
    server = BrokenRedis(hang=request.param)
    yield server
    server.close()


def test_with_redis_down_every_page_answers_and_redis_is_tried_once(client, archive, settings, broken_redis):
    # A circuit long enough that a slow machine cannot see it close during the test.
    settings.CACHES = redis_caches(broken_redis.url, circuit_seconds=60)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    started = time.monotonic()
    assert client.get("/").status_code == 200  # the home page is cached; the list asks the search index
    assert time.monotonic() - started < 5  # at most one timeout of 0.25 s, not a hang
    assert broken_redis.connections == 1
    urls = ["/", LIST, archive["first"].get_absolute_url(), "/api/v1/documents/"]
    # Four times past the API's rate of 3 a minute: with nowhere to count, the throttle lets all through.
    statuses = [client.get(url).status_code for _ in range(5) for url in urls]
    assert statuses == [200] * 20
    # No request waited on Redis: the circuit stayed open, not one more connection was attempted.
    assert caches["pages"].circuit_open()
    assert broken_redis.connections == 1
    health = client.get("/healthz")  # asks Redis for real, circuit or not
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "unavailable"}
    assert broken_redis.connections == 2


def test_a_dead_redis_is_a_miss_not_an_error(settings):
    # Its own closed port: the circuit of CLOSED may still be open from another test.
    backend = ResilientRedisCache("redis://127.0.0.1:6398/3", {"OPTIONS": {"CIRCUIT_SECONDS": 0}})
    assert backend.get("key", "default") == "default"
    backend.set("key", "value")
    assert backend.get_many(["key"]) == {}
    assert backend.add("key", "value") is False
    assert backend.ping() is False
    # With no circuit, each call tries (and fails) afresh.
    before = backend.failures()
    backend.get("key")
    backend.get("key")
    assert backend.failures() == before + 2


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a free port, to stop and start again (the machine's
    Redis is shared and never stopped). Yields (url, start, stop)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = None

    def start():
        nonlocal process
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop():
        process.terminate()
        process.wait(timeout=10)

    start()
    yield f"redis://127.0.0.1:{port}/0", start, stop
    if process.poll() is None:
        stop()


@pytest.mark.integration
def test_healthz_follows_a_stopped_and_restarted_redis(client, archive, own_redis, settings):
    url, start, stop = own_redis
    settings.CACHES = redis_caches(url)
    assert client.get("/healthz").json() == {"database": "ok", "cache": "ok"}
    stop()
    assert client.get(LIST).status_code == 200  # Opens the circuit.
    health = client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"database": "ok", "cache": "unavailable"})
    assert caches["pages"].circuit_open()
    start()
    # Back at once, though the circuit that the failure opened has seconds to run.
    assert client.get("/healthz").json() == {"database": "ok", "cache": "ok"}
    assert not caches["pages"].circuit_open()
    assert client.get(LIST).status_code == 200


@pytest.mark.integration
@pytest.mark.django_db
def test_parallel_healthz_probes_all_find_a_working_redis_ok(redis_db, settings):
    """Load balancers probe every app server at once: six probes at a time against a Redis that works
    must all say "ok", and leave no key behind."""
    settings.CACHES = redis_db.caches()
    answers = []

    def probe():
        prober = Client()
        answers.extend(prober.get("/healthz").json()["cache"] for _ in range(40))
        connection.close()  # this thread's own

    probes = [threading.Thread(target=probe) for _ in range(6)]
    for thread in probes:
        thread.start()
    for thread in probes:
        thread.join()
    assert answers.count("ok") == len(answers) == 240
    assert redis_db.keys() == set()


# -- throttle counts shared across workers ---------------------------------------------------------


@pytest.mark.integration
def test_throttle_counts_are_shared_by_two_workers_caches(redis_db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    settings.CACHES = redis_db.caches()
    # Two cache objects made from the settings, as two gunicorn workers each make their own.
    workers = [caches.create_connection("default"), caches.create_connection("default")]
    assert workers[0] is not workers[1]
    request = RequestFactory().get("/api/v1/documents/", REMOTE_ADDR="192.0.2.7")
    request.user = None
    allowed = []
    for turn in range(6):
        throttle = AnonymousThrottle()
        throttle.cache = workers[turn % 2]
        allowed.append(throttle.allow_request(request, None))
    assert allowed == [True, True, True, False, False, False]


# -- an unpublication racing another change ------------------------------------------------------


def test_an_unpublication_moves_the_stamp_past_changes_committed_before_it(archive, django_capture_on_commit_callbacks):
    """Its tombstone's time is read when it is made; another curator's edit that reads a later time
    and commits first must not leave the stamp (and so every cached page keyed on it) past the
    unpublication once that commits: the tombstone is stamped again when its transaction commits."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from documents.models import DocumentChange
    from documents.ops.stamps import archive_stamp

    with django_capture_on_commit_callbacks(execute=True):
        archive["first"].status = Document.Status.DRAFT
        archive["first"].save()
        made_at = DocumentChange.objects.get(record_id=archive["first"].record_id).changed_at
        # The other edit, stamped after the tombstone was made (it committed first in real life).
        Document.objects.filter(pk=archive["second"].pk).update(modified_at=timezone.now())
        edited_at = Document.objects.get(pk=archive["second"].pk).modified_at
        assert made_at < edited_at
    stamped_at = DocumentChange.objects.get(record_id=archive["first"].record_id).changed_at
    assert stamped_at > edited_at
    assert archive_stamp(AnonymousUser()) == stamped_at


def test_a_record_published_again_before_the_restamp_keeps_the_publication_newest(
    archive, django_capture_on_commit_callbacks
):
    """The unpublication commits, the record is published again at once, then the restamp runs:
    the tombstone must not end up newer than the publication (a mirror would delete the record)."""
    from documents.models import DocumentChange

    first = archive["first"]
    with django_capture_on_commit_callbacks() as after_commit:
        first.status = Document.Status.DRAFT
        first.save()
    first.status = Document.Status.PUBLISHED
    first.save()
    for callback in after_commit:
        callback()
    tombstone = DocumentChange.objects.get(record_id=first.record_id)
    first.refresh_from_db()
    assert tombstone.changed_at < first.modified_at


def test_a_document_unpublished_while_its_page_is_being_made_is_not_shown(client, archive, page_cache):
    """The page's narrow read finds the document published; an editor puts it back to draft with
    new text before the page's parts are read. The reader gets a 404, never the draft."""
    first = archive["first"]
    done = []

    def unpublish_after_the_narrow_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and 'FROM "documents_document"' in sql and "record_id" in sql:
            done.append(True)
            Document.objects.filter(pk=first.pk).update(status=Document.Status.DRAFT, text="SECRET DRAFT TEXT")
        return result

    with connection.execute_wrapper(unpublish_after_the_narrow_read):
        response = client.get(first.get_absolute_url())
    assert done
    assert response.status_code == 404
    assert b"SECRET DRAFT TEXT" not in response.content
    # Nothing was kept for the next reader either.
    assert client.get(first.get_absolute_url()).status_code == 404


def test_a_new_release_does_not_serve_the_old_releases_fragments(client, archive, page_cache, settings):
    """Fragments are kept per release (settings.RELEASE): after an upgrade, with the same archive and
    the same shared Redis, pages are rendered again by the new templates, never read back from the old."""
    settings.RELEASE = "2026.11.0"
    url = archive["first"].get_absolute_url()
    get(client, url)
    _, cached_queries = get(client, url)
    assert len(cached_queries) == 3
    settings.RELEASE = "2026.12.0"
    _, upgraded_queries = get(client, url)
    assert len(upgraded_queries) > 3
    assert touches(upgraded_queries, "documentperson")


def test_check_deploy_warns_when_a_shared_page_cache_has_no_release(settings):
    settings.CACHES = redis_caches(REDIS)
    settings.RELEASE = ""
    assert [warning.id for warning in release_is_known(None)] == ["documents.W002"]
    settings.RELEASE = "2026.12.0"
    assert release_is_known(None) == []
    settings.CACHES, settings.RELEASE = LOCAL, ""  # each process's memory: a restart empties it anyway
    assert release_is_known(None) == []


def test_a_document_page_is_cached_per_host(client, archive, page_cache, settings):
    """Its links (canonical, IIIF, the citation's URL) name the host it was asked on: a page cached
    for one host must not send readers of another to it."""
    settings.ALLOWED_HOSTS = ["archive.example.org", "mirror.example.net"]
    url = archive["first"].get_absolute_url()
    for host in ("archive.example.org", "mirror.example.net", "archive.example.org"):
        response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 200
        assert f'<link rel="canonical" href="http://{host}{url}">' in response.content.decode()
