"""Making offers: preview, firm offers (idempotent), bookings created already accepted."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from bookings import messages
from bookings.models import Booking, BookingEvent, OfferIdempotencyKey, Venue
from bookings.phone import OFFER_PURPOSE, phone_token_make
from bookings.services.common import (
    DEFAULT_ANSWER_BY,
    BookingConflict,
    IdempotencyKeyReused,
    _clean_text,
    _ensure_free,
    _field_error,
    _is_exclusion_violation,
    musician_availability,
    musician_lock,
)
from bookings.services.hold_rules import holds_bump_for_booking, holds_bump_for_bookings, holds_would_bump
from bookings.services.terms import FEE_TERM_FIELDS, _Draft, _price, _set_terms, _terms_from, resolve_local_time
from bookings.services.windows import window_check
from gigbook.core import clock
from gigbook.core.errors import Forbidden, ValidationFailed
from gigbook.core.tokens import ActionToken, action_token_spend
from musicians import services as musician_services
from musicians.models import BusyInterval, Instrument, MusicianProfile, ProfileInstrument

Status = Booking.Status


def _build(
    *,
    producer,
    musician_profile: MusicianProfile,
    instrument: Instrument | str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | int | None,
    time_zone: str | None,
    doubles: list[Instrument | str],
    title: str,
    brief_style: str,
    brief_references: str,
    brief_approach: str,
    brief_notes: str,
    fee_given: dict[str, Any],
    now: datetime,
    confirm_long: bool = True,  # the offer, quote and hold use cases ask; other callers chose their window
) -> _Draft:
    """Validate and price an offer. Raises ValidationFailed with every field problem it finds."""
    errors: dict[str, list[str]] = {}
    profile = musician_profile
    musician = profile.user
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers can book musicians.", code="not_producer")
    if profile.status != MusicianProfile.Status.APPROVED or not musician.is_active:
        raise _field_error("musician", "This musician is not available for booking.")
    if musician.pk == producer.pk:
        raise _field_error("musician", "You cannot book yourself.")
    if kind not in Booking.Kind.values:
        errors["kind"] = ["Choose studio session, live show, rehearsal, tour date or remote recording."]

    played = {row.instrument.slug: row.instrument for row in
              ProfileInstrument.objects.filter(profile=profile).select_related("instrument")}
    slug = instrument.slug if isinstance(instrument, Instrument) else str(instrument)
    main = played.get(slug)
    if main is None:
        errors["instrument"] = ["The musician does not list this instrument."]
    double_slugs = list(dict.fromkeys(d.slug if isinstance(d, Instrument) else str(d) for d in doubles))
    unknown = [s for s in double_slugs if s not in played]
    if unknown:
        errors["doubles"] = [f"The musician does not list: {', '.join(unknown)}."]
    elif slug in double_slugs:
        errors["doubles"] = ["The main instrument is not a double; list only the extra instruments."]

    venue_obj: Venue | None = None
    zone_name: str | None = None  # unknown while the kind or the venue is wrong
    if kind == Booking.Kind.REMOTE_RECORDING:
        if venue is not None:
            errors["venue"] = ["A remote recording has no venue."]
        zone_name = time_zone or producer.time_zone
        from gigbook.accounts.validators import available_time_zones

        if zone_name not in available_time_zones():
            errors["time_zone"] = ["Choose a time zone from the list."]
            zone_name = None
    elif kind in Booking.Kind.values:
        venue_id = venue.pk if isinstance(venue, Venue) else venue
        venue_obj = Venue.objects.filter(pk=venue_id, owner=producer).first() if venue_id is not None else None
        if venue_obj is None:
            errors["venue"] = ["Choose one of your venues." if venue_id is not None else "Choose a venue (or book a remote recording)."]
        zone_name = venue_obj.time_zone if venue_obj else None
    # Every problem in one answer: the window is checked even when other fields are wrong.
    starts_at, ends_at = window_check(starts_at=starts_at, ends_at=ends_at, zone_name=zone_name, now=now,
                                      errors=errors, confirm_long=confirm_long)
    text = {}
    for field, value, limit in (("title", title, 120), ("brief_style", brief_style, 200),
                                ("brief_references", brief_references, 4000), ("brief_notes", brief_notes, 4000)):
        try:
            text[field] = _clean_text(value, field, limit)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if brief_approach not in Booking.Approach.values:
        errors["brief_approach"] = ["Choose chart, improvise or mixed."]
    if errors or starts_at is None or ends_at is None:
        raise ValidationFailed(fields=errors or {"starts_at": ["Give the start and the end."]})

    terms = _terms_from(profile, kind=kind, doubles=len(double_slugs), given=fee_given)
    quote, check = _price(terms, profile, kind=kind, starts_at=starts_at, ends_at=ends_at)
    booking = Booking(
        producer=producer, musician=musician, instrument=main, kind=kind, venue=venue_obj, time_zone=zone_name,
        starts_at=starts_at, ends_at=ends_at, brief_approach=brief_approach, **text,
        late_cancellation_window_hours=profile.late_cancellation_window_hours or 0,
        late_cancellation_fee=profile.late_cancellation_fee or Decimal("0"),
        created_at=now, updated_at=now, status_changed_at=now, status_changed_by=producer,
    )
    _set_terms(booking, terms, quote, check)
    return _Draft(booking=booking, doubles=[played[s] for s in double_slugs], profile=profile)


def booking_preview(
    *,
    producer,
    musician_profile_id: int,
    instrument: Instrument | str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | int | None = None,
    time_zone: str | None = None,
    doubles: list[Instrument | str] | tuple = (),
    title: str = "",
    brief_style: str = "",
    brief_references: str = "",
    brief_approach: str = Booking.Approach.CHART,
    brief_notes: str = "",
    confirm_long: bool = False,
    **fee_given: Any,
) -> dict[str, Any]:
    """Price an offer and say whether the musician is free, saving nothing (the booking form's live quote).

    Same validation as ``booking_offer`` (ValidationFailed / Forbidden). Reveals only busy *times*,
    never what the musician is doing then.
    """
    unknown_terms = set(fee_given) - set(FEE_TERM_FIELDS)
    if unknown_terms:
        raise TypeError(f"Unknown fee terms: {sorted(unknown_terms)}")
    profile = MusicianProfile.objects.select_related("user").filter(pk=musician_profile_id).first()
    if profile is None:
        raise _field_error("musician", "No such musician.")
    draft = _build(
        producer=producer, musician_profile=profile, instrument=instrument, kind=kind, starts_at=starts_at,
        ends_at=ends_at, venue=venue, time_zone=time_zone, doubles=list(doubles), title=title,
        brief_style=brief_style, brief_references=brief_references, brief_approach=brief_approach,
        brief_notes=brief_notes, fee_given=fee_given, now=clock.now(), confirm_long=confirm_long,
    )
    booking = draft.booking
    availability = musician_availability(profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at)
    return {
        "quote": {key: value for key, value in booking.quote.items() if key != "doubles_count"},
        "below_published_rate": booking.below_published_rate,
        "published_amount": booking.published_amount,
        "rate_note": booking.rate_note,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "time_zone": booking.time_zone,
        "availability": {"free": availability.free, "reason": availability.reason, "busy": availability.busy},
        # A firm offer may take pencilled time; accepting it releases these holds.
        "would_bump": holds_would_bump(musician_id=profile.user_id, starts_at=booking.starts_at,
                                       ends_at=booking.ends_at, producer=producer),
        "cancellation_terms": {"window_hours": booking.late_cancellation_window_hours,
                               "late_fee": str(booking.late_cancellation_fee)},
    }


def _default_expiry(now: datetime, starts_at: datetime) -> datetime:
    return min(now + DEFAULT_ANSWER_BY, starts_at)


def request_fingerprint(data: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request with a reused key."""
    import json

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _replay(key_row: OfferIdempotencyKey, fingerprint: str) -> Booking:
    if key_row.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").get(pk=key_row.booking_id)
    booking.replayed = True
    return booking


@transaction.atomic
def booking_offer(
    *,
    producer,
    musician_profile_id: int,
    instrument: Instrument | str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | int | None = None,
    time_zone: str | None = None,
    doubles: list[Instrument | str] | tuple = (),
    title: str = "",
    brief_style: str = "",
    brief_references: str = "",
    brief_approach: str = Booking.Approach.CHART,
    brief_notes: str = "",
    expires_at: datetime | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
    confirm_long: bool = False,
    **fee_given: Any,
) -> Booking:
    """A producer offers a musician a booking. Returns the new booking (status offered).

    Naive ``starts_at``/``ends_at`` are wall-clock times in the venue's zone (or ``time_zone`` for
    a remote recording). Fee terms default to the musician's published rates; below-rate offers
    are allowed and flagged. The offer must be answered by ``expires_at`` (default: 24 h, or the
    start of the gig if sooner). With ``idempotency_key`` a repeat of the same request returns the
    first booking (``booking.replayed`` is True) and does nothing else.

    Raises ValidationFailed (fields), Forbidden (not a producer), BookingConflict /
    MusicianUnavailable (the musician cannot take this time), IdempotencyKeyReused.
    Side effects: history row, notification to the musician with a password-less phone link.
    """
    unknown_terms = set(fee_given) - set(FEE_TERM_FIELDS)
    if unknown_terms:
        raise TypeError(f"Unknown fee terms: {sorted(unknown_terms)}")
    now = clock.now()
    if idempotency_key:
        existing = OfferIdempotencyKey.objects.filter(user=producer, key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    profile = MusicianProfile.objects.select_related("user").filter(pk=musician_profile_id).first()
    if profile is None:
        raise _field_error("musician", "No such musician.")
    draft = _build(
        producer=producer, musician_profile=profile, instrument=instrument, kind=kind, starts_at=starts_at,
        ends_at=ends_at, venue=venue, time_zone=time_zone, doubles=list(doubles), title=title,
        brief_style=brief_style, brief_references=brief_references, brief_approach=brief_approach,
        brief_notes=brief_notes, fee_given=fee_given, now=now, confirm_long=confirm_long,
    )
    booking = draft.booking
    if expires_at is None:
        booking.expires_at = _default_expiry(now, booking.starts_at)
    elif expires_at.tzinfo is None:
        booking.expires_at = resolve_local_time(expires_at, booking.time_zone, "expires_at")
    else:
        booking.expires_at = expires_at.astimezone(UTC)
    if booking.expires_at <= now:
        raise _field_error("expires_at", "The answer-by time must be in the future.")
    if booking.expires_at > booking.starts_at:
        raise _field_error("expires_at", "The answer-by time cannot be after the start of the gig.")
    # Offering time the musician cannot take would only fail at accept: say so now.
    _ensure_free(draft.profile, musician_id=booking.musician_id, starts_at=booking.starts_at, ends_at=booking.ends_at)
    try:
        with transaction.atomic():
            booking.save()
            if idempotency_key:
                OfferIdempotencyKey.objects.create(
                    user=producer, key=idempotency_key, fingerprint=fingerprint, booking=booking, created_at=now
                )
    except IntegrityError:
        if not idempotency_key:
            raise
        # A concurrent request with the same key committed first (we waited for it on the unique index).
        existing = OfferIdempotencyKey.objects.filter(user=producer, key=idempotency_key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    booking.doubles.set(draft.doubles)
    BookingEvent.objects.create(booking=booking, actor=producer, action="offer", from_status="",
                                to_status=booking.status, note="", at=now)
    token = phone_token_make(purpose=OFFER_PURPOSE, subject_id=booking.pk, user_id=booking.musician_id,
                            expires_at=booking.expires_at)
    messages.notify_offer(booking, token=token)
    return booking


@transaction.atomic
def booking_create_accepted(
    *,
    producer,
    musician,
    instrument: Instrument | str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | int | None = None,
    time_zone: str | None = None,
    doubles: list[Instrument | str] | tuple = (),
    title: str = "",
    brief_style: str = "",
    brief_references: str = "",
    brief_approach: str = Booking.Approach.CHART,
    brief_notes: str = "",
    source: str = Booking.Source.SHORT_NOTICE,
    note: str = "",
    **fee_given: Any,
) -> Booking:
    """Create a booking that is accepted from the start (a short-notice request the musician took).

    Runs inside the caller's transaction (a savepoint). Locks the musician's profile first (call
    it before locking your own rows, or call ``musician_lock`` first yourself), re-checks the
    time is free, and relies on the same exclusion constraint: raises BookingConflict /
    MusicianUnavailable / ValidationFailed like ``booking_offer``. Writes busy time, history,
    reminders and the confirmation notifications (with .ics) to both sides.
    """
    now = clock.now()
    profile = musician_lock(musician_id=musician.pk)
    profile.user = musician
    draft = _build(
        producer=producer, musician_profile=profile, instrument=instrument, kind=kind, starts_at=starts_at,
        ends_at=ends_at, venue=venue, time_zone=time_zone, doubles=list(doubles), title=title,
        brief_style=brief_style, brief_references=brief_references, brief_approach=brief_approach,
        brief_notes=brief_notes, fee_given=fee_given, now=now,  # the request's window was confirmed when posted
    )
    booking = draft.booking
    _ensure_free(profile, musician_id=musician.pk, starts_at=booking.starts_at, ends_at=booking.ends_at)
    booking.status = Status.ACCEPTED
    booking.source = source
    booking.expires_at = now
    booking.accepted_at = now
    booking.status_changed_by = musician
    _set_reminders(booking, now)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise BookingConflict() from exc
        raise
    booking.doubles.set(draft.doubles)
    BookingEvent.objects.create(booking=booking, actor=musician, action="create_accepted", from_status="",
                                to_status=booking.status, note=note[:2000], at=now)
    _hold_time(profile, booking)
    messages.notify_accepted(booking)
    return booking


def _set_reminders(booking: Booking, now: datetime) -> None:
    # A reminder whose time has already passed at acceptance is skipped: the confirmation is fresher.
    remind_24h = booking.starts_at - timedelta(hours=24)
    remind_2h = booking.starts_at - timedelta(hours=2)
    booking.remind_24h_at = remind_24h if remind_24h > now else None
    booking.remind_2h_at = remind_2h if remind_2h > now else None


def _hold_time(profile: MusicianProfile, booking: Booking) -> None:
    """The one place an accepted booking takes the musician's time (every accept path calls it):
    busy time for search and checks, and every open hold on that time is released (bumped)."""
    musician_services.busy_interval_add(
        profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at,
        source=BusyInterval.Source.BOOKING, source_id=booking.pk, label="Booked",
    )
    holds_bump_for_booking(booking=booking, now=booking.accepted_at or clock.now())


def _hold_times(profile: MusicianProfile, bookings: list[Booking], now: datetime) -> None:
    """``_hold_time`` for many accepted bookings of one musician, in a constant number of statements."""
    musician_services.busy_intervals_add(
        profile=profile, windows=[(b.starts_at, b.ends_at, b.pk) for b in bookings],
        source=BusyInterval.Source.BOOKING, label="Booked",
    )
    holds_bump_for_bookings(bookings=bookings, now=now)


def _spend(token: ActionToken | None, booking: Booking, actor) -> None:
    """Spend a phone-link token in the action's transaction; it must name this booking and caller."""
    if token is None:
        return
    if token.purpose != OFFER_PURPOSE or token.subject_id != booking.pk or token.user_id != actor.pk:
        raise Forbidden("This link is not for this offer.", code="token_mismatch")
    action_token_spend(token)
