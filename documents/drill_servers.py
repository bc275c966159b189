"""Real servers for the fault drills (documents/drills.py) and the tests that need several processes:
gunicorn, a private PostgreSQL cluster, a private Redis, and a small HTTP client.

Nothing here touches the machine's own PostgreSQL or Redis: the drills stop and start servers of
their own, on free ports, in temporary folders that are removed afterwards."""

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
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMP_PREFIX = "archive-drills-"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url, **extra):
    """The environment of a production-like app process (as make serve): debug off, plain HTTP."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "API_"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The drills' readers come from one address: no 429 may hide what a fault does.
        "API_ANON_RATE": "1000000/minute",
        "PYTHONUNBUFFERED": "1",
    }
    return env | {key: str(value) for key, value in extra.items()}


def manage(env, *args, timeout=600):
    """Run manage.py; its standard output, or an error that carries its standard error."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


CURATOR_PASSWORD = "drill-curator-password-1"
_MAKE_CURATOR = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from documents import roles
user = User.objects.create_user("drill-curator", password={password!r}, is_staff=True)
user.groups.add(Group.objects.get(name=roles.CURATOR))
print(Token.objects.create(user=user).key)
"""


def prepare_database(env, corpus=0):
    """Migrate, load the demo archive (and a synthetic corpus of that many documents), make a
    curator with a password and an API token; the token."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", "-v0")
    if corpus:
        manage(env, "generate_corpus", "--documents", str(corpus), "--seed", "1", "-v0", timeout=1200)
    manage(env, "setup_roles", "-v0")
    return manage(env, "shell", "-v0", "-c", _MAKE_CURATOR.format(password=CURATOR_PASSWORD)).strip().splitlines()[-1]


def collect_static(env):
    """With debug off, pages name hashed static files, which collectstatic writes (as make serve)."""
    manage(env, "collectstatic", "--noinput", "-v0")


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


class SlowClients:
    """Connections that send a request head a byte at a time and never finish it (slowloris), until
    stopped."""

    REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client\r\nX-Padding: " + b"x" * 200

    def __init__(self, port, count=20, interval=1.0):
        self.port, self.count, self.interval = port, count, interval
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._trickle) for _ in range(count)]

    def _trickle(self):
        while not self.stopping.is_set():  # a connection the server closes is opened again, as attackers do
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                for byte in self.REQUEST:
                    sock.sendall(bytes([byte]))
                    if self.stopping.wait(self.interval):
                        return
            self.stopping.wait(self.interval)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def _as_postgres():
    """PostgreSQL refuses to run as root: as root, its commands run as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def postgres_bin():
    """The newest installed PostgreSQL's programs (DRILLS_PG_BIN to choose)."""
    if os.environ.get("DRILLS_PG_BIN"):
        return Path(os.environ["DRILLS_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("No PostgreSQL server programs found (apt-get install postgresql, or set DRILLS_PG_BIN)")
    return found[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster of the drills' own (trust authentication, 127.0.0.1, a free port)."""

    def __init__(self):
        self.bin, self.port = postgres_bin(), free_port()
        self.folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def url(self, database="archive_drills"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args, timeout=120):
        result = subprocess.run(
            [*_as_postgres(), *args], capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr[-2000:]}{result.stdout[-2000:]}")
        return result.stdout

    def create(self, database="archive_drills"):
        self._pg(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        self.sql(f"CREATE DATABASE {database}", database="postgres")
        return self

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._pg(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start"
        )

    def stop(self, mode="fast"):
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def processes(self):
        """The postmaster and every process it started (backends, checkpointer, WAL writer…)."""
        postmaster = (self.data / "postmaster.pid").read_text().split()[0]
        children = subprocess.run(["pgrep", "-P", postmaster], capture_output=True, text=True).stdout.split()
        return [int(pid) for pid in [postmaster, *children]]

    def freeze(self):
        """Stop every process of the server (SIGSTOP): the machine stays up and its kernel goes on
        accepting connections and acknowledging what is sent, but nothing answers."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def version(self):
        return self._pg(str(self.bin / "postgres"), "--version").strip()

    def connect(self, database="archive_drills", autocommit=True):
        import psycopg

        return psycopg.connect(self.url(database), autocommit=autocommit)

    def sql(self, query, params=None, database="archive_drills"):
        with self.connect(database) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def destroy(self):
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(OSError, IndexError):
                self.thaw()  # a frozen server would not stop
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A redis-server of the drills' own: no persistence, a free port."""

    def __init__(self):
        self.port, self.process = free_port(), None
        self.folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + "redis-"))

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def version(self):
        return subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split(" build")[0]

    def destroy(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_leftovers():
    """What a drill run that was killed may have left: private clusters still running, temporary
    folders. Only names this module makes (archive-drills-*) are touched."""
    temp = Path(tempfile.gettempdir())
    for pid_file in temp.glob(TEMP_PREFIX + "pg-*/data/postmaster.pid"):
        subprocess.run(
            [*_as_postgres(), str(postgres_bin() / "pg_ctl"), "-D", str(pid_file.parent), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
    for path in temp.glob(TEMP_PREFIX + "*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
