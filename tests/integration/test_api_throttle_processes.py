"""The anonymous rate holds across several app server processes (issue 5).

Two real servers (``manage.py runserver --noreload``, each its own process) share one database and
so the database cache table ``archive_cache`` that settings.CACHES names when REDIS_URL is unset.
A client that alternates between them is counted once for the site: past API_ANON_RATE it gets a
429 with Retry-After from either, and an X-Forwarded-For it makes up does not make it someone new.

The servers use a SQLite file of their own, migrated for the test, whatever database the test run
uses: the point is several processes sharing one cache, which a file shares as PostgreSQL would."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RATE = 4  # requests a minute
PATH = "/api/v1/types/"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, headers=None):
    """(status, headers) of a GET, errors included."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{PATH}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def wait_for(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} stopped: {process.communicate()[0][-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server on port {port} after {seconds} s")


@pytest.fixture
def two_servers(tmp_path):
    """The ports of two server processes on one freshly migrated SQLite file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "API_ANON_RATE", "API_NUM_PROXIES")
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "API_ANON_RATE": f"{RATE}/minute",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_for(port, server)
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            server.stdout.close()


def test_the_anonymous_rate_holds_across_two_server_processes(two_servers):
    first, second = two_servers
    # RATE requests in all, alternately to each process: each has seen only half of them.
    statuses = [get(port)[0] for port in [first, second] * (RATE // 2)]
    assert statuses == [200] * RATE
    for port in (first, second):
        status, headers = get(port)
        assert status == 429, f"port {port} let request {RATE + 1} through"
        assert 0 < int(headers["Retry-After"]) <= 60
    # A made-up X-Forwarded-For is the same client still, on either process.
    for port in (first, second):
        for forwarded in ("203.0.113.9", "198.51.100.7, 203.0.113.10"):
            assert get(port, {"X-Forwarded-For": forwarded})[0] == 429
