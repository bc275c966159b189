"""Past one machine: the read-replica router and its pin, and the S3 storage switch (docs/deployment.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse, HttpResponseForbidden
from django.test.utils import CaptureQueriesContext

from documents.models import Document
from documents.ops.routers import PIN_COOKIE, PinPrimaryMiddleware, ReplicaRouter, pin_primary

from .factories import DocumentFactory

ROOT = Path(__file__).resolve().parent.parent
ROUTER = "documents.ops.routers.ReplicaRouter"
MIDDLEWARE = "documents.ops.routers.PinPrimaryMiddleware"
PASSWORD = "a-long-test-password"


@pytest.fixture
def router(settings):
    settings.DATABASE_REPLICAS = ["replica1", "replica2"]
    return ReplicaRouter()


def test_reads_go_to_a_replica_and_writes_to_the_primary(router):
    assert {router.db_for_read(Document) for _ in range(50)} == {"replica1", "replica2"}
    assert router.db_for_write(Document) == DEFAULT_DB_ALIAS


def test_pinned_reads_and_sessions_go_to_the_primary(router):
    with pin_primary():
        assert router.db_for_read(Document) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Document) != DEFAULT_DB_ALIAS
    assert router.db_for_read(Session) == DEFAULT_DB_ALIAS


def test_without_replicas_everything_is_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    router = ReplicaRouter()
    assert router.db_for_read(Document) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Document) == DEFAULT_DB_ALIAS


def test_migrations_only_on_the_primary_and_relations_across_copies(router):
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "documents") is True
    assert router.allow_migrate("replica1", "documents") is False
    one, other = Document(), Document()
    one._state.db, other._state.db = "replica1", DEFAULT_DB_ALIAS
    assert router.allow_relation(one, other) is True
    other._state.db = "elsewhere"
    assert router.allow_relation(one, other) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reads_inside_a_transaction_go_to_the_primary(router):
    assert router.db_for_read(Document) != DEFAULT_DB_ALIAS
    with transaction.atomic():
        assert router.db_for_read(Document) == DEFAULT_DB_ALIAS


def test_the_middleware_pins_writes_and_requests_with_the_cookie(rf, settings):
    settings.DATABASE_REPLICAS = ["replica1"]
    seen = []

    def view(request):
        seen.append(ReplicaRouter().db_for_read(Document))
        return HttpResponse(status=200)

    middleware = PinPrimaryMiddleware(view)
    response = middleware(rf.get("/documents/"))
    assert seen[-1] == "replica1" and PIN_COOKIE not in response.cookies
    response = middleware(rf.post("/anything/"))
    assert seen[-1] == DEFAULT_DB_ALIAS
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_PIN_SECONDS
    with_cookie = rf.get("/documents/")
    with_cookie.COOKIES[PIN_COOKIE] = "1"
    middleware(with_cookie)
    assert seen[-1] == DEFAULT_DB_ALIAS
    # A refused write (4xx) changed nothing: no cookie.
    refused = PinPrimaryMiddleware(lambda request: HttpResponseForbidden())
    assert PIN_COOKIE not in refused(rf.post("/anything/")).cookies
    # After the request, the pin is gone.
    assert ReplicaRouter().db_for_read(Document) == "replica1"


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """For this module's tests, a second connection, "replica1", to the test database, as settings.py's
    TEST["MIRROR"] makes one for each replica when DATABASE_REPLICA_URLS is set. (It must exist before a
    test's database fixture starts, so that the test may declare it.)"""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings["replica1"] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    yield
    if hasattr(connections._connections, "replica1"):
        connections["replica1"].close()
        delattr(connections._connections, "replica1")
    del connections.settings["replica1"]


WITH_REPLICA = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, "replica1"]
)


@pytest.fixture
def replica(settings):
    """The router and the middleware, installed as settings.py installs them with replicas."""
    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATABASE_ROUTERS = [ROUTER]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    return "replica1"


def document_queries(context):
    return [query["sql"] for query in context.captured_queries if "documents_document" in query["sql"]]


