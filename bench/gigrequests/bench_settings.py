"""Production-like settings for the short-notice benchmarks: DEBUG off, persistent DB connections, no
SSL redirect (plain HTTP on loopback), quiet logs, throttles out of the way, their own database and
Redis database."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench_gigrequests")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "y" * 60)
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("THROTTLE_ANON", "100000000/min")
os.environ.setdefault("THROTTLE_USER", "100000000/min")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from gigbook.settings import *  # noqa: E402,F403

LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# 409s are the expected outcome of the race; do not time the logging of each one.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
