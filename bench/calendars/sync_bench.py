"""Sync 1,000 imported calendars of 500 events each from a local feed server on 2 Celery workers.

    .venv/bin/python bench/calendars/sync_bench.py                 # (re)creates gigbook_bench_calendars
    .venv/bin/python bench/calendars/sync_bench.py --calendars 200 # a smaller run

1. Writes N Google-style calendar files (bench/calendars/feeds.py: 500 VEVENTs each over the next
   170 days, timed, all-day, free and weekly-repeating with an EXDATE; ~180 KB each) to a temporary
   folder and serves them with ``python -m http.server`` (another process; it answers
   If-Modified-Since with 304).
2. Fills its own PostgreSQL database: N musicians, each with one imported calendar (encrypted address).
3. Starts two Celery worker processes (``--concurrency=1`` each), marks every calendar due and runs
   the beat sweep once (``calendars_enqueue_due``), then polls until every calendar has synced:
   full pass (fetch, parse, expand, replace busy rows). Then a second pass, where every feed answers
   304 (nothing is parsed).

Figures are printed, not asserted (target: the full pass of 1,000 calendars in under 2 minutes).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from feeds import calendar_file  # noqa: E402

from gigbook.accounts.models import User  # noqa: E402
from musicians.calendar_import import crypto, services  # noqa: E402
from musicians.calendar_import.models import ImportedCalendar  # noqa: E402
from musicians.models import BusyInterval, MusicianProfile  # noqa: E402


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database() -> None:
    connection.close()
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                             dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": f"{HERE}:{ROOT}"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_feeds(folder: Path, count: int) -> int:
    now = datetime.now(UTC)
    total = 0
    for n in range(count):
        body = calendar_file(n, now=now)
        (folder / f"cal-{n:05d}.ics").write_bytes(body)
        total += len(body)
    return total


def create_calendars(count: int, port: int) -> None:
    now = datetime.now(UTC)
    users = User.objects.bulk_create([
        User(email=f"cal{n:05d}@gigbook.test", password="!", full_name=f"Calendar Player {n}",
             time_zone="Europe/London", is_musician=True, date_joined=now)
        for n in range(count)
    ])
    profiles = MusicianProfile.objects.bulk_create([
        MusicianProfile(user=user, status=MusicianProfile.Status.APPROVED, headline="Session player", city="London",
                        currency="GBP", hourly_rate=60, languages=[], created_at=now, updated_at=now)
        for user in users
    ])
    ImportedCalendar.objects.bulk_create([
        ImportedCalendar(profile=profile, name="Google", created_at=now, next_due_at=now + timedelta(days=1),
                         url_encrypted=crypto.encrypt_url(f"http://127.0.0.1:{port}/cal-{n:05d}.ics"),
                         url_hint="127.0.0.1/…")
        for n, profile in enumerate(profiles)
    ])


def start_workers(logs: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": f"{HERE}:{ROOT}"}
    workers = []
    for name in ("cal-a", "cal-b"):
        log_file = open(logs / f"{name}.log", "w")  # noqa: SIM115 - the worker's for its lifetime
        workers.append(subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "gigbook", "worker", "--loglevel=WARNING",
             "--concurrency=1", "--pool=prefork", f"--hostname={name}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    from gigbook.celery import app

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5) or []) >= 2:
            return workers
    raise SystemExit(f"Celery workers did not start; see their logs in {logs}.")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=60)


def cpu_seconds(pids: set[int], groups: set[int]) -> float:
    """User + system CPU of these processes and of every process in these process groups (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state ppid pgrp session ... utime(12) stime(13) cutime(14) cstime(15).
        if int(entry.name) in pids or int(fields[2]) in groups:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return {row[0] for row in cursor.fetchall()}


def one_pass(count: int, timeout: float, workers: list, server) -> dict:
    """Mark every calendar due, run the sweep once, wait until each has a result newer than the start."""
    started_at = datetime.now(UTC)
    ImportedCalendar.objects.update(next_due_at=started_at - timedelta(seconds=1), claimed_until=None)
    loads = [os.getloadavg()[0]]
    groups = {worker.pid for worker in workers}
    backends = postgres_backends()
    cpu_before = cpu_seconds(backends | {server.pid}, groups)
    t0 = time.perf_counter()
    enqueued = services.calendars_enqueue_due(now=started_at)
    done = 0
    deadline = time.monotonic() + timeout
    next_load = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = ImportedCalendar.objects.filter(last_attempt_at__gte=started_at, claimed_until__isnull=True).count()
        if done >= count:
            break
        if time.monotonic() > next_load:
            loads.append(os.getloadavg()[0])
            next_load += 10
        time.sleep(0.25)
    elapsed = time.perf_counter() - t0
    # Backends opened during the pass count from zero; those open before count their difference.
    cpu = cpu_seconds(postgres_backends() | {server.pid}, groups) - cpu_before
    failed = ImportedCalendar.objects.filter(last_attempt_at__gte=started_at).exclude(last_error="").count()
    parsed = ImportedCalendar.objects.filter(last_changed_at__gte=started_at).count()
    return {"enqueued": enqueued, "done": done, "failed": failed, "parsed": parsed, "seconds": elapsed,
            "load_max": max(loads), "load_start": loads[0], "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calendars", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=900.0, help="give up a pass after this many seconds")
    args = parser.parse_args()

    log(f"load average before: {load_average()}")
    recreate_database()
    work = Path(tempfile.mkdtemp(prefix="calendar-bench-"))
    feeds = work / "feeds"
    feeds.mkdir()
    began = time.perf_counter()
    size = write_feeds(feeds, args.calendars)
    log(f"{args.calendars} feeds written ({size / 1e6:.0f} MB, {size / args.calendars / 1e3:.0f} KB each) "
        f"in {time.perf_counter() - began:.0f} s")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(feeds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    create_calendars(args.calendars, port)
    from gigbook.celery import app

    app.control.purge()
    workers = start_workers(work)
    try:
        log(f"two workers up; load average {load_average()}")
        full = one_pass(args.calendars, args.timeout, workers, server)
        log(f"full pass: {full}")
        again = one_pass(args.calendars, args.timeout, workers, server)
        log(f"304 pass: {again}")
    finally:
        stop_workers(workers)
        server.terminate()
    rows = BusyInterval.objects.filter(source="calendar").count()
    empty = ImportedCalendar.objects.filter(Q(busy_count=0) | Q(last_success_at__isnull=True)).count()
    print(f"\nCalendar sync, {args.calendars} calendars x 500 events, two Celery workers x 1 process, feeds from "
          f"a local http.server:")
    print(f"  full pass (fetch + parse + expand + replace rows): {full['seconds']:.1f} s for {full['done']} calendars "
          f"({full['done'] / full['seconds']:.1f}/s), {full['parsed']} parsed, {full['failed']} failed "
          f"(target < 120 s for 1,000)")
    print(f"  CPU used by the pass (2 workers + their PostgreSQL backends + the feed server): {full['cpu']:.0f} s "
          f"= {full['cpu'] / max(full['done'], 1) * 1000:.0f} ms per calendar; on 2 otherwise idle cores "
          f"~{full['cpu'] / 2:.0f} s")
    print(f"  busy rows written: {rows} ({rows / max(args.calendars, 1):.0f} per calendar; {empty} calendars empty)")
    print(f"  304 pass (nothing parsed):                         {again['seconds']:.1f} s, {again['parsed']} parsed, "
          f"{again['failed']} failed")
    print(f"  load average (1 min) at start / peak during full pass: {full['load_start']:.1f} / {full['load_max']:.1f}; "
          f"now {load_average()}")


if __name__ == "__main__":
    main()