def get(client, path):
    with (
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get(path)
    assert response.status_code == 200
    return document_queries(on_replica), document_queries(on_primary)


@WITH_REPLICA
def test_a_reader_reads_the_replica(replica, client):
    DocumentFactory.create_batch(3)
    on_replica, on_primary = get(client, "/documents/")
    assert on_replica and not on_primary


@WITH_REPLICA
def test_staff_read_the_primary(replica, client, django_user_model):
    DocumentFactory.create_batch(3)
    user = django_user_model.objects.create_user("curator", password=PASSWORD, is_staff=True)
    client.force_login(user)
    on_replica, on_primary = get(client, "/documents/")
    assert on_primary and not on_replica


@WITH_REPLICA
def test_after_a_write_the_next_requests_read_the_primary(replica, client, django_user_model, settings):
    DocumentFactory.create_batch(3)
    django_user_model.objects.create_user("reader", password=PASSWORD)  # signed in, but not staff
    response = client.post("/admin/login/", {"username": "reader", "password": PASSWORD, "next": "/documents/"})
    assert response.status_code in {200, 302}
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_PIN_SECONDS
    on_replica, on_primary = get(client, "/documents/")
    assert on_primary and not on_replica
    # When the cookie has expired, the reader is back on the replica.
    del client.cookies[PIN_COOKIE]
    on_replica, on_primary = get(client, "/documents/")
    assert on_replica and not on_primary


def configured(**env):
    """What settings.py makes of these environment variables, in a fresh process."""
    script = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
from documents.files.storage import scan_storage
default, scans = storages["default"], scan_storage()
def describe(storage):
    return {name: getattr(storage, name, None) for name in (
        "bucket_name", "endpoint_url", "custom_domain", "location", "querystring_auth", "default_acl")}
print(json.dumps({
    "default": type(default).__module__ + "." + type(default).__qualname__,
    "scans": type(scans).__module__ + "." + type(scans).__qualname__,
    "default_options": describe(default), "scan_options": describe(scans),
    "public_url": default.url("documents/cover.jpg"), "scan_url": scans.url("3f0c/page-001.jpg"),
    "replicas": settings.DATABASE_REPLICAS,
    "mirrors": {alias: settings.DATABASES[alias].get("TEST", {}).get("MIRROR") for alias in settings.DATABASE_REPLICAS},
    "routers": settings.DATABASE_ROUTERS,
    "pin_middleware": "documents.ops.routers.PinPrimaryMiddleware" in settings.MIDDLEWARE,
}))
"""
    names = ("DJANGO_MEDIA_STORAGE", "DATABASE_REPLICA_URLS", "AWS_")
    base = {key: value for key, value in os.environ.items() if not key.startswith(names)}
    base.update(DJANGO_SETTINGS_MODULE="archive_project.settings", DATABASE_URL="sqlite:///unused.sqlite3")
    result = subprocess.run(
        [sys.executable, "-c", script], env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_by_default_media_are_files_and_there_are_no_replicas():
    facts = configured()
    assert facts["default"] == "documents.files.storage.MediaStorage"  # files on disk; a failed write leaves none
    assert facts["scans"] == "documents.files.storage.ScanStorage"
    assert facts["scan_url"] == "/media/scans/3f0c/page-001.jpg"
    assert facts["replicas"] == [] and facts["routers"] == [] and not facts["pin_middleware"]


def test_s3_media_and_replicas_are_configuration_only():
    facts = configured(
        DJANGO_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="archive-media",
        AWS_SCANS_BUCKET_NAME="archive-scans",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_S3_CUSTOM_DOMAIN="cdn.example.org",
        AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",
        DATABASE_REPLICA_URLS="postgres://reader@replica-a/archive, postgres://reader@replica-b/archive",
    )
    # No request leaves the machine: building the storages and their public URLs needs no network.
    assert facts["default"] == "storages.backends.s3.S3Storage"
    assert facts["default_options"] == {
        "bucket_name": "archive-media",
        "endpoint_url": "https://s3.example.org",
        "custom_domain": "cdn.example.org",
        "location": "",
        "querystring_auth": False,
        "default_acl": None,
    }
    assert facts["public_url"] == "https://cdn.example.org/documents/cover.jpg"
    # Scans: a private bucket, no CDN, and URLs that lead to the view that checks the document.
    assert facts["scans"] == "documents.files.storage_s3.S3ScanStorage"
    assert facts["scan_options"] == {
        "bucket_name": "archive-scans",
        "endpoint_url": "https://s3.example.org",
        "custom_domain": None,
        "location": "",
        "querystring_auth": True,
        "default_acl": "private",
    }
    assert facts["scan_url"] == "/media/scans/3f0c/page-001.jpg"
    assert facts["replicas"] == ["replica1", "replica2"]
    assert facts["mirrors"] == {"replica1": "default", "replica2": "default"}
    assert facts["routers"] == [ROUTER] and facts["pin_middleware"]


def test_scans_share_the_media_bucket_under_their_own_prefix_if_no_bucket_of_their_own():
    facts = configured(DJANGO_MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="archive-media")
    assert facts["scan_options"]["bucket_name"] == "archive-media"
    assert facts["scan_options"]["location"] == "scans"
    assert facts["scan_options"]["querystring_auth"] is True
