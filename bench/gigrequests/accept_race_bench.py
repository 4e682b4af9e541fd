"""50 musicians accept the same short-notice chair at the same instant, through HTTP.

    .venv/bin/python bench/gigrequests/accept_race_bench.py [--players 50] [--rounds 10] [--workers 2 --threads 25]

1. Recreates the database ``gigbook_bench_gigrequests_race``, migrates it and seeds through the real
   services: one producer with a studio, and 50 bass players nearby with API tokens.
2. Starts gunicorn (``gigbook.wsgi``, gthread workers, persistent DB connections, DEBUG off) on loopback.
3. Each round posts a broadcast for a new slot (so last round's winner is free again) to all 50
   players, opens one keep-alive connection per player, and releases all 50
   ``POST /api/offers/<id>/accept/`` at once (a barrier). Exactly one may win (200) and 49 must hear
   409 "This gig has just been filled" (checked, with exactly one booking per chair in the database).
4. Prints the p50/p95/p99 answer time of all accepts (winner and 409s) of the timed rounds: what a
   player's phone waits. The first round only warms up (each server thread opens its connection).

Each accept does the whole job: locks the musician's profile, the request and the chair, creates the
accepted booking (exclusion constraint, history, busy time, two confirmations with .ics), fills the
chair and tells every other invitee "filled"; deliveries are enqueued to Redis (no worker runs; the
queue is purged at the end). Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]
DB_URL = "postgres://postgres@127.0.0.1:5432/gigbook_bench_gigrequests_race"
os.environ["DATABASE_URL"] = DB_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def recreate_database() -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    ["gigbook_bench_gigrequests_race"])
        cur.execute('DROP DATABASE IF EXISTS "gigbook_bench_gigrequests_race"')
        cur.execute('CREATE DATABASE "gigbook_bench_gigrequests_race"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": f"{HERE}:{ROOT}"})


def seed(players: int):
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from bookings import services as booking_services
    from gigbook.accounts.models import User
    from musicians.models import Instrument, MusicianProfile, ProfileInstrument

    producer = User.objects.create_user(email="race.producer@gigbook.test", password=None, full_name="Race Producer",
                                        is_producer=True, time_zone="Europe/London")
    venue = booking_services.venue_create(owner=producer, name="Abbey Road Studio 2", address="3 Abbey Road",
                                          city="London", latitude=51.532, longitude=-0.178, time_zone="Europe/London")
    bass = Instrument.objects.get(slug="bass-guitar")
    tokens = {}
    for n in range(players):
        user = User.objects.create_user(email=f"race{n:03d}@gigbook.test", password=None, full_name=f"Racer {n}",
                                        is_musician=True, phone=f"+4477009{n:05d}", time_zone="Europe/London")
        profile = MusicianProfile.objects.create(
            user=user, status=MusicianProfile.Status.APPROVED, city="London", latitude=51.52 + n / 5000,
            longitude=-0.15, travel_radius_km=40, currency="GBP", hourly_rate=Decimal("50"),
        )
        ProfileInstrument.objects.create(profile=profile, instrument=bass, is_primary=True)
        tokens[user.pk] = Token.objects.create(user=user).key
    return producer, venue, tokens


def post_round(producer, venue, round_number: int) -> dict[int, int]:
    """A broadcast for a fresh slot; returns musician id -> invitation id."""
    from bookings.gigrequests import services
    from bookings.gigrequests.models import Invitation

    services.INLINE_SEND_LIMIT = 1000  # send inline: no Celery worker runs in this benchmark
    start = (datetime.now(UTC) + timedelta(days=2 + round_number)).replace(hour=9, minute=0, second=0, microsecond=0)
    request = services.gig_request_create(producer=producer, data={
        "chairs": [{"instrument": "bass-guitar", "count": 1}], "kind": "studio_session", "venue": venue.pk,
        "starts_at": start, "ends_at": start + timedelta(hours=3), "answer_by": start - timedelta(hours=1),
        "title": f"Race {round_number}", "currency": "GBP", "fee_basis": "hourly", "rate": Decimal("50"),
        "strategy": "broadcast", "time_box_minutes": 10, "broadcast_threshold_hours": Decimal("12"),
    })
    return dict(Invitation.objects.filter(request=request).values_list("musician_id", "id"))


WINNER_TIMES: list[float] = []


def race(port: int, invitations: dict[int, int], tokens: dict[int, str]) -> tuple[list[float], list[int]]:
    barrier = threading.Barrier(len(invitations))
    timings: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    winners = WINNER_TIMES

    def accept(musician_id: int, invitation_id: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        headers = {"Authorization": f"Token {tokens[musician_id]}", "Content-Type": "application/json",
                   "Content-Length": "0"}
        barrier.wait()
        began = time.perf_counter()
        conn.request("POST", f"/api/offers/{invitation_id}/accept/", headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            timings.append(elapsed)
            statuses.append(response.status)
            if response.status == 200:
                winners.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=accept, args=item) for item in invitations.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds checked but not timed (each server thread opens its database connection)")
    args = parser.parse_args()

    log("creating the database")
    recreate_database()
    producer, venue, tokens = seed(args.players)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{HERE}:{ROOT}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "gigbook.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread",
         "-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        from bookings.gigrequests.models import Chair
        from bookings.models import Booking

        all_timings: list[float] = []
        for round_number in range(args.warmup + args.rounds):
            invitations = post_round(producer, venue, round_number)
            timings, statuses = race(port, invitations, tokens)
            wins, filled = statuses.count(200), statuses.count(409)
            bookings = Booking.objects.filter(title=f"Race {round_number}").count()
            chairs = Chair.objects.filter(request__title=f"Race {round_number}", booking__isnull=False).count()
            ok = wins == 1 and filled == len(invitations) - 1 and bookings == 1 and chairs == 1
            log(f"round {round_number + 1}: {wins} won, {filled} got 409, {bookings} booking(s) "
                f"{'OK' if ok else 'WRONG: ' + json.dumps(statuses)}; "
                f"p50 {percentile(timings, 0.5):.0f} ms, max {max(timings):.0f} ms")
            if round_number >= args.warmup:
                all_timings.extend(timings)
            else:
                WINNER_TIMES.clear()
        print(f"\n{args.players} simultaneous accepts of one chair x {args.rounds} timed rounds after {args.warmup} warm-up "
              f"(gunicorn {args.workers} workers x {args.threads} threads):")
        print(f"  answer time p50 {percentile(all_timings, 0.5):.0f} ms, p95 {percentile(all_timings, 0.95):.0f} ms, "
              f"p99 {percentile(all_timings, 0.99):.0f} ms, max {max(all_timings):.0f} ms")
        print(f"  the winner's answer: p50 {percentile(WINNER_TIMES, 0.5):.0f} ms, max {max(WINNER_TIMES):.0f} ms")
        print(f"  load average (1/5/15 min) at the end: {load_average()}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        from gigbook.celery import app

        app.control.purge()


if __name__ == "__main__":
    main()
