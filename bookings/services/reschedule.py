"""Moving an accepted booking: a new time or venue, or a new rate (a call sheet's critical change)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from bookings.models import Booking, BookingEvent, Venue
from bookings.services.common import (
    MAX_AHEAD,
    MAX_DURATION,
    MIN_DURATION,
    BookingConflict,
    _ensure_free,
    _is_exclusion_violation,
    _lock_booking,
    _peek,
    _require_role,
    musician_lock,
)
from bookings.services.offers import _hold_time, _set_reminders
from bookings.services.terms import TERM_MODEL_FIELDS, _price, _set_terms, booking_terms
from gigbook.core import clock
from gigbook.core.errors import InvalidTransition, ValidationFailed
from musicians import services as musician_services
from musicians.models import BusyInterval

Status = Booking.Status


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if starts_at <= now:
        errors["starts_at"] = ["The new start must be in the future."]
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = ["Bookings can be made up to two years ahead."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["The end must be after the start."]
    elif ends_at - starts_at < MIN_DURATION:
        errors["ends_at"] = ["A booking lasts at least 15 minutes."]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = ["A booking can last at most 14 days."]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def booking_reschedule(
    *,
    booking_id: int,
    actor,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    venue_id: int | None = None,
    rate: Decimal | None = None,
    note: str = "",
) -> Booking:
    """The producer moves an accepted booking to another time or venue, or changes its rate.

    Locks the musician, then the booking (the fixed order). Refuses (409) a booking that is not
    accepted or has started; the new time must be free: the same readable checks as an accept
    (BookingConflict, MusicianUnavailable), with the ``bookings_no_double_booking`` exclusion
    constraint underneath. The fee is priced again on the same terms (an hourly fee follows the
    hours); the busy time, the 24 h / 2 h reminders and the holds it bumps follow the new time; the
    iCalendar SEQUENCE goes up so calendars replace the event. Records a ``reschedule`` event.
    Sends nothing: the caller (the call sheet) tells the player, with the updated .ics.
    Runs as a savepoint of the caller's transaction, so one refused booking undoes them all.
    """
    peek = _peek(booking_id, actor)
    profile = musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    _require_role(booking, actor, "producer", "move")
    now = clock.now()
    if booking.status != Status.ACCEPTED:
        raise InvalidTransition(
            f"A booking that is {booking.get_status_display().lower()} cannot be moved.", code="booking_finished"
        )
    if now >= booking.starts_at:
        raise InvalidTransition("This gig has already started; it can no longer be moved.", code="gig_started")
    new_start, new_end = starts_at or booking.starts_at, ends_at or booking.ends_at
    moved = (new_start, new_end) != (booking.starts_at, booking.ends_at)
    if moved:
        _check_window(new_start, new_end, now)
    if venue_id is not None and venue_id != booking.venue_id:
        if booking.venue_id is None:
            raise ValidationFailed(fields={"venue": ["A remote recording has no venue."]})
        venue = Venue.objects.filter(pk=venue_id, owner_id=booking.producer_id).first()
        if venue is None:
            raise ValidationFailed(fields={"venue": ["Choose one of your venues."]})
        booking.venue = venue
        booking.time_zone = venue.time_zone
    terms = booking_terms(booking)
    if rate is not None:
        try:
            terms = dataclasses.replace(terms, rate=Decimal(rate))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationFailed(fields={"rate": ["Give the fee as an amount, e.g. 250.00."]}) from exc
    if moved:
        _ensure_free(profile, musician_id=booking.musician_id, starts_at=new_start, ends_at=new_end,
                     booking_id=booking.pk)
    booking.starts_at, booking.ends_at = new_start, new_end
    quote, check = _price(terms, profile, kind=booking.kind, starts_at=new_start, ends_at=new_end)
    _set_terms(booking, terms, quote, check)
    booking.reminded_24h_at = booking.reminded_2h_at = None
    _set_reminders(booking, now)
    booking.sequence += 1
    booking.updated_at = now
    try:
        with transaction.atomic():
            booking.save(update_fields=sorted({
                "starts_at", "ends_at", "venue", "time_zone", "sequence", "updated_at", "remind_24h_at",
                "reminded_24h_at", "remind_2h_at", "reminded_2h_at", *TERM_MODEL_FIELDS,
            }))
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise BookingConflict() from exc
        raise
    if moved:
        musician_services.busy_interval_remove(source=BusyInterval.Source.BOOKING, source_id=booking.pk)
        _hold_time(profile, booking)
    BookingEvent.objects.create(booking=booking, actor=actor, action="reschedule", from_status=booking.status,
                                to_status=booking.status, note=note[:2000], at=now)
    return booking
