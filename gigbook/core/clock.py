"""The one place code asks for the current time, so tests can move it.

In settings with ``CLOCK_OVERRIDABLE`` (tests only) an override stored in the shared cache is
honoured, so a Celery worker in another process sees the same moved clock as the test.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

_CACHE_KEY = "gigbook:clock:now"


def now() -> datetime:
    if getattr(settings, "CLOCK_OVERRIDABLE", False):
        override = cache.get(_CACHE_KEY)
        if override is not None:
            return datetime.fromisoformat(override)
    return timezone.now()


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware datetime), or unfreeze with None. Tests only."""
    if not getattr(settings, "CLOCK_OVERRIDABLE", False):
        raise RuntimeError("The clock can only be moved when CLOCK_OVERRIDABLE is set (tests).")
    if moment is None:
        cache.delete(_CACHE_KEY)
    else:
        if timezone.is_naive(moment):
            raise ValueError("set_now needs an aware datetime")
        cache.set(_CACHE_KEY, moment.isoformat(), timeout=None)
