"""Starting, probing and stopping the two servers, each on a free loopback port of its own."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    description: str
    ready_path: str = "/"
    log_file: object = field(default=None, repr=False)

    @property
    def host(self):
        return "127.0.0.1"

    def worker_pids(self):
        """The processes that answer requests: gunicorn's workers (its master only hands out
        connections), or the one Datasette process."""
        children = _children(self.process.pid)
        return children or [self.process.pid]

    def peak_rss_kib(self):
        """{pid: VmHWM in KiB}: each process's peak resident memory so far."""
        return {pid: _status_kib(pid, "VmHWM") for pid in self.worker_pids()}

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log_file:
            self.log_file.close()


def free_port():
    """An ephemeral port nothing listens on now (the OS picks it), never a shared service's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ours(root, python_bin, database, workers, threads, log_dir, page_cache):
    """Our app under gunicorn with make serve's production settings (debug off, plain HTTP, hashed
    static files), a gthread worker per process so that one process serves several requests at
    once as Datasette's does, and its access log to a file as Datasette's goes to one."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{Path(database).resolve()}",
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        # One client address makes every request: the API's limit (120 a minute) would answer 429.
        "API_ANON_RATE": "100000000/minute",
    }
    if not page_cache:
        env["PAGE_CACHE_TIMEOUT"] = "0"  # entries expire at once: every page is built anew
    command = [
        str(Path(python_bin).absolute().parent / "gunicorn"),
        "archive_project.wsgi",
        "--chdir", str(root),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--timeout", "300",
        "--access-logfile", str(Path(log_dir) / "ours-access.log"),
    ]  # fmt: skip
    description = (
        f"gunicorn, {workers} worker process{'es' if workers > 1 else ''} × {threads} threads (gthread), "
        f"page cache {'on' if page_cache else 'off'}"
    )
    return _spawn("ours", command, env, port, log_dir, description, ready_path="/healthz")


def start_datasette(datasette_bin, database, metadata_path, settings, log_dir):
    """Datasette serving its copy immutable (-i, as `datasette publish` does for data that does not
    change), one process with its default pool of SQL threads."""
    port = free_port()
    command = [str(datasette_bin), "serve", "-i", str(database), "-h", "127.0.0.1", "-p", str(port)]
    command += ["--metadata", str(metadata_path)]
    for name, value in settings.items():
        command += ["--setting", name, str(value)]
    version = subprocess.run([str(datasette_bin), "--version"], capture_output=True, text=True).stdout.strip()
    description = f"{version}, one process (uvicorn), immutable file, " + ", ".join(
        f"{name}={value}" for name, value in settings.items()
    )
    return _spawn("datasette", command, dict(os.environ), port, log_dir, description, ready_path="/-/versions.json")


def _spawn(name, command, env, port, log_dir, description, ready_path):
    log_path = Path(log_dir) / f"{name}.log"
    log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed by Server.stop)
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process, log_path, description, ready_path, log_file)
    try:
        wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def wait_ready(server, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}; see {server.log_path}")
        try:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
            connection.request("GET", server.ready_path)
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {timeout} s; see {server.log_path}")


def _children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _status_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0
