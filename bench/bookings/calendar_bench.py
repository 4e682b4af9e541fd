"""Cost of the calendar output: VTIMEZONE generation from zoneinfo, a feed, an email .ics.

    .venv/bin/python bench/bookings/calendar_bench.py [--events 500]

In process, no database: bookings are unsaved model instances in five zones (London, New York,
Los Angeles, Lord Howe, Dublin) spread over two years, some in fall-back nights' repeated hours.
Prints (1) the first build of each zone's VTIMEZONE (zoneinfo scan + serialisation; cached after),
(2) a whole feed with warm caches, per event and in bytes, (3) one email .ics.
Figures are printed, not asserted: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gigbook.settings_test")

import django  # noqa: E402

django.setup()

from bookings import calendar  # noqa: E402
from bookings.models import Booking, Venue  # noqa: E402
from gigbook.accounts.models import User  # noqa: E402
from musicians.models import Instrument  # noqa: E402

ZONES = ["Europe/London", "America/New_York", "America/Los_Angeles", "Australia/Lord_Howe", "Europe/Dublin"]


def bookings(count: int) -> list[Booking]:
    producer = User(pk=1, email="p@example.com", full_name="Pat Producer")
    musician = User(pk=2, email="m@example.com", full_name="Mia Musician")
    piano = Instrument(pk=1, name="Piano", slug="piano")
    venues = [Venue(pk=n + 1, name=f"Studio {n}", address="1 Road", time_zone=zone, notes="Load-in at the back",
                    latitude=51.5, longitude=-0.1) for n, zone in enumerate(ZONES)]
    start = datetime(2027, 1, 1, 0, 20, tzinfo=UTC)
    # 10 minutes into each zone's fall-back nights: those events are written in UTC.
    repeated = {zone: [t.at + timedelta(minutes=10) for t in calendar.zone_transitions(zone, 2027, 2028)
                       if t.offset_to < t.offset_from] for zone in ZONES}
    made = []
    for n in range(count):
        venue = venues[n % len(venues)]
        starts = start + timedelta(hours=37 * n)
        if n % 50 < len(ZONES) and repeated[venue.time_zone]:
            starts = repeated[venue.time_zone].pop()
        made.append(Booking(
            pk=n + 1, producer=producer, musician=musician, instrument=piano, venue=venue, kind="studio_session",
            time_zone=venue.time_zone, starts_at=starts, ends_at=starts + timedelta(hours=3), currency="GBP",
            fee_total=Decimal("195.00"), status=Booking.Status.ACCEPTED, sequence=1, created_at=start,
            updated_at=start, brief_style="Soul", brief_approach="chart",
        ))
    return made


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    items = bookings(args.events)
    first_year = min(b.starts_at for b in items).year
    last_year = max(b.ends_at for b in items).year
    print(f"VTIMEZONE first build, {first_year}-{last_year} (zoneinfo scan + serialisation, then cached):")
    for zone in ZONES:
        began = time.perf_counter()
        body = calendar.vtimezone(zone, first_year, last_year)
        print(f"  {zone:22} {(time.perf_counter() - began) * 1000:6.1f} ms  {len(body):5} bytes")
    stamp = datetime(2027, 6, 1, tzinfo=UTC)
    user = items[0].musician
    feed = calendar.feed_ics(items, user=user, stamp=stamp)
    in_utc = sum(1 for b in items if calendar.is_ambiguous(b.starts_at, b.zone) or calendar.is_ambiguous(b.ends_at, b.zone))
    runs = timed(lambda: calendar.feed_ics(items, user=user, stamp=stamp), 5)
    median = statistics.median(runs)
    print(f"Feed of {len(items)} events ({in_utc} written in UTC): median {median:.0f} ms "
          f"({median * 1000 / len(items):.0f} us/event), {len(feed) / 1024:.0f} KiB")
    one = items[len(items) // 2]
    runs = timed(lambda: calendar.booking_ics(one, for_user=user, stamp=stamp), 50)
    print(f"Email .ics (one event, iTIP REQUEST): median {statistics.median(runs):.2f} ms")


if __name__ == "__main__":
    main()
