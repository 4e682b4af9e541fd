"""Production-like settings for the earnings benchmark: DEBUG off, persistent connections, quiet logs, its own
database and Redis number."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench_billing")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("THROTTLE_ANON", "100000000/min")
os.environ.setdefault("THROTTLE_USER", "100000000/min")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from gigbook.settings import *  # noqa: E402,F403

LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
