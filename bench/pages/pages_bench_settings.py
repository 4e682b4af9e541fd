"""Production-like settings for the phone pages benchmark: DEBUG off, compressed static files
served by WhiteNoise from a collected folder, plain HTTP on loopback, persistent connections."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_pagesbench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from gigbook.settings import *  # noqa: E402,F403

LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT = VAR_DIR / "bench-pages-static"  # noqa: F405
