"""The musician's answer to an engagement (all dates, a chosen subset, or none) and cancelling one date.

The answer is one transaction: lock the musician's profile, the engagement, then its bookings (the
fixed order); mark the engagement answered (which lifts the guard on its dates); then each chosen
date goes offered -> accepted through the booking state machine (the same overlap check, and the
exclusion constraint underneath) and each other open date offered -> declined. If any chosen date
cannot be taken, nothing is saved and the error names the date.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from bookings.engagements import messages
from bookings.engagements.models import Engagement, EngagementDate
from bookings.engagements.services.rules import (
    OFFER_PURPOSE,
    PartialNotAllowed,
    date_label,
    lock,
    lock_dates,
    peek,
    require_musician,
)
from bookings.models import Booking
from bookings.services.common import (
    BookingConflict,
    MusicianUnavailable,
    OfferExpired,
    _apply,
    _apply_many,
    _clean_text,
    _field_error,
    _first_taken,
    _require_transition,
    musician_lock,
)
from bookings.services.lifecycle import booking_cancel
from bookings.services.offers import _hold_times, _set_reminders
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, NotFound
from gigbook.core.tokens import ActionToken, action_token_spend
from musicians.models import MusicianProfile

Status = Booking.Status


def _spend(token: ActionToken | None, engagement: Engagement, actor) -> None:
    if token is None:
        return
    if token.purpose != OFFER_PURPOSE or token.subject_id != engagement.pk or token.user_id != actor.pk:
        raise Forbidden("This link is not for this engagement.", code="token_mismatch")
    action_token_spend(token)


def _accept_dates(profile: MusicianProfile, bookings: list[Booking], actor, now) -> None:
    """Each date offered -> accepted, as ``booking_accept`` does it (its transition rule, free check,
    reminders, history, busy time and bumped holds) minus its per-booking message: the engagement
    sends one message for all its dates. Set-based: the same few statements for 1 date or 60.
    The engagement is marked answered first, so the per-date guard is not asked again."""
    if not bookings:
        return
    for booking in bookings:
        _require_transition(booking, "accept", now, guards=False)
    clash = _first_taken(profile, bookings)
    try:
        if clash is not None:
            raise clash[1]()
        for booking in bookings:
            booking.accepted_at = now
            _set_reminders(booking, now)
        _apply_many(bookings, action="accept", actor=actor, now=now,
                    fields=("accepted_at", "remind_24h_at", "remind_2h_at"))
    except (BookingConflict, MusicianUnavailable) as exc:
        why = "you are already booked then" if isinstance(exc, BookingConflict) else "you marked that time unavailable"
        which = date_label(clash[0]) if clash is not None else "one of these dates"
        raise type(exc)(f"You cannot take {which}: {why}. Untick that date or decline it; "
                        "nothing was accepted.") from exc
    _hold_times(profile, bookings, now)


def _decline_date(booking: Booking, actor, now, note: str) -> None:
    _require_transition(booking, "decline", now, guards=False)
    booking.response_note = note
    _apply(booking, action="decline", actor=actor, now=now, note=note, fields=("response_note",))


def _answer(*, engagement_id: int, actor, chosen: list[int] | None, note: str, token: ActionToken | None,
            decline_all: bool = False) -> Engagement:
    peeked = peek(engagement_id, actor)
    require_musician(peeked, actor, "answer")
    profile = musician_lock(musician_id=peeked.musician_id)
    engagement = lock(engagement_id)
    bookings = lock_dates(engagement)
    now = clock.now()
    ids = {booking.pk for booking in bookings}
    if chosen is not None:
        stray = set(chosen) - ids
        if stray:
            raise _field_error("bookings", "Choose dates of this engagement.")
        if not chosen and not decline_all:
            raise _field_error("bookings", "Choose at least one date to accept, or decline the offer.")
    if engagement.status == Engagement.Status.ANSWERED:
        mine = [b for b in bookings if b.status_changed_by_id == actor.pk]
        accepted = {b.pk for b in mine if b.status == Status.ACCEPTED}
        declined = {b.pk for b in mine if b.status == Status.DECLINED}
        if (set(chosen) == accepted) if chosen is not None else (accepted and not declined):
            return engagement  # a phone retrying the same answer gets the current state
        raise Conflict("You already answered this engagement.", code="already_answered")
    open_dates = [b for b in bookings if b.status == Status.OFFERED]
    withdrawn = Conflict(f"{engagement.producer.greeting_name} withdrew this offer: there is nothing left to answer.",
                         code="withdrawn")
    if engagement.status == Engagement.Status.WITHDRAWN:
        raise withdrawn
    if now >= engagement.expires_at:
        raise OfferExpired("This engagement offer has expired and can no longer be answered.")
    if not open_dates:
        raise withdrawn
    take = {b.pk for b in open_dates} if chosen is None else set(chosen)
    if not take <= {b.pk for b in open_dates}:
        raise Conflict("One of the chosen dates is no longer open (the producer withdrew it).",
                       code="date_not_open")
    if take and take != {b.pk for b in open_dates} and not engagement.allow_partial:
        raise PartialNotAllowed(f"{engagement.producer.greeting_name} offers these {len(open_dates)} dates "
                                "together: accept all of them or decline the offer.")
    _spend(token, engagement, actor)
    engagement.status = Engagement.Status.ANSWERED
    engagement.answered_at = engagement.updated_at = now
    engagement.save(update_fields=["status", "answered_at", "updated_at"])
    accepted = [b for b in open_dates if b.pk in take]
    declined = [b for b in open_dates if b.pk not in take]
    _accept_dates(profile, accepted, actor, now)
    for booking in declined:
        _decline_date(booking, actor, now, note)
    messages.notify_answered(engagement, accepted=accepted, declined=declined, note=note)
    return engagement


@transaction.atomic
def engagement_accept(*, engagement_id: int, actor, bookings: list[int] | None = None, note: str = "",
                      token: ActionToken | None = None) -> Engagement:
    """The musician accepts every open date (``bookings`` None) or, if the producer allowed it, the
    dates whose booking ids are in ``bookings``; the other open dates are declined.

    Raises NotFound (not a party), Forbidden (the producer), ValidationFailed (no dates, or dates
    of another engagement), PartialNotAllowed (409, a subset where the producer forbade it),
    OfferExpired, BookingConflict / MusicianUnavailable naming the date (nothing is saved), Conflict
    (already answered otherwise). Messages: one to each side, with a calendar entry per accepted date.
    """
    note = _clean_text(note, "note", 2000)
    return _answer(engagement_id=engagement_id, actor=actor, chosen=bookings, note=note, token=token)


@transaction.atomic
def engagement_decline(*, engagement_id: int, actor, note: str = "", token: ActionToken | None = None) -> Engagement:
    """The musician declines every open date. Same errors and messages as ``engagement_accept``."""
    note = _clean_text(note, "note", 2000)
    return _answer(engagement_id=engagement_id, actor=actor, chosen=[], note=note, token=token, decline_all=True)


def engagement_cancel_date(*, engagement_id: int, booking_id: int, actor, reason: str,
                           expected_fee: Decimal | None = None) -> Booking:
    """Cancel one accepted date of an engagement under that date's own cancellation terms.

    This is ``booking_cancel`` for that booking (its window and fee, its message and .ics to both
    sides); the other dates stay as they are. NotFound unless the booking is a date of this engagement
    and the caller a party.
    """
    peek(engagement_id, actor)
    if not EngagementDate.objects.filter(engagement_id=engagement_id, booking_id=booking_id).exists():
        raise NotFound("No such date in this engagement.")
    return booking_cancel(booking_id=booking_id, actor=actor, reason=reason, expected_fee=expected_fee)
