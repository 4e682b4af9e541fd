"""Production-like settings for the accept benchmark: DEBUG off, persistent DB connections, no SSL
redirect (plain HTTP on loopback), quiet logs, throttles out of the way, its own database."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench_bookings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("THROTTLE_ANON", "100000000/min")
os.environ.setdefault("THROTTLE_USER", "100000000/min")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from gigbook.settings import *  # noqa: E402,F403

LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# 409s are the expected outcome of the contention run; do not time the logging of each one.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
