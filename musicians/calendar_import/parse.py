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

import re
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


# Only these properties are read; the rest (titles, places, notes, attendees, alarms' text) are
# dropped before parsing, which also makes parsing a 500-event calendar several times cheaper.
KEPT_PROPERTIES = frozenset(
    b"BEGIN END VERSION PRODID X-WR-TIMEZONE TZID TZOFFSETFROM TZOFFSETTO TZNAME DTSTART DTEND DURATION "
    b"RRULE RDATE EXDATE EXRULE RECURRENCE-ID UID SEQUENCE TRANSP STATUS X-MICROSOFT-CDO-BUSYSTATUS".split()
)
# Lines that say only what is assumed anyway (busy, not cancelled, first version) are dropped too.
_DEFAULT_LINES = frozenset(
    b"TRANSP:OPAQUE STATUS:CONFIRMED STATUS:TENTATIVE SEQUENCE:0 X-MICROSOFT-CDO-BUSYSTATUS:BUSY".split()
)
_FOLD = re.compile(rb"\r?\n[ \t]")
_NAME_END = re.compile(rb"[;:]")
# Repeating events are expanded a month at a time, so a rule repeating every minute is refused
# after a month's worth of occurrences rather than after building six months of them.
SLICE = timedelta(days=30)


def essentials(body: bytes, *, after: str = "", before: str = "") -> bytes:
    """The calendar with only the properties busy time needs (lines unfolded, RFC 5545 3.1).

    With ``after``/``before`` (YYYYMMDD, with a day or two of slack for time zones), single events
    that end before ``after`` or start after ``before`` are dropped unparsed: a Google export holds
    the calendar's whole history, years of it.
    """
    kept: list[bytes] = []
    block: list[bytes] | None = None
    for line in _FOLD.sub(b"", body).splitlines():
        match = _NAME_END.search(line)
        if not match:
            continue
        name = line[: match.start()].upper()
        if name not in KEPT_PROPERTIES or line.upper() in _DEFAULT_LINES:
            continue
        if line.upper() == b"BEGIN:VEVENT":
            block = [line]
        elif block is not None:
            block.append(line)
            if line.upper() == b"END:VEVENT":
                if _in_window(block, after.encode(), before.encode()):
                    kept.extend(block)
                block = None
        else:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n"


def _in_window(block: list[bytes], after: bytes, before: bytes) -> bool:
    if not after and not before:
        return True
    dates: dict[bytes, bytes] = {}
    for line in block:
        name = _NAME_END.split(line, maxsplit=1)[0].upper()
        if name in (b"RRULE", b"RDATE", b"RECURRENCE-ID", b"DURATION"):
            return True  # series and durations are left to the libraries
        if name in (b"DTSTART", b"DTEND"):
            dates[name] = line.rsplit(b":", 1)[-1][:8]
    start, end = dates.get(b"DTSTART", b""), dates.get(b"DTEND", b"")
    if not (start.isdigit() and len(start) == 8):
        return True  # let the parser say what is wrong with it
    if after and (end if end.isdigit() and len(end) == 8 else start) < after:
        return False
    return not (before and start > before)


def _busy(event, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    if _is_free(event):
        return None
    start_value = event.decoded("DTSTART")
    start = _as_utc(start_value, zone)
    if "DTEND" in event:
        end = _as_utc(event.decoded("DTEND"), zone)
    elif "DURATION" in event:
        end = start + event.decoded("DURATION")
    elif not isinstance(start_value, datetime):
        end = _as_utc(start_value + timedelta(days=1), zone)
    else:
        return None  # an instant: RFC 5545 says it takes no time
    return start, end


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
    too_many = ParseError(f"The calendar has more than {max_events} events in the next months, more than we can "
                          "read. Is a repeating event set to repeat every minute?")
    try:
        slack = timedelta(days=2)
        calendar = icalendar.Calendar.from_ical(essentials(
            text, after=f"{window_start - slack:%Y%m%d}", before=f"{window_end + slack:%Y%m%d}"))
        zone = calendar_zone(calendar, fallback_zone)
        calendar = x_wr_timezone.to_standard(calendar)
        events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        # Series (a rule, extra dates or moved occurrences) go through recurring-ical-events; the
        # single events, most of a diary, are read directly, which is much cheaper.
        series = {str(e.get("UID", "")) for e in events if {"RRULE", "RDATE", "RECURRENCE-ID"} & set(e.keys())}
        found: list[tuple[datetime, datetime]] = []
        seen = 0
        for event in events:
            if str(event.get("UID", "")) in series:
                continue
            interval = _busy(event, zone)
            if interval is not None and interval[1] > window_start and interval[0] < window_end:
                seen += 1
                found.append(interval)
        if series:
            calendar.subcomponents = [c for c in calendar.subcomponents
                                      if c.name != "VEVENT" or str(c.get("UID", "")) in series]
            query = recurring_ical_events.of(calendar, components=["VEVENT"])
            since = window_start
            while since < window_end:
                until = min(since + SLICE, window_end)
                # An occurrence across a slice boundary comes twice; merging makes that harmless.
                for event in query.between(since, until):
                    seen += 1
                    if seen > max_events:
                        raise too_many
                    interval = _busy(event, zone)
                    if interval is not None:
                        found.append(interval)
                since = until
        if seen > max_events:
            raise too_many
    except ParseError:
        raise
    except Exception as exc:  # icalendar and recurring-ical-events raise many kinds of errors
        if "rule" in type(exc).__name__.lower() or "rrule" in str(exc).lower():
            raise ParseError("A repeating event in this calendar has a rule we cannot read. "
                             "Open it in your calendar app and save it again.") from None
        raise ParseError("This calendar file is damaged and could not be read.") from None
    clipped = [(max(start, window_start), min(end, window_end)) for start, end in found]
    return ParsedCalendar(intervals=merge([(s, e) for s, e in clipped if e > s]), time_zone=zone.key, events=seen)
