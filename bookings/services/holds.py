"""Holds (pencils): place, keep or decline, release, challenge, confirm.

A producer pencils a musician for a time: a ranked (1st, 2nd… from the holds already on that time),
expiring hold with the fee terms it would become. The musician keeps it (``held``: the time shows
as pencilled) or declines. Only the 1st hold can be confirmed; a lower holder *challenges* instead:
the holds above must confirm or release within the challenge window, silence releases them (the
beat sweep, from stored timestamps), and the challenger, once 1st, is confirmed. Confirming makes
an accepted booking through ``booking_create_accepted``, so the musician lock, the overlap check
and the exclusion constraint guard it exactly as any other booking.

States: requested -> held -> confirmed | released | expired; requested -> declined | released | expired.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from bookings import hold_messages
from bookings.models import Booking, Hold, Venue
from bookings.services.common import _ensure_free, _field_error, _overlapping_accepted, musician_lock
from bookings.services.hold_rules import (
    DEFAULT_CHALLENGE_HOURS,
    DEFAULT_EXPIRY,
    MAX_CHALLENGE_HOURS,
    MAX_EXPIRY,
    MIN_CHALLENGE_HOURS,
    MIN_EXPIRY,
    ChallengeNotPossible,
    HoldClosed,
    HoldNotFirst,
    active_holds_on,
    expire_lapsed_on,
    holds_end,
    lock_hold,
    peek,
    pencil_in,
)
from bookings.services.offers import _build, booking_create_accepted
from bookings.services.terms import FEE_TERM_FIELDS, resolve_local_time
from gigbook.core import clock
from gigbook.core.errors import Conflict, DomainError, Forbidden, InvalidTransition
from gigbook.notifications.services import notify_many
from musicians import services as musician_services
from musicians.models import BusyInterval, Instrument, MusicianProfile

HStatus = Hold.Status
_INT_TERMS = ("overtime_half_hours", "per_diem_days")


def _terms_to_json(given: dict[str, Any]) -> dict[str, str | int]:
    return {key: (value if isinstance(value, int) or key == "fee_basis" else str(value))
            for key, value in given.items() if value is not None}


def _terms_from_json(stored: dict[str, Any]) -> dict[str, Any]:
    return {key: (value if key == "fee_basis" or key in _INT_TERMS else Decimal(value)) for key, value in stored.items()}


def _expiry(given: datetime | None, *, zone: str, starts_at: datetime, now: datetime) -> datetime:
    if given is None:
        return min(now + DEFAULT_EXPIRY, starts_at)
    expires_at = resolve_local_time(given, zone, "expires_at") if given.tzinfo is None else given.astimezone(UTC)
    if expires_at > starts_at:
        raise _field_error("expires_at", "A hold cannot last past the start of the gig.")
    if expires_at < now + MIN_EXPIRY:
        raise _field_error("expires_at", "Give the musician at least an hour: set the hold to end later.")
    if expires_at > now + MAX_EXPIRY:
        raise _field_error("expires_at", "A hold can last at most 30 days; set an earlier end.")
    return expires_at


def _window(hours: int | None) -> int:
    if hours is None:
        return DEFAULT_CHALLENGE_HOURS
    if not MIN_CHALLENGE_HOURS <= hours <= MAX_CHALLENGE_HOURS:
        raise _field_error("challenge_window_hours", "Choose a challenge window from 1 to 72 hours.")
    return hours


@transaction.atomic
def hold_place(
    *,
    producer,
    musician_profile_id: int,
    instrument: Instrument | str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | int | None = None,
    time_zone: str | None = None,
    title: str = "",
    note: str = "",
    expires_at: datetime | None = None,
    challenge_window_hours: int | None = None,
    confirm_long: bool = False,
    **fee_given: Any,
) -> Hold:
    """Pencil a musician. Returns the hold (requested), ranked after the holds already on that time.

    Validates like an offer (ValidationFailed for the past, bad durations, unknown venue…); the
    expiry defaults to 72 h and never passes the start. Raises Conflict when the producer already
    has a firm booking or a hold with this musician at that time, BookingConflict /
    MusicianUnavailable when the time is booked or blocked. Locks the musician. Tells the musician.
    """
    unknown_terms = set(fee_given) - set(FEE_TERM_FIELDS)
    if unknown_terms:
        raise TypeError(f"Unknown fee terms: {sorted(unknown_terms)}")
    now = clock.now()
    profile = MusicianProfile.objects.select_related("user").filter(pk=musician_profile_id).first()
    if profile is None:
        raise _field_error("musician", "No such musician.")
    draft = _build(
        producer=producer, musician_profile=profile, instrument=instrument, kind=kind, starts_at=starts_at,
        ends_at=ends_at, venue=venue, time_zone=time_zone, doubles=[], title=title, brief_style="",
        brief_references="", brief_approach=Booking.Approach.CHART, brief_notes="", fee_given=fee_given, now=now,
        confirm_long=confirm_long,
    )
    draft_booking = draft.booking
    note = (note or "").strip()
    if len(note) > 2000:
        raise _field_error("note", "Keep the note under 2,000 characters.")
    expiry = _expiry(expires_at, zone=draft_booking.time_zone, starts_at=draft_booking.starts_at, now=now)
    window = _window(challenge_window_hours)
    locked = musician_lock(musician_id=profile.user_id)
    span = {"starts_at": draft_booking.starts_at, "ends_at": draft_booking.ends_at}
    own_firm = _overlapping_accepted(musician_id=profile.user_id, **span).filter(producer=producer).exists() or (
        Booking.objects.filter(musician_id=profile.user_id, producer=producer, status__in=Booking.OPEN_STATUSES,
                               starts_at__lt=span["ends_at"], ends_at__gt=span["starts_at"]).exists()
    )
    if own_firm:
        raise Conflict("You already have a firm booking or offer with this musician at this time.",
                       code="hold_overlaps_own_booking")
    confirm_challengers(expire_lapsed_on(musician_id=profile.user_id, now=now, **span), now=now)
    on_time = active_holds_on(musician_id=profile.user_id, **span)
    if on_time.filter(producer=producer).exists():
        raise Conflict("You already hold this time with this musician.", code="hold_exists")
    _ensure_free(locked, musician_id=profile.user_id, **span)
    hold = Hold.objects.create(
        producer=producer, musician=profile.user, instrument=draft_booking.instrument, kind=draft_booking.kind,
        venue=draft_booking.venue, time_zone=draft_booking.time_zone, title=draft_booking.title, note=note,
        fee_terms=_terms_to_json(fee_given), currency=draft_booking.currency, fee_total=draft_booking.fee_total,
        quote=draft_booking.quote, rank=on_time.count() + 1, status=HStatus.REQUESTED, expires_at=expiry,
        challenge_window_hours=window, created_at=now, updated_at=now, status_changed_at=now, **span,
    )
    notify_many(hold_messages.placed(hold))
    return hold


def _open(hold: Hold, now: datetime) -> None:
    status = hold.effective_status(now)
    if status == HStatus.EXPIRED and hold.status in Hold.ACTIVE_STATUSES:
        raise HoldClosed("This hold has lapsed.", code="hold_expired")
    if status not in Hold.ACTIVE_STATUSES:
        raise HoldClosed(f"This hold is {hold.get_status_display().lower()}; it can no longer change.")


def _settle(hold: Hold, now: datetime) -> None:
    """Lapsed holds above this one end now (not at the next sweep) so its rank is current."""
    confirm_challengers(expire_lapsed_on(musician_id=hold.musician_id, starts_at=hold.starts_at,
                                         ends_at=hold.ends_at, now=now), now=now)
    hold.refresh_from_db(fields=["rank", "status", "challenge_ends_at", "booking"])


def _locked(hold_id: int, actor, role: str | None) -> tuple[Hold, MusicianProfile | None]:
    seen = peek(hold_id, actor)
    if role == "musician" and actor.pk != seen.musician_id:
        raise Forbidden("Only the musician can answer a hold.", code="wrong_party")
    if role == "producer" and actor.pk != seen.producer_id:
        raise Forbidden("Only the producer who placed the hold can do this.", code="wrong_party")
    profile = musician_lock(musician_id=seen.musician_id)
    return lock_hold(hold_id), profile


@transaction.atomic
def hold_accept(*, hold_id: int, actor) -> Hold:
    """The musician keeps the time for the producer: requested -> held (shows as pencilled).

    A repeat returns the hold unchanged. Raises HoldClosed, BookingConflict when the time was booked.
    """
    hold, profile = _locked(hold_id, actor, "musician")
    now = clock.now()
    if hold.status == HStatus.HELD and hold.effective_status(now) == HStatus.HELD:
        return hold
    _open(hold, now)
    _ensure_free(profile, musician_id=hold.musician_id, starts_at=hold.starts_at, ends_at=hold.ends_at)
    hold.status, hold.status_changed_at, hold.updated_at = HStatus.HELD, now, now
    hold.sequence += 1
    hold.save(update_fields=["status", "status_changed_at", "updated_at", "sequence"])
    pencil_in(hold, profile)
    notify_many(hold_messages.accepted(hold))
    return hold


@transaction.atomic
def hold_decline(*, hold_id: int, actor) -> Hold:
    """The musician says no to a requested hold. The holds below move up. A repeat is harmless."""
    hold, _profile = _locked(hold_id, actor, "musician")
    if hold.status == HStatus.DECLINED:
        return hold
    now = clock.now()
    _open(hold, now)
    if hold.status != HStatus.REQUESTED:
        raise InvalidTransition("You already keep this time for them; release the hold instead.", code="hold_held")
    confirm_challengers(holds_end([hold], status=HStatus.DECLINED, reason="", now=now), now=now)
    return hold


@transaction.atomic
def hold_release(*, hold_id: int, actor) -> Hold:
    """Either party lets the hold go. The holds below move up; a challenger that becomes 1st is
    confirmed (its producer asked to). A repeat by the same side is harmless."""
    seen = peek(hold_id, actor)
    reason = Hold.EndReason.PRODUCER if actor.pk == seen.producer_id else Hold.EndReason.MUSICIAN
    hold, _profile = _locked(hold_id, actor, None)
    if hold.status == HStatus.RELEASED and hold.end_reason == reason:
        return hold
    now = clock.now()
    _open(hold, now)
    confirm_challengers(holds_end([hold], status=HStatus.RELEASED, reason=reason, now=now), now=now)
    return hold


@transaction.atomic
def hold_challenge(*, hold_id: int, actor, window_hours: int | None = None) -> Hold:
    """A lower holder asks to confirm: the holds above must confirm or release within the window
    (the hold's own, or ``window_hours`` within 1-72 h; never past the start).

    Raises HoldClosed, ChallengeNotPossible (the 1st hold; not kept by the musician yet; a challenge
    already running on this time). A repeat while the challenge runs returns the hold unchanged.
    """
    hold, _profile = _locked(hold_id, actor, "producer")
    now = clock.now()
    _open(hold, now)
    if hold.challenge_ends_at is not None:
        return hold
    _settle(hold, now)
    if hold.status != HStatus.HELD:
        raise ChallengeNotPossible("The musician has not accepted this hold yet, so it cannot challenge.")
    if hold.rank == 1:
        raise ChallengeNotPossible("This is the 1st hold: confirm it instead of challenging.", code="hold_is_first")
    on_time = active_holds_on(musician_id=hold.musician_id, starts_at=hold.starts_at, ends_at=hold.ends_at)
    if on_time.exclude(pk=hold.pk).filter(challenge_ends_at__isnull=False).exists():
        raise ChallengeNotPossible("Another challenge is already running on this time; try again when it ends.",
                                   code="challenge_running")
    hours = _window(window_hours if window_hours is not None else hold.challenge_window_hours)
    ends = min(now + timedelta(hours=hours), hold.starts_at)
    if ends <= now:
        raise ChallengeNotPossible("The gig has started; there is no time left for a challenge.")
    above = list(on_time.filter(rank__lt=hold.rank).select_related("producer", "musician", "instrument", "venue")
                 .select_for_update(of=("self",)))
    hold.challenge_ends_at, hold.updated_at = ends, now
    hold.save(update_fields=["challenge_ends_at", "updated_at"])
    for other in above:
        other.challenged_until, other.updated_at = ends, now
    Hold.objects.bulk_update(above, ["challenged_until", "updated_at"])
    notify_many(hold_messages.challenged(hold, above))
    return hold


@transaction.atomic
def hold_confirm(*, hold_id: int, actor) -> Hold:
    """The producer confirms the 1st hold: it becomes an accepted booking (``hold.booking``).

    Through ``booking_create_accepted``: the musician's lock, the overlap check and the exclusion
    constraint make sure competing confirms leave exactly one booking. Every other hold on the time
    is released (bumped) and told. Raises HoldClosed (released, expired…), HoldNotFirst,
    InvalidTransition (not accepted by the musician yet), BookingConflict. A repeat returns it.
    """
    hold, _profile = _locked(hold_id, actor, "producer")
    if hold.status == HStatus.CONFIRMED:
        return hold
    now = clock.now()
    _open(hold, now)
    _settle(hold, now)
    if hold.status != HStatus.HELD:
        raise InvalidTransition("The musician has not accepted this hold yet.", code="hold_not_held")
    if hold.rank != 1:
        raise HoldNotFirst(f"This is the {hold.rank_label}: only the 1st hold can be confirmed. "
                           "Challenge the holds above yours instead.")
    _confirm(hold, now)
    return hold


def _confirm(hold: Hold, now: datetime) -> Booking:
    # The hold leaves the open states first, so the booking's bump of holds on its time skips it.
    hold.status, hold.status_changed_at, hold.updated_at = HStatus.CONFIRMED, now, now
    hold.challenge_ends_at = None
    hold.sequence += 1
    Hold.objects.filter(pk=hold.pk).update(status=HStatus.CONFIRMED, status_changed_at=now, updated_at=now,
                                           challenge_ends_at=None, sequence=hold.sequence)
    musician_services.busy_interval_remove(source=BusyInterval.Source.HOLD, source_id=hold.pk)
    booking = booking_create_accepted(
        producer=hold.producer, musician=hold.musician, instrument=hold.instrument, kind=hold.kind,
        starts_at=hold.starts_at, ends_at=hold.ends_at, venue=hold.venue_id, time_zone=hold.time_zone,
        title=hold.title, brief_notes=hold.note, source=Booking.Source.HOLD,
        note=f"Confirmed from a {hold.rank_label}.", **_terms_from_json(hold.fee_terms),
    )
    hold.booking = booking
    Hold.objects.filter(pk=hold.pk).update(booking=booking)
    return booking


def confirm_challengers(ready: list[Hold], *, now: datetime) -> list[Hold]:
    """Confirm challengers that just became the 1st hold (their producers asked to confirm).

    Each in a savepoint: one that can no longer become a booking (the gig started, the musician
    was booked meanwhile) stops challenging, and its producer is told why.
    """
    confirmed = []
    for hold in ready:
        try:
            with transaction.atomic():
                _confirm(hold, now)
            confirmed.append(hold)
        except DomainError as exc:
            hold.status = HStatus.HELD
            Hold.objects.filter(pk=hold.pk).update(challenge_ends_at=None, updated_at=now)
            reason = " ".join(message for messages in exc.fields.values() for message in messages) or exc.detail
            notify_many(hold_messages.challenge_failed(hold, reason))
    return confirmed
