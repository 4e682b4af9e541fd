"""Read a calendar file into busy intervals: times only, never titles, places or notes.

Uses kept libraries: ``icalendar`` to read, ``x-wr-timezone`` for Google/Apple calendars whose
times are written in UTC but meant in the calendar's X-WR-TIMEZONE, and ``recurring-ical-events``
for RRULE/RDATE/EXDATE/RECURRENCE-ID. No database here.

Rules (docs/calendar-import.md):
- TRANSP:TRANSPARENT ("show me as free"), Outlook's BUSYSTATUS FREE and cancelled events are free;
  tentative events are busy (a diary entry is a commitment until the musician says otherwise).
- All-day events and floating times are read in the calendar's own time zone: X-WR-TIMEZONE, else
  the one VTIMEZONE of the file (Outlook's Windows names such as "GMT Standard Time" are mapped),
  else the musician's time zone.
- Overlapping and touching intervals are merged, so one calendar gives one row per busy stretch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON


class ParseError(Exception):
    """A calendar we cannot read, with a message in plain words for the musician."""


@dataclass(frozen=True)
class ParsedCalendar:
    intervals: list[tuple[datetime, datetime]]
    time_zone: str
    events: int  # occurrences read in the window (busy or free)


# Parse attempts in this process: tests check that a 304 answer costs no parsing.
parse_count = 0


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    name = str(name).strip()
    name = WINDOWS_TO_OLSON.get(name, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def calendar_zone(calendar: icalendar.Calendar, fallback: str) -> ZoneInfo:
    zone = _zone(calendar.get("X-WR-TIMEZONE"))
    if zone is None:
        tzids = {str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")}
        if len(tzids) == 1:
            zone = _zone(tzids.pop())
    return zone or ZoneInfo(fallback)


def _as_utc(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day date: midnight where the calendar lives
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:  # floating time or all-day: the calendar's wall clock
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _is_free(event) -> bool:
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return True
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return True
    return str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE"


def merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def busy_intervals(
    body: bytes, *, window_start: datetime, window_end: datetime, fallback_zone: str, max_events: int
) -> ParsedCalendar:
    """Busy [start, end) in UTC overlapping [window_start, window_end), clipped to it and merged."""
    global parse_count
    parse_count += 1
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise ParseError("This address did not return a calendar (it looks like a web page or another file). "
                         "Copy the calendar's public or secret address again.")
    try:
        calendar = icalendar.Calendar.from_ical(text)
        zone = calendar_zone(calendar, fallback_zone)
        calendar = x_wr_timezone.to_standard(calendar)
        found: list[tuple[datetime, datetime]] = []
        seen = 0
        for event in recurring_ical_events.of(calendar, components=["VEVENT"]).after(window_start):
            start_value = event.decoded("DTSTART")
            start = _as_utc(start_value, zone)
            if start >= window_end:
                break  # occurrences come in start order
            seen += 1
            if seen > max_events:
                raise ParseError(f"The calendar has more than {max_events} events in the next months, "
                                 "more than we can read. Is a repeating event set to repeat every minute?")
            if _is_free(event):
                continue
            if "DTEND" in event:
                end = _as_utc(event.decoded("DTEND"), zone)
            elif "DURATION" in event:
                end = start + event.decoded("DURATION")
            elif not isinstance(start_value, datetime):
                end = _as_utc(start_value + timedelta(days=1), zone)
            else:
                continue  # an instant: RFC 5545 says it takes no time
            start, end = max(start, window_start), min(end, window_end)
            if end > start:
                found.append((start, end))
    except ParseError:
        raise
    except Exception as exc:  # icalendar and recurring-ical-events raise many kinds of errors
        if "rule" in type(exc).__name__.lower() or "rrule" in str(exc).lower():
            raise ParseError("A repeating event in this calendar has a rule we cannot read. "
                             "Open it in your calendar app and save it again.") from None
        raise ParseError("This calendar file is damaged and could not be read.") from None
    return ParsedCalendar(intervals=merge(found), time_zone=zone.key, events=seen)
