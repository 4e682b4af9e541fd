"""Reads that may lag go to a real streaming replica; writes and decisions stay on the primary.

The test builds its own PostgreSQL 15 primary and a streaming replica (pg_basebackup) on free
ports, runs the app (gunicorn) with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the
replica, and pauses WAL replay on the replica so that anything read from it is visibly stale.
"""

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
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args, **kwargs):
    # initdb refuses to run as root; the machine's postgres account owns the clusters then.
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs)


class Cluster:
    def __init__(self, base: Path, name: str):
        self.data = base / name
        self.port = _free_port()
        self.socket_dir = base

    def start(self):
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data) + ".log", "-w",
                      "-o", f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1", "start"])

    def stop(self):
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60, check=False,
        )

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                             "-d", database, "-tAc", statement]).stdout.strip()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def primary_and_replica():
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.fail("PostgreSQL 15 server binaries are needed (apt-get install postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="gigbook-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = Cluster(base, "primary"), Cluster(base, "replica")
    try:
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(primary.data), "-A", "trust", "-U", "postgres",
                      "--no-sync"])
        primary.start()
        _as_postgres([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
                      "postgres", "-D", str(replica.data), "-R", "-X", "stream", "--no-sync"])
        replica.start()
        primary.sql("CREATE DATABASE gigbook")
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def _manage(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def app_on_replica(primary_and_replica, tmp_path_factory):
    primary, replica = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gigbook.settings",
        "DATABASE_URL": primary.url("gigbook"),
        "DATABASE_REPLICA_URL": replica.url("gigbook"),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "1",
        "HTTPS": "0",
        "REPLICA_PIN_SECONDS": "30",
        "GIGBOOK_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    _manage(env, "migrate", "--noinput")
    # Just the demo logins and the demo musician's approved profile, through the real services.
    _manage(env, "shell", "-c", "from gigbook.accounts.demo import seed; seed(); "
            "from musicians.demo import _seed_demo_accounts; _seed_demo_accounts()")
    port = _free_port()
    log = open(tmp_path_factory.mktemp("logs") / "web.log", "w")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "gigbook.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - local test server
            break
        except OSError:
            time.sleep(0.3)
    yield base, primary, replica
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


class Client:
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


def _login(base, email):
    status, body = Client(base).call("POST", "/api/auth/token/", {"email": email, "password": "gigbook-demo"})
    assert status == 200, body
    return body["token"]


def test_search_and_public_profiles_read_the_replica_and_a_writer_reads_their_own_write(app_on_replica):
    base, primary, replica = app_on_replica
    musician = Client(base, _login(base, "musician@gigbook.test"))
    status, mine = musician.call("GET", "/api/me/profile/")
    assert status == 200, mine
    profile_id = mine["id"]
    anonymous = Client(base)
    status, before = anonymous.call("GET", f"/api/musicians/{profile_id}/")
    assert status == 200, before
    old_rate = before["rates"]["hourly_rate"]
    new_rate = f"{float(old_rate) + 7:.2f}"

    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        status, patched = musician.call("PATCH", "/api/me/profile/", {"hourly_rate": new_rate})
        assert status == 200, patched
        assert primary.sql(f"SELECT hourly_rate FROM musicians_musicianprofile WHERE id = {int(profile_id)}",  # noqa: S608
                           "gigbook") == new_rate

        # A stranger's read comes from the (paused, stale) replica...
        assert anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == old_rate
        status, found = anonymous.call("GET", "/api/musicians/?instrument=tenor-sax&page_size=100")
        assert status == 200, found
        # ...while the musician, who just wrote, reads the primary and sees the new rate.
        assert musician.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate

        # Everything that decides runs on the primary even while the replica lags: a producer
        # books the musician and the musician accepts.
        producer = Client(base, _login(base, "producer@gigbook.test"))
        status, venue = producer.call("POST", "/api/venues/", {
            "name": "Studio One", "address": "1 Studio Lane, London", "city": "London",
            "latitude": 51.5, "longitude": -0.12, "time_zone": "Europe/London"})
        assert status == 201, venue
        starts = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(time.time() + 86400 * 40))
        ends = time.strftime("%Y-%m-%dT13:00:00Z", time.gmtime(time.time() + 86400 * 40))
        status, booking = producer.call("POST", "/api/bookings/", {
            "musician": profile_id, "instrument": "tenor-sax", "venue": venue["id"],
            "starts_at": starts, "ends_at": ends, "kind": "studio_session",
        })
        assert status == 201, booking
        status, accepted = musician.call("POST", f"/api/bookings/{booking['id']}/accept/")
        assert status == 200, accepted
        assert accepted["status"] == "accepted"
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate:
            break
        time.sleep(0.2)
    assert anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate
