"""Where a cached search page's time goes, in process: the WSGI handler called directly (no server, no network).

    BENCH_DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/search/hit_profile.py [--requests 3000] [--rounds 5] [--profile]

Times the same cached first page as load.py and the plain-JsonResponse floor, interleaved in
rounds (medians), with the search_bench settings (DEBUG off, throttles on), and prints µs per
request and the ratio. ``--profile`` adds a cProfile of the cached page (top functions by their
own time and by cumulative time). The database only answers the first (uncached) request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "search_bench_settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("BENCH_CACHE_PREFIX", "bench-hit-profile")

from load import combined_params  # noqa: E402
from search_bench_wsgi import application  # noqa: E402


def environ(path: str, query: str = "") -> dict:
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "18765", "HTTP_HOST": "127.0.0.1:18765", "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def call(env: dict) -> tuple[str, list, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    body = b"".join(application(dict(env, **{"wsgi.input": io.BytesIO(b"")}), start_response))
    return answer["status"], answer["headers"], body


def timed(env: dict, n: int) -> tuple[float, float, float]:
    """(wall, this process's user CPU, its system CPU) per request, in µs."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(n):
        call(env)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return tuple(spent / n * 1e6 for spent in (time.perf_counter() - started, after.ru_utime - before.ru_utime,
                                               after.ru_stime - before.ru_stime))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    search = environ("/api/musicians/", urlencode(combined_params()))
    floor = environ("/bench/floor/")
    status, headers, body = call(search)  # fills the page cache
    assert status.startswith("200"), (status, body[:300])
    status, headers, again = call(search)
    assert again == body
    print(f"cached page: {len(body)} bytes; headers: {headers}")
    for env in (search, floor):  # warm up
        timed(env, 200)
    kinds = ("wall", "user CPU", "system CPU")
    measured: dict[str, dict[str, list[float]]] = {kind: {"floor": [], "cached page": []} for kind in kinds}
    for _ in range(args.rounds):
        for name, env in (("floor", floor), ("cached page", search)):
            for kind, spent in zip(kinds, timed(env, args.requests), strict=True):
                measured[kind][name].append(spent)
    load = os.getloadavg()
    for label, results in measured.items():
        median = {name: statistics.median(values) for name, values in results.items()}
        for name, value in median.items():
            print(f"{label}: {name:12}: {value:7.1f} µs/request median ({min(results[name]):.0f}-{max(results[name]):.0f})")
        print(f"{label}: floor / cached page: {median['floor'] / median['cached page']:.0%}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (Redis's own CPU and waits are in wall only)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call(search)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
            print(out.getvalue())


if __name__ == "__main__":
    main()
