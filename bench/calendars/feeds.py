"""Realistic Google-style calendar files of 500 events each, for the sync benchmark (seeded)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

HEADER = """BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:PUBLISH\r
X-WR-CALNAME:Bench {n}\r
X-WR-TIMEZONE:Europe/London\r
BEGIN:VTIMEZONE\r
TZID:Europe/London\r
X-LIC-LOCATION:Europe/London\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0000\r
TZOFFSETTO:+0100\r
TZNAME:BST\r
DTSTART:19700329T010000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0000\r
TZNAME:GMT\r
DTSTART:19701025T020000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""

EVENT = """BEGIN:VEVENT\r
DTSTART{start}\r
DTEND{end}\r
{extra}DTSTAMP:20260315T101500Z\r
UID:{uid}@google.com\r
CREATED:20260301T090000Z\r
DESCRIPTION:Private notes for event {i}\r
LAST-MODIFIED:20260312T183000Z\r
LOCATION:Studio {i}\\, London\r
SEQUENCE:0\r
STATUS:CONFIRMED\r
SUMMARY:Session {i}\r
TRANSP:{transp}\r
END:VEVENT\r
"""


def calendar_file(n: int, events: int = 500, now: datetime | None = None) -> bytes:
    """``events`` VEVENTs over the next 170 days: 88 % timed, 6 % all-day, 4 % free, 2 % weekly with an EXDATE."""
    rng = random.Random(n)
    now = now or datetime.now(UTC)
    today = now.date()
    parts = [HEADER.format(n=n)]
    for i in range(events):
        day = today + timedelta(days=rng.randint(0, 170))
        kind = rng.random()
        extra, transp = "", "OPAQUE"
        if kind < 0.06:
            start = f";VALUE=DATE:{day:%Y%m%d}"
            end = f";VALUE=DATE:{day + timedelta(days=rng.choice((1, 1, 2))):%Y%m%d}"
        else:
            hour = rng.randint(8, 20)
            length = rng.choice((1, 2, 3, 4))
            start = f";TZID=Europe/London:{day:%Y%m%d}T{hour:02d}{rng.choice((0, 30)):02d}00"
            end = f";TZID=Europe/London:{day:%Y%m%d}T{min(hour + length, 23):02d}{rng.choice((0, 30)):02d}00"
            if kind < 0.10:
                transp = "TRANSPARENT"
            elif kind < 0.12:
                exdate = day + timedelta(days=14)
                extra = (f"RRULE:FREQ=WEEKLY;COUNT=10\r\n"
                         f"EXDATE;TZID=Europe/London:{exdate:%Y%m%d}T{hour:02d}{start[-4:-2]}00\r\n")
        parts.append(EVENT.format(start=start, end=end, extra=extra, uid=f"bench-{n}-{i}", i=i, transp=transp))
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()
