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

VENUE_FIELDS = ("name", "address", "city", "place", "latitude", "longitude", "time_zone", "notes")

NO_POSITION = "Choose where the venue is: type its postcode or town and pick it from the list."


def _venue_locate(venue: Venue, *, place_typed: bool) -> None:
    """Fill the venue's position from ``venue.place`` unless a map pin gave one.

    A typed place is looked up in the gazetteer shipped with the app (no network call); its time zone
    and town fill those fields when they are empty. Raises ValidationFailed on ``place`` when nothing
    gives a position, in words the form shows as they are.
    """
    from gigbook.places.gazetteer import PlaceNotFound, place_resolve

    if (venue.latitude is None) != (venue.longitude is None):
        raise ValidationFailed(fields={"place": ["The map position is incomplete. Pick the place again."]})
    if venue.latitude is not None and not place_typed:
        if not venue.time_zone and venue.place:
            # A pin inside a place the producer picked: the place still tells the time zone.
            try:
                venue.time_zone = place_resolve(venue.place).time_zone
            except PlaceNotFound:
                pass
        return
    if not venue.place:
        if venue.latitude is not None:
            return
        raise ValidationFailed(fields={"place": [NO_POSITION]})
    try:
        found = place_resolve(venue.place)
    except PlaceNotFound as exc:
        raise ValidationFailed(fields={"place": [str(exc)]}) from exc
    venue.place = found.name
    venue.latitude, venue.longitude = found.latitude, found.longitude
    if not venue.time_zone:
        venue.time_zone = found.time_zone
    if not venue.city:
        venue.city = found.name.split(",")[-1].strip() if found.kind != "town" else found.name.split(",")[0]


def _venue_validate(venue: Venue) -> None:
    from django.core.exceptions import ValidationError

    try:
        venue.full_clean(exclude=["owner"])
    except ValidationError as exc:
        errors = exc.message_dict
        # Out-of-range coordinates can only come from an API client; people never type them.
        for name in ("latitude", "longitude"):
            if name in errors:
                errors.setdefault("place", []).append("That map position is not on Earth. Pick the place again.")
        raise ValidationFailed(fields=errors) from exc


@transaction.atomic
def venue_create(*, owner, name: str, address: str, time_zone: str = "", city: str = "", place: str = "",
                 latitude: float | None = None, longitude: float | None = None, notes: str = "") -> Venue:
    """A producer adds a studio or venue to reuse in offers.

    Where it is comes from ``place`` (a postcode or town, looked up in the app's gazetteer) or from a
    map pin (``latitude``/``longitude``, which win over the place when both are given). A venue
    without a position is refused (ValidationFailed on ``place``); the database refuses it too.
    """
    if not owner.is_producer:
        raise Forbidden("Only producers keep venues.", code="not_producer")
    venue = Venue(owner=owner, name=name.strip(), address=address.strip(), city=city.strip(), place=place.strip(),
                  latitude=latitude, longitude=longitude, time_zone=time_zone or "", notes=notes.strip(),
                  created_at=clock.now())
    _venue_locate(venue, place_typed=latitude is None and longitude is None)
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
    # A newly typed place moves the venue, unless a pin came with it; clearing the position is refused.
    _venue_locate(venue, place_typed="place" in changes and "latitude" not in changes and "longitude" not in changes)
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
