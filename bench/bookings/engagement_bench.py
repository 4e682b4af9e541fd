"""Engagements: how long the per-date check, the offer and the musician's answer take, and how many
queries they cost, for runs of 3, 20 and 60 dates.

    .venv/bin/python bench/bookings/engagement_bench.py [--rounds 8]

1. Creates (or recreates) the database ``gigbook_bench_engagements`` and migrates it.
2. Seeds a producer, a venue and ``--rounds`` musicians per size (profiles, each with a booked gig
   and a weekly blocked evening, so the checks have busy time to look at).
3. For each size, per musician: ``engagement_preview`` (the check before sending), ``engagement_offer``
   and ``engagement_accept`` of every date (all in one transaction, through the booking state
   machine), each timed in-process on PostgreSQL with its query count. Delivery is enqueued to
   Redis after commit (no worker runs; the queue is purged at the end).

Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]
DB_NAME = "gigbook_bench_engagements"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
SIZES = (3, 20, 60)


def sh(*command: str) -> None:
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   env={**os.environ, "PYTHONPATH": str(HERE)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)
    sh(sys.executable, "manage.py", "migrate", "--noinput")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings import services as booking_services
    from bookings.engagements import services
    from gigbook.accounts.models import User
    from gigbook.celery import app as celery_app
    from musicians import services as musician_services
    from musicians.models import Instrument, MusicianProfile, ProfileInstrument

    now = datetime.now(UTC).replace(microsecond=0)
    piano = Instrument.objects.get(slug="piano")
    producer = User.objects.create_user("producer@bench.test", "x", full_name="Bench Producer", is_producer=True)
    venue = booking_services.venue_create(owner=producer, name="Bench Hall", address="1 Bench Road, London",
                                          city="London", latitude=51.5, longitude=-0.12, time_zone="Europe/London")
    first_day = (now + timedelta(days=3)).date()

    def musician(n: int) -> MusicianProfile:
        user = User.objects.create_user(f"m{n}@bench.test", "x", full_name=f"Musician {n}", is_musician=True)
        profile = MusicianProfile.objects.create(
            user=user, status=MusicianProfile.Status.APPROVED, stage_name=user.full_name, city="London",
            latitude=51.5, longitude=-0.12, currency="GBP", hourly_rate=Decimal("50"), live_rate=Decimal("250"),
            late_cancellation_window_hours=48, late_cancellation_fee=Decimal("100"))
        ProfileInstrument.objects.create(profile=profile, instrument=piano, is_primary=True, position=0)
        # A weekly blocked morning, so every check has expanded busy time to read.
        musician_services.block_create(profile=profile, kind="weekly", weekday=0, start_time=dtime(8),
                                       end_time=dtime(10))
        return profile

    def dates(count: int) -> list[dict]:
        return [{"starts_at": datetime.combine(first_day + timedelta(days=d), dtime(19)),
                 "ends_at": datetime.combine(first_day + timedelta(days=d), dtime(22)), "venue": venue.pk,
                 "fee_basis": "flat", "rate": Decimal("300"), "per_diem": Decimal("40"), "travel_days": d % 2}
                for d in range(count)]

    def timed(work):
        connection.queries_log.clear()  # its cap (9,000) would hide the count of a long run
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = work()
            elapsed = (time.perf_counter() - started) * 1000
        return result, elapsed, len(queries.captured_queries)

    print(f"{'dates':>5} {'check p50 ms':>13} {'q':>4} {'offer p50 ms':>13} {'q':>4} {'accept p50 ms':>14} {'q':>5}")
    n = 0
    for size in SIZES:
        rows = {"check": [], "offer": [], "accept": []}
        for _ in range(args.rounds):
            n += 1
            profile = musician(n)
            given = dates(size)
            _, ms, q = timed(lambda p=profile, g=given: services.engagement_preview(
                producer=producer, musician_profile_id=p.pk, instrument="piano", title="Run", dates=g))
            rows["check"].append((ms, q))
            engagement, ms, q = timed(lambda p=profile, g=given: services.engagement_offer(
                producer=producer, musician_profile_id=p.pk, instrument="piano", title="Run", dates=g))
            rows["offer"].append((ms, q))
            _, ms, q = timed(lambda e=engagement, p=profile: services.engagement_accept(
                engagement_id=e.pk, actor=p.user))
            rows["accept"].append((ms, q))
        cells = []
        for key in ("check", "offer", "accept"):
            cells.append(f"{statistics.median(ms for ms, _ in rows[key]):13.1f}")
            cells.append(f"{rows[key][-1][1]:4d}")
        print(f"{size:5d} {cells[0]} {cells[1]} {cells[2]} {cells[3]} {cells[4]:>14} {cells[5]:>5}")
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    celery_app.control.purge()


if __name__ == "__main__":
    main()
