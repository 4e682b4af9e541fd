"""Earnings summary for a musician with 5,000 invoices: latency and SQL statements.

    .venv/bin/python bench/billing/earnings_bench.py [--invoices 5000] [--others 20] [--runs 300]

(Re)creates the gigbook_bench_billing database (BENCH_DATABASE_URL to change it), migrates it, and
writes one musician with ``--invoices`` issued/paid invoices over three years plus ``--others``
musicians with 2,000 invoices each (so the table is not just hers), then VACUUM ANALYZE. It times
(1) ``selectors.earnings_summary`` in process, per grouping, over the current UK tax year and over
all three years, and (2) ``GET /api/earnings/`` through every middleware, DRF and JSON rendering
(``django.test.Client``, token auth, no network), and counts the SQL statements of each. Figures
are printed, not asserted; the load average is printed next to them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench_billing")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.billing.bench_settings")


def recreate_database() -> None:
    parts = urlsplit(BENCH_URL)
    name = parts.path.lstrip("/")
    admin = ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U",
             parts.username or "postgres", "-d", "postgres", "-q", "-c"]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse the existing database")
    args = parser.parse_args()
    if not args.keep:
        recreate_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from billing import rules, selectors
    from billing.models import Invoice
    from bookings.models import Booking
    from gigbook.accounts.models import User
    from musicians.models import Instrument

    if not args.keep:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        rng = random.Random(5000)
        piano = Instrument.objects.get_or_create(slug="piano", defaults={"name": "Piano", "family": "keys"})[0]
        producers = [User.objects.create_user(email=f"producer{n}@bench.test", password=None, full_name=f"Producer {n}",
                                              is_producer=True) for n in range(25)]
        musicians = [User.objects.create_user(email=f"musician{n}@bench.test", password=None,
                                              full_name=f"Musician {n}", is_musician=True,
                                              time_zone="Europe/London") for n in range(args.others + 1)]
        first_day = date.today() - timedelta(days=3 * 365)
        for index, musician in enumerate(musicians):
            count = args.invoices if index == 0 else 2000
            start0 = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
            step = timedelta(days=3 * 365) / count
            bookings = []
            for n in range(count):
                starts = start0 + step * n
                bookings.append(Booking(
                    producer=producers[rng.randrange(25)], musician=musician, instrument=piano,
                    # Remote recordings need no venue; the invoice's own work kind feeds the "kind" grouping.
                    kind="remote_recording", venue=None, time_zone="Europe/London", starts_at=starts, ends_at=starts + timedelta(hours=3),
                    currency="GBP", fee_basis="flat", rate=Decimal("200"), quote={}, fee_total=Decimal("200"),
                    status="completed", expires_at=starts, status_changed_at=starts, accepted_at=starts,
                    completed_at=starts, created_at=starts, updated_at=starts))
            made = Booking.objects.bulk_create(bookings, batch_size=2000)
            invoices = []
            for n, booking in enumerate(made):
                issued = booking.ends_at.date() + timedelta(days=1)
                net = Decimal(rng.randrange(8000, 90000)) / 100
                vat = rules.money(net * Decimal("0.2"), "GBP")
                total = net + vat
                paid = total if rng.random() < 0.7 else (Decimal(0) if rng.random() < 0.6 else (total / 2).quantize(Decimal("0.01")))
                invoices.append(Invoice(
                    musician=musician, producer=booking.producer, booking=booking, kind="invoice",
                    reason="completed", work_kind=rng.choice(["studio", "live", "tour", "other"]),
                    status="paid" if paid == total else "issued", currency="GBP", sequence=n + 1,
                    number=f"B-{n + 1:05d}", issued_at=booking.ends_at, issue_date=issued, terms_days=30,
                    due_date=issued + timedelta(days=30), subtotal=net, vat_rate=Decimal("20"), vat_amount=vat,
                    total=total, paid_amount=paid, created_at=booking.ends_at, updated_at=booking.ends_at))
            Invoice.objects.bulk_create(invoices, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"data: {Invoice.objects.count():,} invoices ({args.invoices:,} hers) in {time.perf_counter() - t0:.1f} s")

    musician = User.objects.get(email="musician0@bench.test")
    token, _ = Token.objects.get_or_create(user=musician)
    today = selectors.user_today(musician)
    ranges = {"tax year": rules.uk_tax_year(today), "3 years (all 5,000)": (today - timedelta(days=3 * 365 + 5), today)}
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"{'what':52} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'SQL':>4}")
    for label, (start, end) in ranges.items():
        for group in selectors.GROUPS:
            selectors.earnings_summary(user=musician, start=start, end=end, group_by=group)  # warm
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                selectors.earnings_summary(user=musician, start=start, end=end, group_by=group)
                times.append((time.perf_counter() - t) * 1000)
            with CaptureQueriesContext(connection) as queries:
                result = selectors.earnings_summary(user=musician, start=start, end=end, group_by=group)
            count = sum(t.count for t in result.totals.values())
            print(f"{'summary, ' + label + ', by ' + group + f' ({count} inv.)':52} {statistics.median(times):8.1f} "
                  f"{percentile(times, 95):8.1f} {percentile(times, 99):8.1f} {len(queries):4}")
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    start, end = ranges["3 years (all 5,000)"]
    for group in selectors.GROUPS:
        url = f"/api/earnings/?from={start}&to={end}&group_by={group}"
        assert client.get(url).status_code == 200
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"{'GET /api/earnings/, 3 years, by ' + group:52} {statistics.median(times):8.1f} "
              f"{percentile(times, 95):8.1f} {percentile(times, 99):8.1f} {len(queries):4}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("SQL per API request = token lookup + the one summary statement.")


if __name__ == "__main__":
    main()
