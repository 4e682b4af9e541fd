"""Production-like settings for the search benchmarks: DEBUG off, persistent DB connections,
no SSL redirect (plain HTTP on loopback), quiet logs, throttles on but out of the way, plus the
extra URLs of the comparison views."""

import os

os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL",
                                                     "postgres://postgres@127.0.0.1:5432/gigbook_bench"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Throttles stay on (their cost is part of a request) with a limit no benchmark reaches; a
# one-second window keeps DRF's per-client timestamp lists as short as a real client's would be.
os.environ.setdefault("THROTTLE_ANON", "100000000/s")
os.environ.setdefault("THROTTLE_USER", "100000000/s")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from gigbook.settings import *  # noqa: E402,F403

ROOT_URLCONF = "search_bench_urls"
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# 0 turns the search page cache off (load.py runs one server each way).
MUSICIAN_SEARCH_CACHE_SECONDS = int(os.environ.get("MUSICIAN_SEARCH_CACHE_SECONDS", "60"))
# Each server load.py compares keeps its throttle counters and cached pages apart from the others'.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")  # noqa: F405
