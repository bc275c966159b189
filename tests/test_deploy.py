"""Production configuration: check --deploy is clean under the documented settings, the security
headers and the Content-Security-Policy hold on public pages, and /healthz answers load balancers.

Settings are read once per process, so the production environment is tried in subprocesses."""

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from documents.models import Document, Donor, Person

from .factories import CollectionFactory

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "archive.example.org",
}


def manage(*args, **env):
    """manage.py in a fresh process with only the given settings variables (plus PATH and the like):
    no DATABASE_URL (so SQLite), none of the variables tests/settings.py sets."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(**env):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name, None) "
        "for name in ['DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'STORAGES', 'DATABASES', "
        "'SECURE_CSP']}, default=str))"
    )
    result = manage("shell", "-v", "0", "-c", code, **PRODUCTION_ENV | env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_only_the_secret_key_and_hosts_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_is_clean_when_https_is_turned_off_on_purpose():
    """DJANGO_HTTPS=0 (TLS handled elsewhere, or plain HTTP on a laptop) silences the four HTTPS
    warnings it causes, and nothing else."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, DJANGO_HTTPS="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_the_release_is_archive_release_else_the_commit_checked_out():
    code = "from django.conf import settings; print(settings.RELEASE)"
    result = manage("shell", "-v", "0", "-c", code, ARCHIVE_RELEASE="2026.12.0")
    assert result.stdout.strip().splitlines()[-1] == "2026.12.0", result.stderr
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True)
    result = manage("shell", "-v", "0", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == commit.stdout.strip(), result.stderr


def test_debug_off_means_https_only():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    # Trusting X-Forwarded-Proto is opt-in: without a proxy that sets it, a client could fake HTTPS.
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert "'unsafe-inline'" not in json.dumps(values["SECURE_CSP"])
    # Hashed static file names, persistent health-checked database connections.
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True


def test_the_forwarded_protocol_is_trusted_only_when_asked_for_and_https_can_be_turned_off():
    values = production_settings(DJANGO_TRUST_X_FORWARDED_PROTO="1", DJANGO_HSTS_INCLUDE_SUBDOMAINS="0")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    values = production_settings(DJANGO_HTTPS="0")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_plain_http_is_redirected_and_a_trusted_proxy_is_believed(tmp_path):
    code = (
        "from django.test import Client; c = Client(HTTP_HOST='archive.example.org'); "
        "r = c.get('/documents/'); print(r.status_code, r.get('Location')); "
        "r = c.get('/healthz', HTTP_X_FORWARDED_PROTO='https'); "
        "print(r.status_code, r.get('Strict-Transport-Security'))"
    )
    env = PRODUCTION_ENV | {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    # Without DJANGO_TRUST_X_FORWARDED_PROTO a client's X-Forwarded-Proto proves nothing: no HSTS.
    assert result.stdout.strip().splitlines()[-2:] == ["301 https://archive.example.org/documents/", "200 None"]
    result = manage("shell", "-v", "0", "-c", code, **env, DJANGO_TRUST_X_FORWARDED_PROTO="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200 max-age=31536000; includeSubDomains"


# Security headers and the Content-Security-Policy --------------------------------------------


@pytest.mark.django_db
def test_public_pages_carry_the_security_headers(client, demo):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block: inline scripts (JSON-LD data
    blocks are data, not code), <style> elements, style attributes and on* handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/ld+json":
            self.found.append(self.get_starttag_text())
        if tag == "style":
            self.found.append(self.get_starttag_text())
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(self.get_starttag_text())

    handle_startendtag = handle_starttag


def inline_code(response):
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.mark.django_db
def test_public_pages_have_no_inline_script_style_or_handlers(client, demo):
    collection = CollectionFactory(name="Cold War Correspondence")
    collection.documents.add(*Document.objects.published())
    document = Document.objects.published().get(record_id=121773)
    person = Person.objects.get(slug="joseph-stalin")
    donor = Donor.objects.filter(documents__in=Document.objects.published()).first()
    paths = [
        "/",
        "/documents/",
        "/documents/?q=stalin",
        document.get_absolute_url(),
        "/people/",
        person.get_absolute_url(),
        "/collections/",
        collection.get_absolute_url(),
        "/donors/",
        donor.get_absolute_url(),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response) == [], path
    # The histograms are drawn without inline styles, still drawn.
    assert b'<svg class="bar"' in client.get("/documents/").content
    assert b'<svg class="bar"' in client.get(person.get_absolute_url()).content


@pytest.mark.django_db
def test_the_admins_document_pages_have_no_inline_code(staff_client, demo):
    document = Document.objects.get(record_id=121773)
    for path in [
        "/admin/",
        "/admin/documents/document/",
        f"/admin/documents/document/{document.pk}/change/",
        f"/admin/documents/document/{document.pk}/history/",
    ]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert inline_code(response) == [], path


# /healthz ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def healthz_in_production(database_url):
    """GET /healthz over plain HTTP, with a host outside ALLOWED_HOSTS (a load balancer probing an
    address), in a process with the production settings and the given database."""
    code = (
        "from django.test import Client; r = Client().get('/healthz', HTTP_HOST='10.0.0.7'); "
        "print(r.status_code, r.content.decode(), r.get('Location', ''))"
    )
    result = manage("shell", "-v", "0", "-c", code, **PRODUCTION_ENV, DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)


def test_healthz_answers_plain_http_probes_by_address(tmp_path):
    # A new SQLite file answers SELECT 1 but has no cache table: the cache fails, the site still
    # works (slower), so the answer stays 200.
    status, body = healthz_in_production(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert (status, body) == (200, {"database": "ok", "cache": "unavailable"})


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    # A real failure: the database file's folder does not exist, so every connection fails.
    status, body = healthz_in_production(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    assert (status, body) == (503, {"database": "unavailable", "cache": "unavailable"})
