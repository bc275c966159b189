"""Real servers on free ports: gunicorn serving the app, Debian's nginx in front of it with the site of
docs/nginx/archive.conf, and a small HTTP client. For make serve-nginx (manage.py serve_nginx), and
for the load test and the fault drills (tools/loadtest/, tools/drills/, whose private PostgreSQL and
Redis are in tools/drills/servers.py) and the tests that need several processes."""

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEMP_PREFIX = "archive-drills-"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving the app on a free port, its output (Django's log included) in a file."""

    def __init__(self, env, workers=3, log=None):
        self.env, self.workers, self.port = env, workers, free_port()
        self.log = Path(log or tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".log")[1])
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        command = [str(BIN / "gunicorn"), "archive_project.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--timeout", "60", "--graceful-timeout", "5"]
        with self.log.open("ab") as log:
            # Its own session: a Ctrl-C reaches only the command that started it, which stops it in order.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{self.log_text()[-3000:]}")
            if Client(self.url).get("/healthz", timeout=2).status:
                return self
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


NGINX_SITE = ROOT / "docs" / "nginx" / "archive.conf"
# The rest of an nginx.conf around the site, for an nginx of our own (Debian's /etc/nginx/nginx.conf
# does the same for a real deployment).
_NGINX_MAIN = """
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/archive.conf;
}}
"""


class Nginx:
    """nginx (Debian's) with the site of docs/nginx/archive.conf on a port of its own, in front of an
    app server (upstream: "127.0.0.1:PORT"), in a temporary folder of its own.

    media_root and scan_root are the folders its internal locations send uploads from, once the app
    (run with DJANGO_MEDIA_ACCEL_REDIRECT and DJANGO_SCAN_ACCEL_REDIRECT, as serve_nginx does) has said
    yes; by default this process's settings MEDIA_ROOT and SCAN_ROOT, scan_root by default the media
    folder's scans/ (as documents.files.storage.ScanStorage)."""

    def __init__(self, upstream, static_root, port=None, media_root=None, scan_root=None):
        from django.conf import settings

        if media_root is None:
            media_root, scan_root = settings.MEDIA_ROOT, scan_root or settings.SCAN_ROOT
        media_root = Path(media_root)
        self.upstream, self.static_root, self.port = upstream, Path(static_root), port or free_port()
        self.media_root, self.scan_root = media_root, Path(scan_root or media_root / "scans")
        self.folder, self.process = None, None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def site(self):
        """docs/nginx/archive.conf with every @NAME@ replaced."""
        values = {"@UPSTREAM@": self.upstream, "@LISTEN@": f"127.0.0.1:{self.port}", "@SERVER_NAME@": "_"}
        for name, folder in (("STATIC", self.static_root), ("MEDIA", self.media_root), ("SCAN", self.scan_root)):
            values[f"@{name}_ROOT@"] = str(folder.resolve()).rstrip("/")  # the file adds the trailing slash
        text = NGINX_SITE.read_text()
        for name, value in values.items():
            text = text.replace(name, value)
        directives = "\n".join(line.partition("#")[0] for line in text.splitlines())
        left = sorted(set(re.findall(r"@[A-Z_]+@", directives)))
        if left:
            raise RuntimeError(f"{NGINX_SITE} has placeholders Nginx does not fill: {', '.join(left)}")
        return text

    def start(self):
        program = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(program).exists():
            raise RuntimeError("nginx not found (apt-get install nginx)")
        self.folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "nginx-"))
        (self.folder / "archive.conf").write_text(self.site())
        # As root, nginx's workers would run as nobody, who may not read this folder: keep them root here.
        user = "user root;" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(_NGINX_MAIN.format(user=user, folder=self.folder))
        command = [program, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx stopped at start: {self.process.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: open connections are finished
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# -- HTTP ------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int  # 0: no answer (refused, reset or timed out)
    seconds: float
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Client:
    """One reader's or curator's connection to the app: cookies kept, redirects not followed."""

    def __init__(self, base, token=None):
        self.base = base
        self.headers = {"Authorization": f"Token {token}"} if token else {}
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, method, path, body=None, headers=None, timeout=15):
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers=self.headers | (headers or {})
        )
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Reply(response.status, time.monotonic() - started, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, time.monotonic() - started, dict(error.headers), error.read())
        except (OSError, urllib.error.URLError) as error:
            return Reply(0, time.monotonic() - started, error=str(error))

    def get(self, path, timeout=15):
        return self.request("GET", path, timeout=timeout)

    def send_json(self, method, path, data, headers=None):
        body = json.dumps(data).encode()
        return self.request(method, path, body, {"Content-Type": "application/json"} | (headers or {}))

    def cookie(self, name):
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    def post_form(self, path, fields, files=()):
        """A form POST with the page's CSRF token; files are (field, name, bytes, content type)."""
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content, content_type in files:
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": self.base + path}
        return self.request("POST", path, b"".join(parts), headers, timeout=60)

    def csrf_token(self, path):
        page = self.get(path)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if not found:
            raise RuntimeError(f"no form at {path} ({page.status})")
        return found.group(1).decode()

    def admin_login(self, username, password):
        token = self.csrf_token("/admin/login/")
        reply = self.post_form(
            "/admin/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
        )
        if reply.status != 302:
            raise RuntimeError(f"admin login failed ({reply.status})")
