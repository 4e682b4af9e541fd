"""Broadcast to 1,000 matching musicians out of 100,000 profiles: matching time, outbox time, delivery time.

    .venv/bin/python bench/gigrequests/broadcast_bench.py               # (re)creates gigbook_bench_gigrequests
    .venv/bin/python bench/gigrequests/broadcast_bench.py --keep-data   # reuse the profiles of a previous run

1. Fills its own PostgreSQL database (bulk inserts, seeded random): 100,000 approved profiles with
   user accounts (email and phone on, so every offer goes out by email *and* text). Exactly 1,000 of
   them match tomorrow's 10:00-13:00 bass chair at Abbey Road for 60 GBP/hour: bass players (main
   instrument or double) living within 10 km, free, in GBP, at 40-60/hour. The other 99,000 are near
   misses the query must reject: bass players elsewhere in the UK and Europe, too dear, busy (a
   booking interval over the slot), quoting in EUR, or playing other instruments next door.
2. Matching: ``matching.match_candidates`` for the slot, cold once and then 9 warm runs (the
   producer's POST runs it once per instrument).
3. Starts two Celery worker processes (``--concurrency=1`` each, or ``--concurrency N``) with the file email backend and the
   file SMS backend writing to a temporary folder, then POSTs the broadcast through the real API
   (``/api/gig-requests/``, Django test client in this process) and polls the database: time to the
   POST's answer, to the 1,000th invitation written to the outbox (Notification rows), and to the
   2,000th delivery (1,000 emails + 1,000 texts) marked sent by the workers.

Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# ``--code DIR``: run the application (web request and workers) from DIR, e.g. a baseline tree.
if "--code" in sys.argv:
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1])
    os.chdir(ROOT)
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bookings import services as booking_services  # noqa: E402
from bookings.gigrequests import matching  # noqa: E402
from bookings.gigrequests.models import GigRequest, Invitation  # noqa: E402
from gigbook.accounts.models import User  # noqa: E402
from gigbook.notifications.models import Delivery, Notification  # noqa: E402
from musicians.models import BusyInterval, Instrument, MusicianProfile, ProfileInstrument  # noqa: E402

STUDIO = (51.5320, -0.1780)
FAR = [(53.4808, -2.2426), (52.4862, -1.8904), (55.9533, -3.1883), (51.4545, -2.5879), (48.8566, 2.3522),
       (52.5200, 13.4050), (53.3498, -6.2603), (41.3874, 2.1686)]
MATCHING = 1000
BATCH = 5000


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
                   env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings",
                        "PYTHONPATH": f"{HERE}:{ROOT}"})


def slot_times() -> tuple[datetime, datetime]:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=UTC)  # 10:00 in London (BST) or 09:00
    return start, start + timedelta(hours=3)


def jitter(rng: random.Random, point: tuple[float, float], km: float) -> tuple[float, float]:
    import math

    distance = km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    return (point[0] + distance / 111.0 * math.cos(angle),
            point[1] + distance / (111.0 * math.cos(math.radians(point[0]))) * math.sin(angle))


def generate(total: int) -> None:
    rng = random.Random(5)
    instruments = {i.slug: i for i in Instrument.objects.all()}
    others = [i for slug, i in instruments.items() if slug not in ("bass-guitar", "double-bass")]
    bass = instruments["bass-guitar"]
    start, end = slot_times()
    now = datetime.now(UTC)
    kinds = (["match"] * MATCHING + ["far"] * 30000 + ["dear"] * 4000 + ["busy"] * 3000 + ["euro"] * 2000
             + ["other"] * (total - MATCHING - 39000))
    rng.shuffle(kinds)
    made = 0
    for offset in range(0, total, BATCH):
        chunk = kinds[offset: offset + BATCH]
        users = [User(email=f"bench{offset + n:06d}@gigbook.test", password="!", full_name=f"Bench Player {offset + n}",
                      phone=f"+4477009{offset + n:05d}", phone_verified_at=now,  # texts go to verified phones only
                      time_zone="Europe/London", is_musician=True, date_joined=now)
                 for n in range(len(chunk))]
        User.objects.bulk_create(users, batch_size=BATCH)
        profiles, rows, busy = [], [], []
        for user, kind in zip(users, chunk, strict=True):
            point = rng.choice(FAR) if kind == "far" else STUDIO
            lat, lng = jitter(rng, point, 10.0 if kind != "far" else 30.0)
            hourly = Decimal(rng.randint(70, 120) if kind == "dear" else rng.randint(40, 60))
            profile = MusicianProfile(
                user=user, status=MusicianProfile.Status.APPROVED, stage_name="", headline="Session player",
                city="Bench", latitude=round(lat, 5), longitude=round(lng, 5), travel_radius_km=40,
                currency="EUR" if kind == "euro" else "GBP", hourly_rate=hourly, minimum_call_hours=Decimal("3"),
                languages=[], created_at=now, updated_at=now,
            )
            profile.refresh_derived()
            profiles.append((profile, kind))
        MusicianProfile.objects.bulk_create([p for p, _ in profiles], batch_size=BATCH)
        for profile, kind in profiles:
            if kind == "other":
                primary = rng.choice(others)
                rows.append(ProfileInstrument(profile=profile, instrument=primary, is_primary=True))
            elif rng.random() < 0.3:  # bass as a double: doubles count
                rows.append(ProfileInstrument(profile=profile, instrument=rng.choice(others), is_primary=True))
                rows.append(ProfileInstrument(profile=profile, instrument=bass, is_primary=False, position=1))
            else:
                rows.append(ProfileInstrument(profile=profile, instrument=bass, is_primary=True))
            if kind == "busy":
                busy.append(BusyInterval(profile=profile, starts_at=start - timedelta(hours=1),
                                         ends_at=start + timedelta(hours=1), source="booking",
                                         source_id=f"bench-{profile.pk}", label="Booked"))
        ProfileInstrument.objects.bulk_create(rows, batch_size=BATCH)
        BusyInterval.objects.bulk_create(busy, batch_size=BATCH)
        made += len(chunk)
        if made % 20000 == 0:
            log(f"  {made} profiles")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def producer_and_venue():
    producer, _ = User.objects.get_or_create(
        email="bench.producer@gigbook.test",
        defaults={"full_name": "Bench Producer", "is_producer": True, "time_zone": "Europe/London", "password": "!"},
    )
    venue = producer.venues.first() or booking_services.venue_create(
        owner=producer, name="Abbey Road Studio 2", address="3 Abbey Road, London NW8 9AY", city="London",
        latitude=STUDIO[0], longitude=STUDIO[1], time_zone="Europe/London",
    )
    return producer, venue


def time_matching(producer, venue) -> list[float]:
    start, end = slot_times()
    slot = matching.Slot(producer_id=producer.pk, instrument=Instrument.objects.get(slug="bass-guitar"),
                         kind="studio_session", starts_at=start, ends_at=end, venue_point=STUDIO, currency="GBP",
                         fee_basis="hourly", rate=Decimal("60"), max_rate=None)
    timings, found = [], 0
    for _ in range(10):
        began = time.perf_counter()
        found = len(matching.match_candidates(slot=slot, now=datetime.now(UTC)))
        timings.append((time.perf_counter() - began) * 1000)
    log(f"matching: {found} candidates")
    return timings


def start_workers(mail_dir: Path, sms_dir: Path, concurrency: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": f"{HERE}:{ROOT}",
           "EMAIL_URL": f"filemail:///{mail_dir}", "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
           "SMS_FILE_PATH": str(sms_dir)}
    workers = []
    for name in ("bench-a", "bench-b"):
        log_file = open(mail_dir.parent / f"{name}.log", "w")  # noqa: SIM115 - the worker's for its lifetime
        workers.append(subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "gigbook", "worker", "--loglevel=WARNING",
             f"--concurrency={concurrency}", "--pool=prefork", f"--hostname={name}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    from gigbook.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if len(replies) >= 2:
            return workers
    raise SystemExit("Celery workers did not start; see their logs next to the mail folder.")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=30)


def broadcast(producer, venue) -> dict[str, float]:
    from django.test import Client

    start, end = slot_times()
    client = Client()
    client.force_login(producer)
    client.get("/api/gig-requests/")  # warm up: URL conf, middleware and DRF imports are one-off costs
    body = {
        "chairs": [{"instrument": "bass-guitar", "count": 1}], "kind": "studio_session", "venue": venue.pk,
        "starts_at": start.isoformat(), "ends_at": end.isoformat(), "answer_by": (start - timedelta(hours=1)).isoformat(),
        "rate": "60", "strategy": "broadcast", "title": f"Bench {time.time()}",
    }
    t0 = time.perf_counter()
    response = client.post("/api/gig-requests/", body, content_type="application/json")
    t_response = time.perf_counter() - t0
    assert response.status_code == 201, response.content[:500]
    request_id = response.json()["id"]
    invited = Invitation.objects.filter(request_id=request_id).count()
    offers = Invitation.objects.filter(request_id=request_id).values("notification_id")
    t_outbox = t_delivered = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and t_delivered is None:
        if t_outbox is None and Invitation.objects.filter(request_id=request_id, status="sent").count() == invited:
            t_outbox = time.perf_counter() - t0
        if t_outbox is not None:
            sent = Delivery.objects.filter(notification__in=offers, status=Delivery.Status.SENT).count()
            if sent >= 2 * invited:
                t_delivered = time.perf_counter() - t0
        time.sleep(0.05)
    return {"invited": invited, "response": t_response, "outbox": t_outbox, "delivered": t_delivered,
            "request_id": request_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100000)
    parser.add_argument("--keep-data", action="store_true", help="reuse the database of a previous run")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker (two workers)")
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help="git ref (same migrations) to measure side by side with this tree")
    parser.add_argument("--reps", type=int, default=2, help="broadcasts per side with --baseline")
    args = parser.parse_args()
    if args.baseline:
        side_by_side(args)
        return

    if args.keep_data:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": f"{HERE}:{ROOT}"})
    if not args.keep_data or not MusicianProfile.objects.exists():
        log(f"creating {args.profiles} profiles (about a minute)")
        recreate_database()
        began = time.perf_counter()
        generate(args.profiles)
        log(f"generated in {time.perf_counter() - began:.0f} s")
    producer, venue = producer_and_venue()
    with transaction.atomic():
        # A previous run's booking-free broadcast leaves nobody busy; start each run from no offers.
        Notification.objects.filter(kind="gig_request_offer").delete()
        Invitation.objects.all().delete()
        GigRequest.objects.all().delete()
    log(f"{MusicianProfile.objects.count()} profiles")

    timings = time_matching(producer, venue)
    warm = timings[1:]
    print(f"\nMatching (match_candidates, {len(warm)} warm runs): cold {timings[0]:.0f} ms, "
          f"median {statistics.median(warm):.0f} ms, best {min(warm):.0f} ms, worst {max(warm):.0f} ms "
          f"(target < 200 ms)")

    work = Path(tempfile.mkdtemp(prefix="gigreq-bench-"))
    (work / "mail").mkdir()
    (work / "sms").mkdir()
    from gigbook.celery import app

    app.control.purge()
    workers = start_workers(work / "mail", work / "sms", args.concurrency)
    try:
        result = broadcast(producer, venue)
    finally:
        stop_workers(workers)
    emails = sum(1 for _ in (work / "mail").iterdir())
    texts = sum(1 for _ in (work / "sms").glob("*.json"))
    print(f"Broadcast to {result['invited']} players (two Celery workers x {args.concurrency} pool process(es), "
          "file email + file SMS):")
    print(f"  POST /api/gig-requests/ answered in      {result['response'] * 1000:.0f} ms")
    if result["outbox"] is not None:
        print(f"  last invitation in the outbox after      {result['outbox']:.2f} s")
    if result["delivered"] is not None:
        print(f"  last of {2 * result['invited']} deliveries sent after   {result['delivered']:.2f} s (target < 5 s)")
        if result["outbox"] is not None:
            rate = 2 * result["invited"] / result["delivered"]
            print(f"  delivery rate over the run               {rate:.0f} deliveries/s ({rate / 2:.0f} offers/s)")
    else:
        print("  deliveries did not finish within 120 s")
    print(f"  written: {texts} text messages, {emails} email files (the file backend appends messages sent in the same"
          " second to one file)")
    print(f"  load average (1/5/15 min) at the end: {load_average()}")
    print("RESULT " + json.dumps({"code": str(ROOT), "response": result["response"], "outbox": result["outbox"],
                                  "delivered": result["delivered"], "invited": result["invited"],
                                  "matching_ms": statistics.median(warm)}))
    shutil.rmtree(work, ignore_errors=True)


def side_by_side(args) -> None:
    """Alternate whole broadcasts between this tree and a baseline commit on the same 100,000 profiles."""
    sys.path.insert(0, str(HERE.parents[1] / "bench"))
    from sidebyside import baseline_tree, load, median

    roots = {"baseline": baseline_tree(args.baseline), "new": HERE.parents[1]}
    runs: dict[str, list[dict]] = {side: [] for side in roots}
    print(f"load average at the start: {load()}", flush=True)
    first = True
    for rep in range(args.reps):
        for side in (["baseline", "new"] if rep % 2 == 0 else ["new", "baseline"]):
            command = [sys.executable, __file__, "--code", str(roots[side]), "--profiles", str(args.profiles),
                       "--concurrency", str(args.concurrency)] + ([] if first and not args.keep_data else ["--keep-data"])
            first = False
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
            assert result["code"] == str(roots[side]), result
            runs[side].append(result)
            print(f"[{side}] {result['invited']} offers: POST {result['response'] * 1000:.0f} ms, outbox "
                  f"{result['outbox']} s, all {2 * result['invited']} deliveries sent after {result['delivered']} s "
                  f"(load average {load()})", flush=True)
    for key in ("response", "outbox", "delivered"):
        old = median([r[key] for r in runs["baseline"] if r[key] is not None])
        new = median([r[key] for r in runs["new"] if r[key] is not None])
        print(f"median {key}: baseline {old:.2f} s, new {new:.2f} s, new / baseline {new / old:.2f}")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
