"""Production-like settings for the search benchmarks: DEBUG off, persistent DB connections,
no SSL redirect (plain HTTP on loopback), quiet logs, throttles out of the way, plus one extra
URL for the hand-written comparison view."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("THROTTLE_ANON", "100000000/min")
os.environ.setdefault("THROTTLE_USER", "100000000/min")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from gigbook.settings import *  # noqa: E402,F403

ROOT_URLCONF = "search_bench_urls"
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# 0 turns the search page cache off (load.py runs one server each way).
MUSICIAN_SEARCH_CACHE_SECONDS = int(os.environ.get("MUSICIAN_SEARCH_CACHE_SECONDS", "60"))
