"""Throughput of GET /api/musicians/ under gunicorn vs a hand-written view running the same SQL.

    apt-get install -y wrk
    .venv/bin/python bench/search/load.py [--workers 3] [--seconds 15] [--rounds 2]

Starts two gunicorn servers (sync workers, persistent database connections: CONN_MAX_AGE=600) on
gigbook_bench with search_bench_settings, one with the search page cache on (as deployed) and one
with it off, checks that the endpoint and the hand-written view return the same JSON, then runs
wrk against each, alternating, ``--rounds`` times, and prints requests/s, latency and the ratios
(best round of each). The URL is the combined search (instrument + genre + 3-hour window + max
rate + venue), the same first page every time: PostgreSQL's caches are warm and the query plan is
the same each time ("cached-plan first page").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PORT = 18765  # and 18766; unusual ports so other benchmarks on this machine do not collide
TARGET_RPS, TARGET_RATIO = 1000, 0.60


def combined_params() -> dict:
    start = (datetime.now(UTC) + timedelta(days=20)).replace(hour=18, minute=0, second=0, microsecond=0)
    return {
        "instrument": "drums", "genre": "rock",
        "available_from": start.isoformat(), "available_to": (start + timedelta(hours=3)).isoformat(),
        "max_rate": "100", "currency": "GBP", "near": "51.5074,-0.1278",
    }


def wrk(url: str, seconds: int, connections: int) -> tuple[float, str]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    return rps, f"mean latency {latency}, p99 {p99}"


def start_server(port: int, workers: int, cache_seconds: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "search_bench_settings", "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
           "MUSICIAN_SEARCH_CACHE_SECONDS": str(cache_seconds)}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "search_bench_wsgi:application", "--workers", str(workers),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    # Two servers on the same code: the endpoint as deployed (search page cache on) and with the
    # cache off, so the framework cost is compared like for like with the hand-written view.
    servers = [start_server(PORT, args.workers, 60), start_server(PORT + 1, args.workers, 0)]
    try:
        query = urlencode(combined_params())
        urls = {
            "api (page cache on)": f"http://127.0.0.1:{PORT}/api/musicians/?{query}",
            "api (page cache off)": f"http://127.0.0.1:{PORT + 1}/api/musicians/?{query}",
            "hand-written view": f"http://127.0.0.1:{PORT + 1}/bench/raw-search/?{query}",
        }
        bodies = {name: json.load(urllib.request.urlopen(url)) for name, url in urls.items()}  # noqa: S310
        for body in bodies.values():  # only the links may differ (each names its own host and path)
            body.pop("next", None)
        if len({json.dumps(body, sort_keys=True) for body in bodies.values()}) != 1:
            raise SystemExit("The three answers differ; the hand-written view must return the same JSON.")
        sample = bodies["hand-written view"]
        print(f"combined search first page: {sample['count']} matches, {len(sample['results'])} cards, "
              f"{len(json.dumps(sample))} bytes; identical JSON from all three")
        print(f"gunicorn: {args.workers} sync workers per server; wrk: 1 thread, {args.connections} connections, "
              f"{args.seconds}s x {args.rounds} rounds; load average before: {os.getloadavg()[0]:.2f}")
        for url in urls.values():  # warm up every worker
            wrk(url, 3, args.connections)
        best = dict.fromkeys(urls, 0.0)
        for round_number in range(1, args.rounds + 1):
            for name, url in urls.items():
                rps, detail = wrk(url, args.seconds, args.connections)
                print(f"  round {round_number} {name:21}: {rps:8.1f} req/s  ({detail})")
                best[name] = max(best[name], rps)
        raw = best["hand-written view"]
        for name, rps in best.items():
            print(f"{name:21}: {rps:8.1f} req/s  ({rps / raw:.0%} of the hand-written view)")
        cached, uncached = best["api (page cache on)"], best["api (page cache off)"]
        print(f"targets: endpoint >= {TARGET_RPS} req/s: {'meets' if cached >= TARGET_RPS else 'MISSES'} "
              f"({cached:.0f}); >= {TARGET_RATIO:.0%} of the hand-written view: with the cache "
              f"{'meets' if cached / raw >= TARGET_RATIO else 'MISSES'} ({cached / raw:.0%}), like for like without it "
              f"{'meets' if uncached / raw >= TARGET_RATIO else 'MISSES'} ({uncached / raw:.0%})")
        print(f"load average after: {os.getloadavg()[0]:.2f} (other work on this machine lowers every figure)")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
