"""The fault drills' own servers (a private PostgreSQL cluster, a private Redis), slow clients, and the
app's processes prepared for a drill or a test: its environment, its database, its static files.
gunicorn, nginx and the HTTP client are the app's (documents/ops/servers.py, which make serve-nginx
uses too).

Nothing here touches the machine's own PostgreSQL or Redis: the drills stop and start servers of
their own, on free ports, in temporary folders that are removed afterwards."""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from documents.ops.servers import ROOT, TEMP_PREFIX, free_port

TOOLS = Path(__file__).resolve().parent.parent


def server_env(database_url, **extra):
    """The environment of a production-like app process (as make serve): debug off, plain HTTP."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "API_"))
    }
    # The tests' servers read static files from the apps' folders as the tests do (tests/settings.py);
    # the drills' collect them first.
    if "DJANGO_STATIC_FROM_APPS" in os.environ:
        env["DJANGO_STATIC_FROM_APPS"] = os.environ["DJANGO_STATIC_FROM_APPS"]
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
    return _python(env, "manage.py", [str(ROOT / "manage.py"), *args], timeout)


def tool(env, name, *args, timeout=600):
    """Run a tool as make does (PYTHONPATH=tools python -m NAME, tools/README.md), as manage() runs manage.py."""
    env = env | {"PYTHONPATH": os.pathsep.join(filter(None, [str(TOOLS), env.get("PYTHONPATH")]))}
    return _python(env, "python -m", ["-m", name, *args], timeout)


def _python(env, title, argv, timeout):
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"{title} {' '.join(argv[1:])} failed:\n{result.stderr[-3000:]}")
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
        tool(env, "corpus", "--documents", str(corpus), "--seed", "1", "-v0", timeout=1200)
    manage(env, "setup_roles", "-v0")
    return manage(env, "shell", "-v0", "-c", _MAKE_CURATOR.format(password=CURATOR_PASSWORD)).strip().splitlines()[-1]


def collect_static(env):
    """With debug off, pages name hashed static files, which collectstatic writes (as make serve)."""
    manage(env, "collectstatic", "--noinput", "-v0")


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
