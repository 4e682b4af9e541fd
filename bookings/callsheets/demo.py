"""A demo session whose call sheet changed critically: the demo musician still has to re-confirm.

Idempotent: the session's bookings have a fixed title. Made through the real services (the
bookings are accepted, the edit moves them and writes the messages), so the producer's page shows
real sent/delivered/opened/confirmed times.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings import services as booking_services
from bookings.callsheets import services
from bookings.demo import _instrument_for
from bookings.models import Booking, Venue
from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import DomainError
from musicians.models import MusicianProfile

TITLE = "Demo: call sheet session"
PLAYERS = ("musician@gigbook.test", "bass@gigbook.test", "drums@gigbook.test")


def seed(*, stdout=None) -> None:
    producer = User.objects.filter(email="producer@gigbook.test").first()
    venue = Venue.objects.filter(owner=producer, name="Abbey Road Studio 2").first() if producer else None
    if venue is None or Booking.objects.filter(producer=producer, title=TITLE).exists():
        return
    zone = ZoneInfo(venue.time_zone)
    # Day 4, 14:00: clear of the other demo bookings, holds and the demo musician's blocked days.
    day = (clock.now().astimezone(zone) + timedelta(days=4)).date()
    start = datetime.combine(day, time(14), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    bookings = []
    for email in PLAYERS:
        profile = MusicianProfile.objects.select_related("user").filter(
            user__email=email, status=MusicianProfile.Status.APPROVED).first()
        instrument = _instrument_for(profile) if profile else None
        if instrument is None:
            continue
        try:
            bookings.append(booking_services.booking_create_accepted(
                producer=producer, musician=profile.user, instrument=instrument, kind="studio_session",
                venue=venue, starts_at=start, ends_at=start + timedelta(hours=3), title=TITLE,
                source=Booking.Source.OFFER, fee_basis="hourly", rate=profile.hourly_rate or "50.00"))
        except DomainError:
            continue  # that player is busy then in this database
    if not bookings:
        return
    anchor = bookings[0]
    try:
        services.call_sheet_edit(booking_id=anchor.pk, actor=producer, call_time="13:30",
                                 parking="No parking on site: NCP Lisson Grove, 6 minutes' walk.",
                                 dress="Smart casual; the session is filmed.",
                                 schedule="13:30 load-in · 14:00 tracking · 15:30 break · 17:00 wrap")
        services.call_sheet_edit(
            booking_id=anchor.pk, actor=producer, message="The string section overran: we start an hour later.",
            starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=4), call_time="14:30",
            materials=[{"title": f"{anchor.instrument.name} part, revised bridge", "bookings": [anchor.pk]}])
        for booking in bookings[1:2]:  # one player has confirmed; the others (the demo musician) have not
            services.call_sheet_confirm(booking_id=booking.pk, actor=booking.musician, version=3)
    except DomainError:
        return
    if stdout:
        stdout.write(f"call sheets: '{TITLE}' with {len(bookings)} players, changed critically (re-confirm needed)")
