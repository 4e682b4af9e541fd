"""Accept throughput and contended-accept latency through the HTTP API against PostgreSQL.

    .venv/bin/python bench/bookings/accept_bench.py [--per-musician 40] [--rounds 40] [--workers 2 --threads 8]

1. Creates (or recreates) the database ``gigbook_bench_bookings``, migrates it, and seeds through the
   real services: one producer, 16 musicians with profiles and API tokens, and offers.
2. Starts gunicorn (``gigbook.wsgi``, gthread workers, persistent DB connections, DEBUG off) on loopback.
3. Throughput: 16 concurrent clients, each accepting its own musician's non-overlapping offers one
   after another (``POST /api/bookings/<id>/accept/`` with token auth, keep-alive). Prints accepts/s
   and latency percentiles.
4. Contention: in each round 16 clients race to accept 16 *overlapping* offers of one musician at the
   same instant. Exactly one may win per round (checked); the others get 409. Prints the p50/p95/p99
   latency of all those accepts (winners and 409s), i.e. what a player's phone waits under contention.

Each accept does the whole job: locks the musician's profile then the booking, checks overlaps and
unavailability, writes the booking, history, busy interval and two notifications with an .ics, and
enqueues delivery on commit (to Redis; no worker runs, the queue is purged at the end).
Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
DB_NAME = "gigbook_bench_bookings"
CLIENTS = 16


def sh(*command: str, env: dict | None = None) -> None:
    subprocess.run(command, check=True, env={**os.environ, **(env or {})}, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fmt(values: list[float]) -> str:
    return (f"p50 {percentile(values, .5) * 1000:.1f} ms, p95 {percentile(values, .95) * 1000:.1f} ms, "
            f"p99 {percentile(values, .99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms")


def prepare_database() -> None:
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)
    sh(sys.executable, "manage.py", "migrate", "--noinput", env={"PYTHONPATH": str(HERE)})


def seed(per_musician: int, rounds: int) -> dict:
    import django

    django.setup()
    from decimal import Decimal

    from rest_framework.authtoken.models import Token

    from bookings import services
    from gigbook.accounts.models import User
    from musicians.models import Instrument, MusicianProfile, ProfileInstrument

    piano = Instrument.objects.get(slug="piano")
    producer = User.objects.create_user("bench-producer@example.com", "x", full_name="Bench Producer",
                                        is_producer=True, time_zone="Europe/London")
    venue = services.venue_create(owner=producer, name="Bench Studio", address="1 Test St", time_zone="Europe/London",
                                  latitude=51.5, longitude=-0.1)
    musicians = []
    for i in range(CLIENTS + 1):
        user = User.objects.create_user(f"bench-player-{i}@example.com", "x", full_name=f"Player {i}",
                                        is_musician=True, time_zone="Europe/London", phone="+447911123456")
        profile = MusicianProfile.objects.create(
            user=user, status="approved", headline="Bench", city="London", latitude=51.5, longitude=-0.1,
            currency="GBP", hourly_rate=Decimal("50"), minimum_call_hours=Decimal("3"),
            late_cancellation_window_hours=48, late_cancellation_fee=Decimal("100"),
        )
        ProfileInstrument.objects.create(profile=profile, instrument=piano, is_primary=True)
        musicians.append((user, profile, Token.objects.create(user=user).key))
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)

    def make(profile, at):
        return services.booking_offer(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                      kind="studio_session", venue=venue, starts_at=at, ends_at=at + timedelta(hours=3),
                                      expires_at=datetime.now(UTC) + timedelta(hours=20)).pk

    # Throughput: musician i gets per_musician offers that do not overlap (one every 4 hours).
    throughput = {i: [make(musicians[i][1], start + timedelta(hours=4 * k)) for k in range(per_musician)]
                  for i in range(CLIENTS)}
    # Contention: the last musician; in round r, 16 offers all overlapping each other (5 minutes apart).
    contended_user, contended_profile, contended_token = musicians[CLIENTS]
    contention = [[make(contended_profile, start + timedelta(hours=4 * r, minutes=5 * i)) for i in range(CLIENTS)]
                  for r in range(rounds)]
    # One accept in process, to count its SQL statements (the HTTP runs below cannot see them).
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    probe = make(musicians[0][1], start - timedelta(hours=4))
    with CaptureQueriesContext(connection) as queries:
        services.booking_accept(booking_id=probe, actor=musicians[0][0])
    connections.close_all()
    return {"statements_per_accept": len(queries), "throughput": throughput, "tokens": [m[2] for m in musicians[:CLIENTS]], "contention": contention,
            "contended_token": contended_token}


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "gigbook.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def run_throughput(base: str, data: dict) -> tuple[float, list[float], int]:
    import requests

    latencies: list[float] = []
    failures = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(i: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {data['tokens'][i]}"
        mine = []
        barrier.wait()
        for booking_id in data["throughput"][i]:
            began = time.perf_counter()
            response = session.post(f"{base}/api/bookings/{booking_id}/accept/")
            mine.append(time.perf_counter() - began)
            if response.status_code != 200:
                failures.append(response.status_code)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, latencies, len(failures)


def run_contention(base: str, data: dict) -> tuple[list[float], list[tuple[int, int]]]:
    import requests

    sessions = []
    for _ in range(CLIENTS):
        session = requests.Session()
        session.headers["Authorization"] = f"Token {data['contended_token']}"
        session.get(f"{base}/healthz")  # open the keep-alive connection before the race
        sessions.append(session)
    latencies: list[float] = []
    outcomes: list[tuple[int, int]] = []
    for round_offers in data["contention"]:
        barrier = threading.Barrier(CLIENTS)
        statuses = [0] * CLIENTS
        times = [0.0] * CLIENTS

        def client(i: int, offers=round_offers, statuses=statuses, times=times, barrier=barrier) -> None:
            barrier.wait()
            began = time.perf_counter()
            statuses[i] = sessions[i].post(f"{base}/api/bookings/{offers[i]}/accept/").status_code
            times[i] = time.perf_counter() - began

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latencies.extend(times)
        outcomes.append((statuses.count(200), statuses.count(409)))
    return latencies, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-musician", type=int, default=40, help="accepts per client in the throughput run")
    parser.add_argument("--rounds", type=int, default=40, help="contended rounds of 16 racing accepts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    print(f"Preparing {DB_NAME} …", flush=True)
    prepare_database()
    began = time.perf_counter()
    data = seed(args.per_musician, args.rounds)
    print(f"Seeded {CLIENTS * args.per_musician + CLIENTS * args.rounds} offers through booking_offer in "
          f"{time.perf_counter() - began:.1f} s", flush=True)
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    try:
        run_throughput(base, {**data, "throughput": {i: ids[:2] for i, ids in data["throughput"].items()}})  # warm-up
        remaining = {i: ids[2:] for i, ids in data["throughput"].items()}
        rate, latencies, failures = run_throughput(base, {**data, "throughput": remaining})
        contended, outcomes = run_contention(base, data)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        from gigbook.celery import app as celery_app

        celery_app.control.purge()

    winners_ok = all(won == 1 and lost == CLIENTS - 1 for won, lost in outcomes)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        "sql_statements_per_accept": data["statements_per_accept"],
        "throughput_accepts_per_s": round(rate, 1),
        "throughput_accepts": len(latencies),
        "throughput_failures": failures,
        "throughput_latency_ms": {k: round(percentile(latencies, q) * 1000, 1) for k, q in (("p50", .5), ("p95", .95), ("p99", .99))},
        "contention_rounds": len(outcomes),
        "contention_one_winner_every_round": winners_ok,
        "contention_latency_ms": {k: round(percentile(contended, q) * 1000, 1) for k, q in (("p50", .5), ("p95", .95), ("p99", .99))},
    }
    print()
    load = os.getloadavg()[0]
    results["load_average_1m_after"] = round(load, 2)
    print(f"Machine: {os.cpu_count()} CPUs (1-min load average after the run: {load:.1f}); gunicorn {results['gunicorn']}; "
          "PostgreSQL and the clients on the same box")
    print(f"One accept = {data['statements_per_accept']} SQL statements (savepoints included; BEGIN/COMMIT not counted), "
          "two notifications with an .ics, one Celery enqueue per notification")
    print(f"Accept throughput, {CLIENTS} concurrent clients on distinct musicians: {rate:.0f} accepts/s "
          f"({len(latencies)} accepts, {failures} failures)")
    print(f"  latency: {fmt(latencies)}")
    print(f"Accept under contention, {CLIENTS} clients racing on one musician, {len(outcomes)} rounds: "
          f"{'exactly one winner and 15 × 409 in every round' if winners_ok else 'UNEXPECTED OUTCOMES: ' + str(outcomes)}")
    print(f"  latency of all {len(contended)} accepts: {fmt(contended)} (mean {statistics.mean(contended) * 1000:.1f} ms)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "bookings-accept.json").write_text(json.dumps(results, indent=2))
    print(f"\nSaved {out / 'bookings-accept.json'}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)


if __name__ == "__main__":
    main()
