import threading
from io import StringIO
from pathlib import Path

import django.test.testcases
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from documents import roles, search
from documents.models import record_ids

# Django's live server answers MEDIA_URL from MEDIA_ROOT itself (django.views.static), which no
# deployment of this site does: the browser and nginx tests get every file from the views that check
# who may see it and set its type and headers (documents/web/media.py), as users do.
django.test.testcases._MediaFilesHandler = lambda application: application


class OneRequestAtATimeServer(django.test.testcases.ThreadedWSGIServer):
    """The live server on the test database in SQLite's memory: its request threads share the test's
    one connection (nothing else can see that database), and a browser's parallel requests (a page,
    its thumbnails, jsi18n) using it at once fail with "bad parameter or other API misuse". Requests
    take turns here; connections still get a thread each, so keep-alive never blocks another."""

    def set_app(self, application):
        turn = threading.Lock()

        def one_at_a_time(environ, start_response):
            with turn:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    django.test.testcases.LiveServerThread.server_class = OneRequestAtATimeServer


ROOT = Path(__file__).resolve().parent.parent
# Each folder's tests carry its marker (registered in pyproject.toml), so that make test can leave out
# what starts servers, drives a browser or tests the tools: -m "not integration and not browser and not tooling".
FOLDER_MARKERS = {"tests/integration": "integration", "tests/browser": "browser", "tools": "tooling"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark each test by its folder (before -m selects), and refuse a transactional test without
    serialized_rollback: its flush would take the migrations' data (languages, relation types,
    roles) from every later test on the same worker, and those tests would fail far from the cause."""
    for item in items:
        for folder, marker in FOLDER_MARKERS.items():
            if item.path.is_relative_to(ROOT / folder):
                item.add_marker(marker)
    unsafe = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = marker.kwargs if marker else {}
        fixtures = getattr(item, "fixturenames", ())
        transactional = kwargs.get("transaction") or {"live_server", "transactional_db"} & set(fixtures)
        if transactional and not kwargs.get("serialized_rollback"):
            unsafe.append(item.nodeid)
    if unsafe:
        raise pytest.UsageError(
            "Mark these tests django_db(transaction=True, serialized_rollback=True):\n  " + "\n  ".join(unsafe)
        )


@pytest.fixture(scope="session")
def search_index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("search") / "index"


@pytest.fixture(autouse=True)
def search_index(settings, search_index_dir):
    """An empty search index per test (the database starts empty too), which every search first
    brings up to date from the outbox: the test's own writes are never committed, so no commit sends
    them (tests of the commit path itself set SEARCH_SYNC_INTERVAL back)."""
    settings.SEARCH_INDEX_DIR = str(search_index_dir)
    settings.SEARCH_SYNC_INTERVAL = 0
    search.clear()
    return search_index_dir


@pytest.fixture
def no_catching_up(settings):
    """Only commits (and explicit syncs) write the index: searches never catch up by themselves."""
    settings.SEARCH_SYNC_INTERVAL = 10**9


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a fresh folder per test, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_record_ids(db):
    """The record ID counter of a freshly migrated database, which has issued nothing yet. PostgreSQL's
    sequence is not rolled back with a test's transaction: without this, it is wherever earlier tests
    left it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(%s, 1, false)", [record_ids.SEQUENCE])
        else:
            cursor.execute(f"UPDATE {record_ids.COUNTER} SET last = 0")


@pytest.fixture
def demo(db):
    """The demo archive: the seed record 121773 and its four related documents."""
    call_command("load_demo", verbosity=0)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.fixture
def role_groups(db):
    """The Curator and Editor groups, as documents/roles.py defines them."""
    call_command("setup_roles", verbosity=0, stdout=StringIO())
    return {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}


@pytest.fixture
def curator(role_groups, django_user_model):
    """A staff member in the Curator group: describes documents, saves drafts, never publishes."""
    user = django_user_model.objects.create_user("curator", password="a-long-test-password", is_staff=True)
    user.groups.add(role_groups[roles.CURATOR])
    return user


@pytest.fixture
def editor(role_groups, django_user_model):
    """A staff member in the Editor group: a curator who also publishes, unpublishes and deletes."""
    user = django_user_model.objects.create_user("group-editor", password="a-long-test-password", is_staff=True)
    user.groups.add(role_groups[roles.EDITOR])
    return user


@pytest.fixture
def curator_client(client, curator):
    """Logged in as a curator: may add, change and view the archive's records but not publish."""
    client.force_login(curator)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create users often; the real hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
