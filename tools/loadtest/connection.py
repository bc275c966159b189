"""The load test's HTTP client (http.client, stdlib): one connection per reader or curator, reopened
when the server closes it, and the wait for a server's /healthz."""

import http.client
import time
from urllib.parse import urlsplit

TIMEOUT = 30.0  # seconds: a response slower than this is an error


class Connection:
    """One client's connection, reopened when the server closes it (gunicorn's sync workers close
    after every response)."""

    def __init__(self, base_url, timeout=TIMEOUT):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.http = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body, seconds) for a complete response; raises OSError or HTTPException."""
        if self.http is None:
            self.http = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.http.request(method, path, body=body, headers=headers or {})
            response = self.http.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:
            self.close()
        return response.status, response, data, seconds

    def close(self):
        if self.http is not None:
            self.http.close()
            self.http = None


def wait_until_healthy(base_url, seconds=60, process=None):
    """Poll /healthz until it answers 200; False if it never does (or the server process ended)."""
    connection = Connection(base_url, timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            if connection.request("GET", "/healthz")[0] == 200:
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.25)
    return False
