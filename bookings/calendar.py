"""iCalendar output for bookings: the per-user subscription feed and the .ics on confirmation emails.

Built with the ``icalendar`` library. Events are written in the booking's (venue's) zone with a
TZID and a matching VTIMEZONE, so every calendar app shows the right local time across DST. A
booking's UID never changes and its SEQUENCE is the booking's ``sequence`` (bumped by every
transition), so a change or a cancellation (STATUS:CANCELLED) updates the event instead of
adding a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import icalendar
from django.conf import settings

from bookings.models import Booking

PRODID = "-//GigBook//Bookings//EN"
REFRESH = timedelta(hours=1)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "gigbook.invalid"


def event_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@{_host()}"


def booking_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.pk}/"


def _description(booking: Booking, *, for_user) -> str:
    other = booking.musician if for_user is not None and for_user.pk == booking.producer_id else booking.producer
    lines = [
        f"{booking.get_kind_display()} · {booking.instrument.name}",
        f"With: {other.full_name}",
    ]
    if booking.brief_style:
        lines.append(f"Style: {booking.brief_style}")
    lines.append(f"Approach: {booking.get_brief_approach_display()}")
    if booking.brief_references:
        lines.append(f"References: {booking.brief_references}")
    if booking.brief_notes:
        lines.append(f"Notes: {booking.brief_notes}")
    if booking.venue_id and booking.venue.notes:
        lines.append(f"Venue notes: {booking.venue.notes}")
    lines.append(f"Fee: {booking.fee_total} {booking.currency}")
    if booking.status == Booking.Status.CANCELLED:
        lines.insert(0, f"CANCELLED: {booking.cancel_reason}")
    lines.append(f"Details: {booking_url(booking)}")
    return "\n".join(lines)


def booking_event(booking: Booking, *, for_user=None, stamp: datetime) -> icalendar.Event:
    zone = booking.zone
    event = icalendar.Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", f"{booking.instrument.name}: {booking.summary}")
    event.add("description", _description(booking, for_user=for_user))
    event.add("url", booking_url(booking))
    event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if booking.status == Booking.Status.CANCELLED else "OPAQUE")
    if booking.venue_id:
        venue = booking.venue
        event.add("location", f"{venue.name}, {venue.address}")
        if venue.latitude is not None and venue.longitude is not None:
            event.add("geo", (venue.latitude, venue.longitude))
    else:
        event.add("location", "Remote recording")
    return event


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The serialised VTIMEZONE for ``tzid`` over those years (b"" if icalendar cannot describe it).

    Building one walks the zone's transitions and serialising it folds many lines: a few ms each
    time, for output that only depends on (zone, years). Cached as bytes and spliced in.
    """
    try:
        return icalendar.Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1),
                                            last_date=date(last_year, 1, 1)).to_ical()
    except ValueError:
        return b""


def _finish(cal: icalendar.Calendar, bookings: list[Booking]) -> bytes:
    body = cal.to_ical()
    if not bookings:
        return body
    # VTIMEZONE rules only for the years the events span (keeps the feed small), placed before the
    # events that use them. UTC needs none (icalendar writes it with Z).
    first_year = min(b.starts_at for b in bookings).year - 1
    last_year = max(b.ends_at for b in bookings).year + 2
    zones = b"".join(_vtimezone(tzid, first_year, last_year) for tzid in sorted(cal.get_missing_tzids()))
    at = body.find(b"BEGIN:VEVENT\r\n")
    return body[:at] + zones + body[at:] if at >= 0 else body


def feed_ics(bookings: Iterable[Booking], *, user, stamp: datetime) -> bytes:
    """The user's subscription feed: accepted, completed and (recently) cancelled bookings."""
    cal = _calendar(f"GigBook – {user.full_name}")
    cal.add("method", "PUBLISH")
    # Calendar apps poll subscriptions on their own schedule; these ask for hourly refreshes.
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    items = list(bookings)
    for booking in items:
        cal.add_component(booking_event(booking, for_user=user, stamp=stamp))
    return _finish(cal, items)


def booking_ics(booking: Booking, *, for_user=None, stamp: datetime) -> str:
    """A one-event calendar for an email attachment (METHOD:PUBLISH: an entry, not a meeting invite)."""
    cal = _calendar("GigBook booking")
    cal.add("method", "PUBLISH")
    cal.add_component(booking_event(booking, for_user=for_user, stamp=stamp))
    return _finish(cal, [booking]).decode()
