"""Production-like settings for the calendar sync benchmark: DEBUG off, persistent DB connections, quiet
logs, its own database; the feed server is on 127.0.0.1, so private addresses are allowed here."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench_calendars")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "c" * 60)
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("CALENDAR_IMPORT_ALLOW_PRIVATE", "1")

from gigbook.settings import *  # noqa: E402,F403

LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
