"""The hold sweep: expiring 10,000 due holds and moving the 10,000 holds below them up.

    .venv/bin/python bench/bookings/hold_sweep_bench.py [--musicians 1000 --dates 10] [--baseline REF --reps 1]

With ``--baseline REF`` it runs the whole bench (fresh data each time) alternately with this tree's
code and with commit REF's (``git archive``), ``--reps`` times each, and prints the medians, the
ratio and the load average: on a shared machine only side-by-side figures compare.

1. Creates (or recreates) the database ``gigbook_bench_holds`` and migrates it.
2. Seeds in bulk: 20 producers, ``--musicians`` musicians with profiles, and on each of ``--dates``
   dates per musician a kept 1st hold that lapsed a minute ago (with its pencilled busy time) and a
   kept 2nd hold that will move up. Every user gets email, so each message also writes a delivery row.
3. Times one ``holds_sweep()`` (the beat task's body) on PostgreSQL, with delivery enqueued to Redis
   after each batch commits (no worker runs; the queue is purged at the end). Then times a second,
   idle sweep (nothing due), and checks the outcome: every due hold expired, every 2nd hold now 1st,
   and exactly one message per party and event (3 per date: two for the lapse, one for the move up).

Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# ``--code DIR``: measure the application in DIR (a baseline tree) instead of this one.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path[:0] = [str(CODE), str(HERE)]
os.chdir(CODE)
DB_NAME = "gigbook_bench_holds"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"


def sh(*command: str) -> None:
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   env={**os.environ, "PYTHONPATH": str(HERE)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--musicians", type=int, default=1000)
    parser.add_argument("--dates", type=int, default=10)
    parser.add_argument("--batch", type=int, default=500, help="holds per sweep transaction")
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help="git ref to measure side by side with this tree")
    parser.add_argument("--reps", type=int, default=1, help="runs per side with --baseline")
    args = parser.parse_args()
    if args.baseline:
        side_by_side(args)
        return
    sh("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], check=True, cwd=CODE,
                   env={**os.environ, "PYTHONPATH": str(HERE)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    import django

    django.setup()
    from django.db import connection

    from bookings.models import Hold
    from bookings.services import holds_sweep
    from gigbook.accounts.models import User
    from gigbook.celery import app as celery_app
    from gigbook.notifications.models import Delivery, Notification
    from musicians.models import BusyInterval, Instrument, MusicianProfile

    now = datetime.now(UTC).replace(microsecond=0)
    piano = Instrument.objects.get(slug="piano")
    started = time.perf_counter()
    producers = User.objects.bulk_create([
        User(email=f"producer{n}@bench.test", full_name=f"Producer {n}", is_producer=True, password="!")
        for n in range(20)
    ])
    musicians = User.objects.bulk_create([
        User(email=f"musician{n}@bench.test", full_name=f"Musician {n}", is_musician=True, password="!")
        for n in range(args.musicians)
    ])
    profiles = MusicianProfile.objects.bulk_create([
        MusicianProfile(user=user, status=MusicianProfile.Status.APPROVED, stage_name=user.full_name,
                        city="London", latitude=51.5, longitude=-0.12, currency="GBP", hourly_rate=Decimal("50"))
        for user in musicians
    ])
    holds = []
    for m, user in enumerate(musicians):
        for d in range(args.dates):
            start = now + timedelta(days=3 + d, hours=m % 8)
            common = {"musician": user, "instrument": piano, "kind": "remote_recording", "time_zone": "Europe/London",
                      "starts_at": start, "ends_at": start + timedelta(hours=3), "currency": "GBP",
                      "fee_total": Decimal("150"), "status": Hold.Status.HELD, "created_at": now,
                      "updated_at": now, "status_changed_at": now}
            holds.append(Hold(producer=producers[(m + d) % 20], rank=1, expires_at=now - timedelta(minutes=1),
                              **common))
            holds.append(Hold(producer=producers[(m + d + 1) % 20], rank=2, expires_at=now + timedelta(days=2),
                              **common))
    holds = Hold.objects.bulk_create(holds, batch_size=2000)
    profile_of = {p.user_id: p.pk for p in profiles}
    BusyInterval.objects.bulk_create([
        BusyInterval(profile_id=profile_of[h.musician_id], starts_at=h.starts_at, ends_at=h.ends_at, source="hold",
                     source_id=str(h.pk), label="Pencilled")
        for h in holds
    ], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    due = Hold.objects.filter(status__in=Hold.ACTIVE_STATUSES, expires_at__lte=now).count()
    print(f"seeded {len(holds):,} holds ({due:,} due) for {len(musicians):,} musicians in "
          f"{time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    if os.environ.get("HOLD_BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        counts = profiler.runcall(holds_sweep, batch=args.batch)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    else:
        counts = holds_sweep(batch=args.batch)
    elapsed = time.perf_counter() - started
    print(f"sweep (batches of {args.batch}): {counts['expired']:,} expired, {Hold.objects.filter(rank=1, status='held').count():,} moved up "
          f"to 1st, in {elapsed:.2f} s ({counts['expired'] / elapsed:,.0f} due holds/s)")
    started = time.perf_counter()
    idle = holds_sweep()
    print(f"idle sweep (nothing due): {idle} in {(time.perf_counter() - started) * 1000:.1f} ms")

    assert counts["expired"] == due, counts
    assert not Hold.objects.filter(status__in=Hold.ACTIVE_STATUSES, expires_at__lte=now).exists()
    assert Hold.objects.filter(status="held", rank=1).count() == due
    notifications = Notification.objects.filter(kind__startswith="hold_").count()
    assert notifications == 3 * due, notifications
    print(f"messages: {notifications:,} notifications, {Delivery.objects.count():,} email deliveries queued "
          f"(one per party and event); pencils left: {BusyInterval.objects.filter(source='hold').count():,}")
    print("RESULT " + json.dumps({"sweep_s": elapsed, "expired": counts["expired"], "load": os.getloadavg()[0],
                                    "code": str(Path(sys.modules["bookings"].__file__).parents[1])}))
    celery_app.control.purge()


def side_by_side(args) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from sidebyside import baseline_tree, load, median

    roots = {"baseline": baseline_tree(args.baseline), "new": ROOT}
    times: dict[str, list[float]] = {side: [] for side in roots}
    print(f"load average at the start: {load()}", flush=True)
    for rep in range(args.reps):
        for side in (["baseline", "new"] if rep % 2 == 0 else ["new", "baseline"]):
            command = [sys.executable, __file__, "--code", str(roots[side]), "--musicians", str(args.musicians),
                       "--dates", str(args.dates), "--batch", str(args.batch)]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
            times[side].append(result["sweep_s"])
            assert result["code"] == str(roots[side]), (result["code"], roots[side])
            print(f"[{side}] sweep of {result['expired']:,} due holds: {result['sweep_s']:.2f} s "
                  f"(load average {load()})", flush=True)
    old, new = median(times["baseline"]), median(times["new"])
    print(f"median sweep: baseline {old:.2f} s, new {new:.2f} s: new takes {new / old:.2f}x the time "
          f"({old / new:.1f}x faster); load average at the end: {load()}")


if __name__ == "__main__":
    main()
