"""The time window of a booking, hold or short-notice request: one set of rules, one set of words.

``window_check`` reports every problem of a start/end pair at once (as field errors), so a form
hears "the start has passed" and "the end must be after the start" together with its other
errors, never one after the other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bookings.services.common import MAX_AHEAD, MAX_DURATION, MIN_DURATION
from bookings.services.terms import resolve_local_time
from gigbook.core.errors import ValidationFailed

# Longer than this is usually a typo (an end of 9 for 21, a date a day off); the producer confirms it.
LONG_WINDOW = timedelta(hours=12)


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f}" if hours == int(hours) else f"{hours:.1f}"


def window_check(
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
    zone_name: str | None,
    now: datetime,
    errors: dict[str, list[str]],
    noun: str = "booking",
    earliest: datetime | None = None,
    confirm_long: bool = True,
) -> tuple[datetime | None, datetime | None]:
    """Resolve naive times in ``zone_name`` and add every window problem to ``errors``.

    A missing time (it failed its own check) or an unknown zone (the venue is wrong: "in the past"
    cannot be judged) skips the checks that need it. Returns the aware start and end (None when
    unusable). ``earliest`` defaults to now; ``confirm_long=False`` refuses windows over 12 hours
    until the producer confirms them.
    """
    resolved: dict[str, datetime | None] = {"starts_at": None, "ends_at": None}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None or (zone_name is None and value.tzinfo is None):
            continue
        try:
            resolved[field] = resolve_local_time(value, zone_name or "UTC", field)
        except ValidationFailed as exc:
            for key, messages in exc.fields.items():
                errors.setdefault(key, []).extend(messages)
    start, end = resolved["starts_at"], resolved["ends_at"]
    if start is not None and "starts_at" not in errors:
        if start <= (earliest or now):
            errors["starts_at"] = ["This start has already passed: choose a time in the future." if start <= now
                                   else "The start must be at least a few minutes from now."]
        elif start > now + MAX_AHEAD:
            errors["starts_at"] = [f"A {noun} can start at most two years ahead."]
    if start is not None and end is not None and "ends_at" not in errors:
        span = end - start
        if span <= timedelta(0):
            errors["ends_at"] = ["The end must be after the start."]
        elif span < MIN_DURATION:
            errors["ends_at"] = [f"A {noun} lasts at least 15 minutes."]
        elif span > MAX_DURATION:
            errors["ends_at"] = [f"A {noun} can last at most 14 days; book longer runs as several."]
        elif span > LONG_WINDOW and not confirm_long:
            errors["ends_at"] = [f"This {noun} would last {_hours(span)} hours. Check the end time, or confirm "
                                 "that it really runs this long."]
    return start, end
