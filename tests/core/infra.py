"""Real infrastructure for the scale-out tests: PostgreSQL clusters, a streaming replica, PgBouncer,
app processes (gunicorn, Celery worker and beat). Everything on 127.0.0.1, on free ports, stopped at
the end."""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
_AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(args, **kwargs):
    # initdb and pgbouncer refuse to run as root; the machine's postgres account runs them then.
    return subprocess.run([*_AS_POSTGRES, *args], check=True, capture_output=True, text=True, timeout=180, **kwargs)


class Cluster:
    def __init__(self, base: Path, name: str):
        self.data = base / name
        self.port = free_port()
        self.socket_dir = base

    def start(self):
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data) + ".log", "-w",
                     "-o", f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1", "start"])

    def stop(self):
        subprocess.run([*_AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)

    def sql(self, statement: str, database: str = "postgres") -> str:
        return as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                            "-d", database, "-tAc", statement]).stdout.strip()

    def url(self, database: str, port: int | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{port or self.port}/{database}"


@contextmanager
def primary_and_replica(database: str = "gigbook"):
    """A fresh primary with ``database`` and a streaming replica of it (pg_basebackup -R)."""
    if not (PG_BIN / "pg_basebackup").exists():
        raise RuntimeError("PostgreSQL 15 server binaries are needed (apt-get install postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="gigbook-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = Cluster(base, "primary"), Cluster(base, "replica")
    try:
        as_postgres([str(PG_BIN / "initdb"), "-D", str(primary.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        primary.start()
        as_postgres([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                     "-D", str(replica.data), "-R", "-X", "stream", "--no-sync"])
        replica.start()
        primary.sql(f"CREATE DATABASE {database}")
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def pgbouncer(upstream: Cluster):
    """A real PgBouncer in transaction pooling mode in front of ``upstream``; yields its port."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    base = Path(tempfile.mkdtemp(prefix="gigbook-pgbouncer-"))
    port = free_port()
    (base / "userlist.txt").write_text('"postgres" ""\n')
    (base / "pgbouncer.ini").write_text(
        f"[databases]\n* = host=127.0.0.1 port={upstream.port}\n[pgbouncer]\nlisten_addr = 127.0.0.1\n"
        f"listen_port = {port}\nunix_socket_dir = {base}\nauth_type = trust\nauth_file = {base}/userlist.txt\n"
        "pool_mode = transaction\nmax_client_conn = 500\ndefault_pool_size = 20\n"
        "ignore_startup_parameters = extra_float_digits,options\nserver_reset_query =\n"
        f"logfile = {base}/pgbouncer.log\npidfile = {base}/pgbouncer.pid\n"
    )
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        for path in base.iterdir():
            shutil.chown(path, "postgres", "postgres")
    as_postgres([binary, "-d", str(base / "pgbouncer.ini")])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        pid = (base / "pgbouncer.pid").read_text().strip() if (base / "pgbouncer.pid").exists() else ""
        if pid:
            subprocess.run([*_AS_POSTGRES, "kill", pid], check=False, capture_output=True)
            time.sleep(0.3)
        shutil.rmtree(base, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


class Process:
    """An app process in its own process group (kill -9 takes its children too)."""

    def __init__(self, command: list[str], env: dict, log_path: Path):
        self.command, self.env, self.log_path = command, env, log_path
        self.popen = None
        self.start()

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115 - owned by the process
        self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def gunicorn(env: dict, port: int, log_path: Path) -> Process:
    process = Process([str(Path(sys.executable).with_name("gunicorn")), "gigbook.wsgi:application", "--bind",
                       f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"], env, log_path)
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def celery(env: dict, kind: str, name: str, log_path: Path) -> Process:
    celery_bin = str(Path(sys.executable).with_name("celery"))
    if kind == "worker":
        command = [celery_bin, "-A", "gigbook", "worker", "--loglevel=INFO", "--concurrency=1", "--pool=prefork",
                   f"--hostname={name}@%h", "--without-gossip", "--without-mingle"]
    else:
        command = [celery_bin, "-A", "gigbook", "beat", "--loglevel=INFO", f"--schedule={log_path}.schedule"]
    process = Process(command, env, log_path)
    if kind == "worker":
        deadline = time.monotonic() + 60
        while "ready." not in process.log():
            assert process.popen.poll() is None and time.monotonic() < deadline, process.log()[-3000:]
            time.sleep(0.2)
    return process


def wait_http(url: str, process: Process | None = None, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - local test server
            return
        except OSError:
            if time.monotonic() > deadline or (process and process.popen.poll() is not None):
                raise AssertionError(f"{url} did not answer" + (f":\n{process.log()[-3000:]}" if process else ""))
            time.sleep(0.3)


class ApiClient:
    """JSON over HTTP with a cookie jar (like a browser) and, once signed in, a token."""

    def __init__(self, base, token=None):
        self.base = base
        self.token = token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


def api_login(base, email, password="gigbook-demo"):
    status, body = ApiClient(base).call("POST", "/api/auth/token/", {"email": email, "password": password})
    assert status == 200, body
    return body["token"]


def form_post(client: ApiClient, path: str, data: dict) -> int:
    """Submit a page's form as a browser does: GET it (CSRF cookie and field), then POST."""
    import re
    from urllib.parse import urlencode

    with client.opener.open(client.base + path, timeout=20) as response:
        page = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, page[:2000]
    body = urlencode({**data, "csrfmiddlewaretoken": match.group(1)}).encode()
    request = urllib.request.Request(client.base + path, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Referer": client.base + path})
    try:
        with client.opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
