"""Accept throughput and contended-accept latency through the HTTP API against PostgreSQL.

    .venv/bin/python bench/bookings/accept_bench.py [--baseline REF] [--reps 5 --per-chunk 6] [--rounds 20]
                                                    [--workers 2 --threads 8]

With ``--baseline REF`` the same runs go to two servers side by side, one running this tree and
one running commit REF (exported with ``git archive``), against the same database, interleaved
(baseline, new, new, baseline, ...), so both see the same neighbours; it prints medians, the
ratio new/baseline and the load average. Without it, only this tree is measured.

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
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "bench")]
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


def prepare_database() -> None:
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)
    sh(sys.executable, "manage.py", "migrate", "--noinput", env={"PYTHONPATH": str(HERE)})


def seed(sides: list[str], reps: int, per_chunk: int, rounds: int) -> dict:
    """Per side (server): 16 musicians with reps x per_chunk (+2 warm-up) non-overlapping offers
    each, and one contended musician with ``rounds`` rounds of 16 mutually overlapping offers."""
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
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)

    def player(name: str):
        user = User.objects.create_user(f"{name}@example.com", "x", full_name=name, is_musician=True,
                                        time_zone="Europe/London", phone="+447911123456")
        profile = MusicianProfile.objects.create(
            user=user, status="approved", headline="Bench", city="London", latitude=51.5, longitude=-0.1,
            currency="GBP", hourly_rate=Decimal("50"), minimum_call_hours=Decimal("3"),
            late_cancellation_window_hours=48, late_cancellation_fee=Decimal("100"),
        )
        ProfileInstrument.objects.create(profile=profile, instrument=piano, is_primary=True)
        return user, profile, Token.objects.create(user=user).key

    def make(profile, at):
        return services.booking_offer(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                      kind="studio_session", venue=venue, starts_at=at, ends_at=at + timedelta(hours=3),
                                      expires_at=datetime.now(UTC) + timedelta(hours=20)).pk

    data = {}
    per_musician = 2 + reps * per_chunk
    for side in sides:
        players = [player(f"{side}-player-{i}") for i in range(CLIENTS)]
        offers = [[make(profile, start + timedelta(hours=4 * k)) for k in range(per_musician)]
                  for _user, profile, _token in players]
        contended_user, contended_profile, contended_token = player(f"{side}-contended")
        contention = [[make(contended_profile, start + timedelta(hours=4 * r, minutes=5 * i)) for i in range(CLIENTS)]
                      for r in range(rounds)]
        probe = make(players[0][1], start - timedelta(hours=4))
        data[side] = {"tokens": [token for _u, _p, token in players], "offers": offers, "contention": contention,
                      "contended_token": contended_token, "probe": (probe, players[0][2])}
    from django.db import connections

    connections.close_all()
    return data


def start_server(code_root: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    # The settings module comes from this bench folder, the application from ``code_root``.
    env = {**os.environ, "PYTHONPATH": f"{code_root}:{HERE}"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "gigbook.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--chdir", str(code_root), "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         # A saturated shared machine can stall a worker's heartbeat past the default 30 s; a timeout
         # kill shows up as connection resets, not as the code's answer.
         "--timeout", "120", "--log-level", "warning"],
        cwd=code_root, env=env, start_new_session=True,
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def run_throughput(base: str, tokens: list[str], offers: list[list[int]]) -> tuple[float, list[float], int]:
    """16 clients, each accepting its own list of offers one after another; accepts/s over the wall time."""
    import requests

    latencies: list[float] = []
    failures = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client(i: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {tokens[i]}"
        session.get(f"{base}/healthz")  # open the keep-alive connection first
        mine = []
        barrier.wait()
        for booking_id in offers[i]:
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


def run_contention_round(base: str, sessions: list, offers: list[int]) -> tuple[list[float], tuple[int, int]]:
    barrier = threading.Barrier(CLIENTS)
    statuses = [0] * CLIENTS
    times = [0.0] * CLIENTS

    def client(i: int) -> None:
        barrier.wait()
        began = time.perf_counter()
        try:
            statuses[i] = sessions[i].post(f"{base}/api/bookings/{offers[i]}/accept/").status_code
        except OSError:  # requests' ConnectionError: counted as an unexpected outcome, not a crash
            statuses[i] = -1
        times[i] = time.perf_counter() - began

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, (statuses.count(200), statuses.count(409))  # anything else shows as a missing 409


def probe_statements(code_root: Path, booking_id: int, token: str) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "accept_probe.py"), str(code_root), str(HERE), str(booking_id),
                          token], check=True, capture_output=True, text=True, cwd=code_root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from sidebyside import baseline_tree, load, median, percentile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="git ref to measure side by side (e.g. main before a change)")
    parser.add_argument("--reps", type=int, default=5, help="interleaved throughput runs per side")
    parser.add_argument("--per-chunk", type=int, default=6, help="accepts per client in one throughput run")
    parser.add_argument("--rounds", type=int, default=20, help="contended rounds of 16 racing accepts per side")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    roots = {"new": ROOT}
    if args.baseline:
        roots = {"baseline": baseline_tree(args.baseline), "new": ROOT}
    sides = list(roots)
    print(f"Preparing {DB_NAME} …  load average {load()}", flush=True)
    prepare_database()
    began = time.perf_counter()
    data = seed(sides, args.reps, args.per_chunk, args.rounds)
    print(f"Seeded the offers through booking_offer in {time.perf_counter() - began:.1f} s", flush=True)
    statements = {side: probe_statements(roots[side], *data[side]["probe"]) for side in sides}
    servers, bases = {}, {}
    try:
        for side in sides:
            port = free_port()
            servers[side] = start_server(roots[side], port, args.workers, args.threads)
            bases[side] = f"http://127.0.0.1:{port}"
        load_before = load()
        # Warm-up: two accepts per client per side.
        for side in sides:
            run_throughput(bases[side], data[side]["tokens"], [offers[:2] for offers in data[side]["offers"]])
        rates = {side: [] for side in sides}
        latencies = {side: [] for side in sides}
        failures = {side: 0 for side in sides}
        for rep in range(args.reps):
            # Alternate which side goes first, so neither always follows the other.
            for side in (sides if rep % 2 == 0 else sides[::-1]):
                lo = 2 + rep * args.per_chunk
                chunk = [offers[lo : lo + args.per_chunk] for offers in data[side]["offers"]]
                rate, lat, failed = run_throughput(bases[side], data[side]["tokens"], chunk)
                rates[side].append(rate)
                latencies[side] += lat
                failures[side] += failed
        import requests

        sessions = {}
        for side in sides:
            sessions[side] = []
            for _ in range(CLIENTS):
                session = requests.Session()
                session.headers["Authorization"] = f"Token {data[side]['contended_token']}"
                session.get(f"{bases[side]}/healthz")
                sessions[side].append(session)
        contended = {side: [] for side in sides}
        outcomes = {side: [] for side in sides}
        for r in range(args.rounds):
            for side in (sides if r % 2 == 0 else sides[::-1]):
                times, outcome = run_contention_round(bases[side], sessions[side], data[side]["contention"][r])
                contended[side] += times
                outcomes[side].append(outcome)
        load_after = load()
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        from gigbook.celery import app as celery_app

        celery_app.control.purge()

    print()
    print(f"Load average before the timed runs: {load_before}; after: {load_after}")
    print(f"gunicorn per side: {args.workers} workers x {args.threads} threads (gthread); PostgreSQL, Redis and the "
          f"clients on the same machine; {'sides interleaved' if len(sides) > 1 else 'one side'}")
    results = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "load_before": load_before,
               "load_after": load_after, "baseline": args.baseline, "sides": {}}
    for side in sides:
        ok = all(won == 1 and lost == CLIENTS - 1 for won, lost in outcomes[side])
        side_result = {
            "code": str(roots[side]),
            "sql_statements_per_http_accept": statements[side]["statements"],
            "accepts_per_s_runs": [round(rate, 1) for rate in rates[side]],
            "accepts_per_s_median": round(median(rates[side]), 1),
            "accept_latency_ms": {k: round(percentile(latencies[side], q) * 1000, 1) for k, q in (("p50", .5), ("p95", .95))},
            "throughput_failures": failures[side],
            "contended_one_winner_every_round": ok,
            "contended_latency_ms": {k: round(percentile(contended[side], q) * 1000, 1)
                                     for k, q in (("p50", .5), ("p95", .95), ("p99", .99))},
        }
        results["sides"][side] = side_result
        print(f"[{side}] {roots[side]}")
        print(f"  SQL statements per HTTP accept (in process, token auth to response): {side_result['sql_statements_per_http_accept']}")
        print(f"  accepts/s, {CLIENTS} clients on distinct musicians: median {side_result['accepts_per_s_median']} "
              f"(runs {side_result['accepts_per_s_runs']}), {failures[side]} failures; latency p50/p95 "
              f"{side_result['accept_latency_ms']['p50']} / {side_result['accept_latency_ms']['p95']} ms")
        print(f"  contended accept ({CLIENTS} racing on one musician, {len(outcomes[side])} rounds): "
              f"{'one winner + 15 x 409 every round' if ok else 'UNEXPECTED ' + str(outcomes[side])}; p50/p95/p99 "
              f"{side_result['contended_latency_ms']['p50']} / {side_result['contended_latency_ms']['p95']} / "
              f"{side_result['contended_latency_ms']['p99']} ms")
    if len(sides) == 2:
        new, old = results["sides"]["new"], results["sides"]["baseline"]
        per_run = [n / o for n, o in zip(rates["new"], rates["baseline"], strict=True) if o]
        results["ratio_accepts_per_s"] = round(new["accepts_per_s_median"] / old["accepts_per_s_median"], 2)
        results["ratio_accepts_per_s_per_run_median"] = round(median(per_run), 2)
        results["ratio_contended_p95"] = round(new["contended_latency_ms"]["p95"] / old["contended_latency_ms"]["p95"], 2)
        print(f"new / baseline: accepts/s {results['ratio_accepts_per_s']}x (median of per-run ratios "
              f"{results['ratio_accepts_per_s_per_run_median']}x); contended p95 {results['ratio_contended_p95']}x")
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
