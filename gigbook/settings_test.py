"""Test overlay: the real PostgreSQL and Redis, fast hashing, eager-free Celery."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("DEBUG", "1")

from gigbook.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("EMAIL_URL"):  # a worker started by a test gets a real local SMTP server instead
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "gigbook.notifications.sms.MemorySMSBackend")
# Lets tests (and the Celery worker they start) move the clock through the shared cache.
CLOCK_OVERRIDABLE = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Under pytest-xdist each worker gets its own cache namespace, so rate limits and the moved clock
# of one worker never leak into another.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
AUTH_RATE_LIMIT = "5/m"
WEBPUSH_ALLOW_LOOPBACK = True
PUSH_BACKEND = os.environ.get("PUSH_BACKEND", "gigbook.notifications.push.WebPushBackend")
# Calendar import tests serve their feeds from a local HTTP server (the SSRF refusal test turns this off).
CALENDAR_IMPORT_ALLOW_PRIVATE = True
