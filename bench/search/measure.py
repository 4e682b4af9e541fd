"""Server-side latency and query count of the combined search, in process, on gigbook_bench.

    .venv/bin/python bench/search/measure.py [--requests 400]

Each request is a full Django request through every middleware, DRF, the ORM and JSON rendering
(django.test.Client, no network), for GET /api/musicians/ with instrument + genre + a 3-hour
availability window + max rate + venue (travel radius), varied across requests: random
instrument and genre, start times over the next 90 days, rates and UK/EU venues. Prints p50/p95/
p99 of the wall time, the SQL statements per page (for page sizes 5, 20 and 100) and the plans.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "search_bench_settings")
# The throttle stays on (as deployed) at a rate no run reaches.

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from musicians.cities import CITIES  # noqa: E402

TARGET_P95_MS, TARGET_BROAD_P95_MS = 40.0, 100.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def combined_queries(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug FROM musicians_instrument ORDER BY id")
        instruments = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT slug FROM musicians_genre ORDER BY id")
        genres = [row[0] for row in cursor.fetchall()]
    venues = [c for c in CITIES if c[1] in ("GB", "IE")] + [c for c in CITIES if c[1] in ("FR", "DE", "NL", "ES")]
    queries = []
    for _ in range(n):
        start = (now + timedelta(days=rng.randint(1, 90))).replace(hour=rng.choice([9, 10, 13, 18, 19]))
        city = venues[0] if rng.random() < 0.4 else rng.choice(venues)
        queries.append({
            "instrument": rng.choice(instruments),
            "genre": rng.choice(genres),
            "available_from": start.isoformat(),
            "available_to": (start + timedelta(hours=3)).isoformat(),
            "max_rate": rng.choice(["60", "80", "100", "150"]),
            "currency": "GBP" if city[1] == "GB" else "EUR",
            "near": f"{city[2]},{city[3]}",
        })
    return queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    from django.conf import settings

    # Every figure below runs the SQL: the search page cache is off, except in the last line.
    settings.MUSICIAN_SEARCH_CACHE_SECONDS = 0
    client = Client()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work here slows every figure)")
    queries = combined_queries(args.requests + 50)
    for params in queries[:50]:  # warm caches and the slug maps
        assert client.get("/api/musicians/", params).status_code == 200
    timings, counts = [], []
    for params in queries[50:]:
        started = time.perf_counter()
        response = client.get("/api/musicians/", params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        counts.append(response.json()["count"])
    p50, p95, p99 = (percentile(timings, f) for f in (0.5, 0.95, 0.99))
    print(f"combined search, {len(timings)} varied requests, 100k profiles (server-side, in process):")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   p99 {p99:.1f} ms   max {max(timings):.1f} ms   "
          f"mean {statistics.mean(timings):.1f} ms")
    print(f"  matches per query: median {statistics.median(counts):.0f}, max {max(counts)}, "
          f"zero-result queries {sum(1 for c in counts if c == 0)}")
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"  target p95 < {TARGET_P95_MS:.0f} ms: {verdict}")

    broad = dict(queries[60])
    broad.pop("genre")
    broad["instrument"] = "electric-guitar"
    broad["max_rate"] = "150"
    broad["near"] = f"{CITIES[0][2]},{CITIES[0][3]}"
    broad["currency"] = "GBP"
    print("query count per page (broad query, London guitarists):")
    for size in (5, 20, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/musicians/", {**broad, "page_size": size})
        print(f"  page_size={size:<3} -> {len(captured)} SQL statements, {len(response.json()['results'])} cards, "
              f"{response.json()['count']} matches")
    def timed(params, n=50, target=None):
        times = []
        for _ in range(n):
            started = time.perf_counter()
            client.get("/api/musicians/", params)
            times.append((time.perf_counter() - started) * 1000)
        p95 = percentile(times, .95)
        verdict = "" if target is None else f" (target p95 < {target:.0f} ms: {'meets' if p95 < target else 'MISSES'})"
        return f"p50 {percentile(times, .5):.1f} ms, p95 {p95:.1f} ms{verdict}"

    # Varied broad searches too, not one repeated: London-area guitarists, no genre, different windows.
    print(f"  broad query (count capped at 1000), repeated: {timed(broad, target=TARGET_BROAD_P95_MS)}")
    broad_varied = []
    for params in queries[50:150]:
        varied = {**params, "instrument": "electric-guitar", "max_rate": "150", "currency": "GBP",
                  "near": f"{CITIES[0][2]},{CITIES[0][3]}"}
        varied.pop("genre")
        broad_varied.append(varied)
    times = []
    for params in broad_varied:
        started = time.perf_counter()
        client.get("/api/musicians/", params)
        times.append((time.perf_counter() - started) * 1000)
    p95 = percentile(times, .95)
    print(f"  broad queries, 100 varied windows: p50 {percentile(times, .5):.1f} ms, p95 {p95:.1f} ms "
          f"(target p95 < {TARGET_BROAD_P95_MS:.0f} ms: {'meets' if p95 < TARGET_BROAD_P95_MS else 'MISSES'})")
    unfiltered = {}
    print(f"  no filters at all (100k matches, capped): {timed(unfiltered)}")
    settings.MUSICIAN_SEARCH_CACHE_SECONDS = 60
    print(f"same combined search repeated, page cache on: {timed(queries[50])}")


if __name__ == "__main__":
    main()
