"""The booking state machine after the offer: answers, counters, withdrawals, cancellations,
completion, expiry. Every transition locks the musician, then the booking, and re-reads state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from bookings import fees, messages
from bookings.models import Booking
from bookings.services.common import (
    _already_done,
    _apply,
    _clean_text,
    _ensure_free,
    _field_error,
    _lock_booking,
    _lock_for_sweep,
    _peek,
    _require_role,
    _require_transition,
    _system_lock,
    musician_lock,
)
from bookings.services.offers import _hold_time, _set_reminders, _spend
from bookings.services.terms import FEE_TERM_FIELDS, TERM_MODEL_FIELDS, _price, _set_terms, _terms_json, booking_terms
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound
from gigbook.core.tokens import ActionToken
from musicians import services as musician_services
from musicians.models import BusyInterval

Status = Booking.Status


# --- The musician's answers (accepting is bookings.services.accept) ------------------------------


@transaction.atomic
def booking_decline(*, booking_id: int, actor, note: str = "", token: ActionToken | None = None) -> Booking:
    """The musician turns an offer down: offered -> declined. Notifies the producer."""
    note = _clean_text(note, "note", 2000)
    peek = _peek(booking_id, actor)
    musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    _require_role(booking, actor, "musician", "decline")
    if _already_done(booking, "decline", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "decline", now)
    _spend(token, booking, actor)
    booking.response_note = note
    _apply(booking, action="decline", actor=actor, now=now, note=note, fields=("response_note",))
    messages.notify_declined(booking)
    return booking


@transaction.atomic
def booking_counter(
    *, booking_id: int, actor, note: str = "", token: ActionToken | None = None, **fee_given: Any
) -> Booking:
    """The musician proposes other fee terms: offered -> countered. Times and brief stay as offered.

    Terms not given keep the offer's values. Notifies the producer with the new itemised quote.
    """
    unknown_terms = set(fee_given) - set(FEE_TERM_FIELDS)
    if unknown_terms:
        raise TypeError(f"Unknown fee terms: {sorted(unknown_terms)}")
    note = _clean_text(note, "note", 2000)
    peek = _peek(booking_id, actor)
    profile = musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    _require_role(booking, actor, "musician", "counter")
    if _already_done(booking, "counter", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "counter", now)
    current = booking_terms(booking)
    merged = {name: (fee_given[name] if fee_given.get(name) is not None else getattr(current, name if name != "fee_basis" else "basis"))
              for name in FEE_TERM_FIELDS}
    try:
        terms = fees.FeeTerms(
            currency=booking.currency, basis=merged["fee_basis"], rate=Decimal(merged["rate"]),
            minimum_call_hours=booking.minimum_call_hours,
            overtime_rate_per_half_hour=Decimal(merged["overtime_rate_per_half_hour"]),
            overtime_half_hours=int(merged["overtime_half_hours"]), doubles=current.doubles,
            doubling_fee=Decimal(merged["doubling_fee"]), cartage_fee=Decimal(merged["cartage_fee"]),
            travel_fee=Decimal(merged["travel_fee"]), per_diem=Decimal(merged["per_diem"]),
            per_diem_days=int(merged["per_diem_days"]),
        )
    except fees.FeeError as exc:
        raise _field_error(exc.field, str(exc)) from exc
    quote, check = _price(terms, profile, kind=booking.kind, starts_at=booking.starts_at, ends_at=booking.ends_at)
    if terms == current:
        raise _field_error("rate", "A counter-offer must change the terms; accept the offer instead.")
    _spend(token, booking, actor)
    booking.counter_terms = _terms_json(terms)
    booking.counter_quote = {**quote.as_json(), "doubles_count": terms.doubles}
    booking.counter_total = quote.total
    booking.counter_below_published_rate = check.below_published_rate
    booking.counter_note = note
    booking.countered_at = now
    _apply(booking, action="counter", actor=actor, now=now, note=note,
           fields=("counter_terms", "counter_quote", "counter_total", "counter_below_published_rate", "counter_note",
                   "countered_at"))
    messages.notify_countered(booking)
    return booking


# --- The producer's moves -----------------------------------------------------------------------


@transaction.atomic
def booking_accept_counter(*, booking_id: int, actor) -> Booking:
    """The producer takes the musician's counter: countered -> accepted on the counter's terms.

    Same checks and side effects as ``booking_accept``; refused once the gig has started.
    """
    peek = _peek(booking_id, actor)
    profile = musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    _require_role(booking, actor, "producer", "accept the counter-offer of")
    if _already_done(booking, "accept_counter", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "accept_counter", now)
    if now >= booking.starts_at:
        raise InvalidTransition("The gig has already started; this counter-offer can no longer be accepted.",
                                code="gig_started")
    _ensure_free(profile, musician_id=booking.musician_id, starts_at=booking.starts_at, ends_at=booking.ends_at,
                 booking_id=booking.pk)
    counter = booking.counter_terms or {}
    terms = fees.FeeTerms(
        currency=booking.currency, basis=counter["fee_basis"], rate=Decimal(counter["rate"]),
        minimum_call_hours=booking.minimum_call_hours,
        overtime_rate_per_half_hour=Decimal(counter["overtime_rate_per_half_hour"]),
        overtime_half_hours=int(counter["overtime_half_hours"]), doubles=booking_terms(booking).doubles,
        doubling_fee=Decimal(counter["doubling_fee"]), cartage_fee=Decimal(counter["cartage_fee"]),
        travel_fee=Decimal(counter["travel_fee"]), per_diem=Decimal(counter["per_diem"]),
        per_diem_days=int(counter["per_diem_days"]),
    )
    quote, check = _price(terms, profile, kind=booking.kind, starts_at=booking.starts_at, ends_at=booking.ends_at)
    _set_terms(booking, terms, quote, check)
    booking.accepted_at = now
    _set_reminders(booking, now)
    _apply(booking, action="accept_counter", actor=actor, now=now,
           fields=("accepted_at", "remind_24h_at", "remind_2h_at", *TERM_MODEL_FIELDS))
    _hold_time(profile, booking)
    messages.notify_accepted(booking)
    return booking


@transaction.atomic
def booking_decline_counter(*, booking_id: int, actor, note: str = "", moderation: bool = False) -> Booking:
    """The producer turns the counter down: countered -> declined. Notifies the musician.

    ``moderation=True``: a staff moderator closes it because the musician was suspended (trust.services).
    """
    note = _clean_text(note, "note", 2000)
    peek = _peek(booking_id, actor)
    musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    if not (moderation and actor.is_staff):
        _require_role(booking, actor, "producer", "decline the counter-offer of")
    if _already_done(booking, "decline_counter", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "decline_counter", now)
    booking.response_note = note
    _apply(booking, action="decline_counter", actor=actor, now=now, note=note, fields=("response_note",))
    messages.notify_counter_declined(booking)
    return booking


@transaction.atomic
def booking_withdraw(*, booking_id: int, actor, note: str = "", moderation: bool = False) -> Booking:
    """The producer takes back an unanswered offer: offered -> withdrawn. Notifies the musician.

    ``moderation=True``: a staff moderator takes it back because the musician was suspended (trust.services).
    """
    note = _clean_text(note, "note", 2000)
    peek = _peek(booking_id, actor)
    musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    if not (moderation and actor.is_staff):
        _require_role(booking, actor, "producer", "withdraw")
    if _already_done(booking, "withdraw", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "withdraw", now)
    booking.response_note = note
    _apply(booking, action="withdraw", actor=actor, now=now, note=note, fields=("response_note",))
    messages.notify_withdrawn(booking)
    return booking


def cancellation_preview(*, booking: Booking, actor, now: datetime | None = None) -> fees.CancellationCharge:
    """What cancelling now would owe the musician, as shown before the caller confirms."""
    now = now or clock.now()
    terms = fees.CancellationTerms(currency=booking.currency, window_hours=booking.late_cancellation_window_hours,
                                   fee=booking.late_cancellation_fee)
    return fees.cancellation_charge(terms, starts_at=booking.starts_at, cancelled_at=now,
                                    by_producer=actor is not None and actor.pk == booking.producer_id)


@transaction.atomic
def booking_cancel(*, booking_id: int, actor, reason: str, expected_fee: Decimal | None = None) -> Booking:
    """Either party (or staff) cancels an accepted booking, with a reason: accepted -> cancelled.

    A producer cancelling inside the musician's cancellation window owes the late-cancellation
    fee frozen in the booking. ``expected_fee`` is the fee the caller was shown; if the window
    has been crossed since (the fee changed), the cancel is refused with 409
    ``cancellation_fee_changed`` so nobody agrees to a charge they did not see. Frees the busy
    time; notifies both sides (the .ics carries STATUS:CANCELLED). Refused after the gig ended.
    """
    reason = _clean_text(reason, "reason", 2000, required=True)
    peek = _peek(booking_id, actor)
    musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    if not booking.is_party(actor):
        # Staff may cancel only with the bookings.change_booking permission (superusers): moderators
        # are staff too, but may only look at bookings (docs/moderation.md).
        if not actor.is_staff:
            raise NotFound("No such booking.")
        if not actor.has_perm("bookings.change_booking"):
            raise Forbidden("Only admins who may edit bookings can cancel them.", code="not_allowed")
    if _already_done(booking, "cancel", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "cancel", now)
    if now >= booking.ends_at:
        raise InvalidTransition("This gig is over; it can be completed, not cancelled.", code="gig_over")
    charge = cancellation_preview(booking=booking, actor=actor, now=now)
    if expected_fee is not None and fees.money(expected_fee, booking.currency) != charge.fee:
        raise Conflict(
            f"Cancelling now costs {charge.fee} {booking.currency}, not {expected_fee}. Check and confirm again.",
            code="cancellation_fee_changed",
        )
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.cancel_reason = reason
    booking.cancelled_late = charge.late
    booking.cancellation_fee = charge.fee
    _apply(booking, action="cancel", actor=actor, now=now, note=reason,
           fields=("cancelled_at", "cancelled_by", "cancel_reason", "cancelled_late", "cancellation_fee"))
    musician_services.busy_interval_remove(source=BusyInterval.Source.BOOKING, source_id=booking.pk)
    messages.notify_cancelled(booking)
    return booking


@transaction.atomic
def booking_complete(*, booking_id: int, actor=None) -> Booking:
    """accepted -> completed once the end time has passed; by the producer, or the sweep (actor None)."""
    if actor is not None:
        peek = _peek(booking_id, actor)
        musician_id = peek.musician_id
    else:
        musician_id = Booking.objects.filter(pk=booking_id).values_list("musician_id", flat=True).first()
        if musician_id is None:
            raise NotFound("No such booking.")
    if actor is None:
        _system_lock(musician_id)
    else:
        musician_lock(musician_id=musician_id)
    booking = _lock_booking(booking_id)
    if actor is not None:
        _require_role(booking, actor, "producer", "complete")
    if _already_done(booking, "complete", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "complete", now)
    if now < booking.ends_at:
        raise InvalidTransition("This gig has not finished yet.", code="gig_not_over")
    booking.completed_at = now
    _apply(booking, action="complete", actor=actor, now=now, fields=("completed_at",))
    messages.notify_completed(booking)
    return booking


@transaction.atomic
def booking_expire(*, booking_id: int) -> Booking | None:
    """offered -> expired once the answer-by time has passed (the sweep). No-op otherwise."""
    booking = _lock_for_sweep(booking_id)
    if booking is None:
        return None
    now = clock.now()
    if booking.status != Status.OFFERED or now < booking.expires_at:
        return booking
    _apply(booking, action="expire", actor=None, now=now)
    messages.notify_expired(booking)
    return booking


@transaction.atomic
def booking_counter_lapse(*, booking_id: int) -> Booking | None:
    """countered -> declined when the gig starts before the producer answered (the sweep)."""
    booking = _lock_for_sweep(booking_id)
    if booking is None:
        return None
    now = clock.now()
    if booking.status != Status.COUNTERED or now < booking.starts_at:
        return booking
    note = "The gig started before the counter-offer was answered."
    booking.response_note = note
    _apply(booking, action="decline_counter", actor=None, now=now, note=note, fields=("response_note",))
    messages.notify_counter_declined(booking)
    return booking
