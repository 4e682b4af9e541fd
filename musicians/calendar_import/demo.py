"""Demo data: the demo musician imports one (made-up) Google calendar, read a few minutes ago.

No network at seed time: the feed is a small file written here and read with the same parser the
sync uses. The address is not a real calendar, so its next sync is put a week away (a demo reseeds
long before); after that it would show a fetch error, then "out of date", as a real dead feed would.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from gigbook.core import clock
from musicians.calendar_import import crypto
from musicians.calendar_import.models import ImportedCalendar
from musicians.calendar_import.parse import busy_intervals
from musicians.models import BusyInterval, MusicianProfile

DEMO_URL = "https://calendar.google.com/calendar/ical/mia.reeds.demo%40gmail.com/private-0demo0000/basic.ics"


def _demo_feed(now) -> bytes:
    """Weekly teaching (free on one week), a rehearsal, an all-day trip and a "free" reminder."""
    day = (now + timedelta(days=3)).date()
    return (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        "X-WR-TIMEZONE:Europe/London\r\n"
        f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/London:{day:%Y%m%d}T100000\r\n"
        f"DTEND;TZID=Europe/London:{day:%Y%m%d}T130000\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\n"
        f"EXDATE;TZID=Europe/London:{day + timedelta(days=14):%Y%m%d}T100000\r\n"
        "UID:demo-teaching@google.com\r\nSUMMARY:Teaching\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/London:{day + timedelta(days=2):%Y%m%d}T190000\r\n"
        f"DTEND;TZID=Europe/London:{day + timedelta(days=2):%Y%m%d}T220000\r\n"
        "UID:demo-rehearsal@google.com\r\nSUMMARY:Rehearsal\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{day + timedelta(days=20):%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{day + timedelta(days=22):%Y%m%d}\r\nTRANSP:OPAQUE\r\n"
        "UID:demo-trip@google.com\r\nSUMMARY:Family trip\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/London:{day + timedelta(days=1):%Y%m%d}T090000\r\n"
        f"DTEND;TZID=Europe/London:{day + timedelta(days=1):%Y%m%d}T093000\r\nTRANSP:TRANSPARENT\r\n"
        "UID:demo-reminder@google.com\r\nSUMMARY:Call the tuner\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


def seed(*, stdout=None) -> None:
    user = get_user_model().objects.filter(email="musician@gigbook.test").first()
    profile = MusicianProfile.objects.filter(user=user).first() if user else None
    if profile is None or ImportedCalendar.objects.filter(profile=profile).exists():
        return
    now = clock.now()
    parsed = busy_intervals(_demo_feed(now), window_start=now, window_end=now + timedelta(days=180),
                            fallback_zone="Europe/London", max_events=1000)
    synced = now - timedelta(minutes=7)
    calendar = ImportedCalendar.objects.create(
        profile=profile, name="Google (personal)", url_encrypted=crypto.encrypt_url(DEMO_URL),
        url_hint=crypto.url_hint(DEMO_URL), created_at=now - timedelta(days=30), next_due_at=now + timedelta(days=7),
        last_attempt_at=synced, last_success_at=synced, last_changed_at=synced, time_zone=parsed.time_zone,
        busy_count=len(parsed.intervals),
    )
    BusyInterval.objects.bulk_create([
        BusyInterval(profile=profile, starts_at=start, ends_at=end, source=BusyInterval.Source.CALENDAR,
                     source_id=str(calendar.pk), label="Busy (own calendar)")
        for start, end in parsed.intervals
    ])
    if stdout:
        stdout.write(f"calendar import: 1 demo calendar, {len(parsed.intervals)} busy times")
