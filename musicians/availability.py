"""Pure time arithmetic for unavailability rules (no database): weekly rules to UTC intervals.

Weekly rules are wall-clock rules in a named time zone ("Tuesdays 18:00–22:00 in London"), so
across a DST change the UTC instants move by an hour and the local hours stay put. Two edge
cases follow zoneinfo's fold=0 rule and are documented in docs/profiles.md:
- a start in the spring-forward gap (e.g. 01:30 in London on the last Sunday of March) maps to
  the instant one gap later (02:30 BST);
- a start in the repeated autumn hour means its first occurrence (BST).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def weekly_occurrences(
    *,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date,
    valid_until: date | None,
    time_zone: str,
    window_start: datetime,
    window_end: datetime,
) -> Iterator[tuple[datetime, datetime]]:
    """Yield (start, end) in UTC of each occurrence that overlaps [window_start, window_end).

    An end time at or before the start time means the block runs past midnight into the next
    day (e.g. 22:00–02:00; 00:00–00:00 is a whole day).
    """
    zone = ZoneInfo(time_zone)
    # One day of slack each side: an occurrence that starts the local day before the window can
    # still run into it, and local dates differ from UTC dates by up to 14 hours.
    first = max(valid_from, window_start.astimezone(zone).date() - timedelta(days=1))
    last = window_end.astimezone(zone).date()
    if valid_until is not None:
        last = min(last, valid_until)
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    crosses_midnight = end_time <= start_time
    while day <= last:
        start = _utc(datetime.combine(day, start_time, tzinfo=zone))
        end_day = day + timedelta(days=1) if crosses_midnight else day
        end = _utc(datetime.combine(end_day, end_time, tzinfo=zone))
        if end > start and start < window_end and end > window_start:
            yield start, end
        day += timedelta(days=7)


def local_to_utc(moment: datetime, time_zone: str) -> datetime:
    """Interpret a naive wall-clock datetime in ``time_zone``; aware ones are just converted."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    return _utc(moment)
