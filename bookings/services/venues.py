"""A producer's venues."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q

from bookings import messages
from bookings.models import Booking, Venue
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

Status = Booking.Status

VENUE_FIELDS = ("name", "address", "city", "latitude", "longitude", "time_zone", "notes")


def _venue_validate(venue: Venue) -> None:
    from django.core.exceptions import ValidationError

    if (venue.latitude is None) != (venue.longitude is None):
        raise ValidationFailed(fields={"latitude": ["Give both latitude and longitude, or neither."]})
    try:
        venue.full_clean(exclude=["owner"])
    except ValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from exc


@transaction.atomic
def venue_create(*, owner, name: str, address: str, time_zone: str, city: str = "", latitude: float | None = None,
                 longitude: float | None = None, notes: str = "") -> Venue:
    """A producer adds a studio or venue to reuse in offers."""
    if not owner.is_producer:
        raise Forbidden("Only producers keep venues.", code="not_producer")
    venue = Venue(owner=owner, name=name.strip(), address=address.strip(), city=city.strip(), latitude=latitude,
                  longitude=longitude, time_zone=time_zone, notes=notes.strip(), created_at=clock.now())
    _venue_validate(venue)
    venue.save()
    return venue


# What calendar events show of a venue (LOCATION, GEO, the description's venue notes).
VENUE_CALENDAR_FIELDS = ("name", "address", "latitude", "longitude", "notes")


@transaction.atomic
def venue_update(*, owner, venue_id: int, **changes: Any) -> Venue:
    """Edit one of the producer's venues. Bookings keep the time zone they were made in.

    When a field calendars show changes, every booking at the venue that calendars list gets a
    higher SEQUENCE (so subscribed calendars replace the event), and both parties of each upcoming
    accepted booking get the updated .ics by email (iTIP REQUEST).
    """
    venue = Venue.objects.select_for_update().filter(pk=venue_id, owner=owner).first()
    if venue is None:
        raise NotFound("No such venue.")
    shown_before = [getattr(venue, name) for name in VENUE_CALENDAR_FIELDS]
    for name, value in changes.items():
        if name not in VENUE_FIELDS:
            raise TypeError(name)
        setattr(venue, name, value.strip() if isinstance(value, str) else value)
    _venue_validate(venue)
    venue.save()
    if [getattr(venue, name) for name in VENUE_CALENDAR_FIELDS] != shown_before:
        now = clock.now()
        listed = Booking.objects.filter(venue=venue).filter(
            Q(status__in=Booking.BLOCKING_STATUSES) | Q(status=Status.CANCELLED, accepted_at__isnull=False)
        )
        listed.update(sequence=F("sequence") + 1, updated_at=now)
        for booking in listed.filter(status=Status.ACCEPTED, ends_at__gt=now).select_related(
                "producer", "musician", "instrument", "venue"):
            messages.notify_venue_changed(booking)
    return venue


@transaction.atomic
def venue_delete(*, owner, venue_id: int) -> None:
    venue = Venue.objects.filter(pk=venue_id, owner=owner).first()
    if venue is None:
        raise NotFound("No such venue.")
    if venue.bookings.exists():
        raise Conflict("This venue is used by bookings and cannot be deleted.", code="venue_in_use")
    venue.delete()
