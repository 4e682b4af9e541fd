"""A session of several accepted players, through the real booking services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bookings import services
from bookings.models import Booking, Venue
from tests.bookings.factories import make_profile, make_venue, offer

PLAYERS = (("alto-sax", "Sam Sax"), ("drums", "Dee Drums"), ("double-bass", "Bo Bass"))


@dataclass
class Session:
    producer: object
    venue: Venue
    bookings: dict[str, Booking]  # by instrument slug
    musicians: dict[str, object]

    def refresh(self) -> None:
        for slug, booking in self.bookings.items():
            self.bookings[slug] = Booking.objects.get(pk=booking.pk)


def make_session(producer, make_user, *, starts_at: datetime, venue: Venue | None = None, hours: float = 3,
                 players=PLAYERS, email_prefix: str = "") -> Session:
    venue = venue or make_venue(producer)
    bookings, musicians = {}, {}
    for slug, name in players:
        user = make_user(musician=True, full_name=name, email=f"{email_prefix}{slug}@example.com",
                         time_zone="Europe/London")
        profile = make_profile(user, instruments=(slug,))
        booking = offer(producer, profile, venue=venue, starts_at=starts_at, hours=hours, instrument=slug,
                        fee_basis="hourly", rate="60.00")
        bookings[slug] = services.booking_accept(booking_id=booking.pk, actor=user)
        musicians[slug] = user
    return Session(producer=producer, venue=venue, bookings=bookings, musicians=musicians)


def later(session: Session, delta: timedelta) -> dict:
    anchor = session.bookings["alto-sax"]
    return {"starts_at": anchor.starts_at + delta, "ends_at": anchor.ends_at + delta}
