"""Every write about bookings: offers, the lifecycle, venues, materials, calendar feeds, sweeps.

Each use case is one keyword-only function with one transaction. Locks are always taken in the
same order: the musician's profile row first, then the booking. State is re-read under the lock;
repeating a transition already made by the same caller returns the booking unchanged (a phone
retrying on a flaky connection gets the current state, and nothing happens twice).

State machine (``TRANSITIONS``)::

    offered   -> accepted | declined | countered | expired | withdrawn
    countered -> accepted (producer takes the counter) | declined (producer turns it down, or the
                 gig starts before the producer answered)
    accepted  -> cancelled (either side) | completed (after the end, by the producer or the sweep)
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from bookings import fees, filetypes, messages
from bookings.models import Booking, BookingEvent, CalendarFeed, Material, OfferIdempotencyKey, Venue
from bookings.phone import OFFER_PURPOSE, phone_token_make
from gigbook.core import clock
from gigbook.core.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.core.tokens import ActionToken, action_token_spend
from musicians import selectors as musician_selectors
from musicians import services as musician_services
from musicians.models import BusyInterval, Instrument, MusicianProfile, ProfileInstrument

logger = logging.getLogger(__name__)
User = get_user_model()
Status = Booking.Status

DEFAULT_ANSWER_BY = timedelta(hours=24)
MIN_DURATION = timedelta(minutes=15)
MAX_DURATION = timedelta(days=14)
MAX_AHEAD = timedelta(days=730)
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# (from status, action) -> to status. Anything else is an illegal transition (409).
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.OFFERED, "accept"): Status.ACCEPTED,
    (Status.OFFERED, "decline"): Status.DECLINED,
    (Status.OFFERED, "counter"): Status.COUNTERED,
    (Status.OFFERED, "expire"): Status.EXPIRED,
    (Status.OFFERED, "withdraw"): Status.WITHDRAWN,
    (Status.COUNTERED, "accept_counter"): Status.ACCEPTED,
    (Status.COUNTERED, "decline_counter"): Status.DECLINED,
    (Status.ACCEPTED, "cancel"): Status.CANCELLED,
    (Status.ACCEPTED, "complete"): Status.COMPLETED,
}
ACTION_TARGET = {action: target for (_source, action), target in TRANSITIONS.items()}


# --- Domain errors ----------------------------------------------------------------------------


class BookingConflict(Conflict):
    """The musician already holds an accepted booking overlapping this time."""

    default_detail = "The musician is already booked at this time."

    def __init__(self, detail: str | None = None, *, code: str = "double_booking", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class MusicianUnavailable(Conflict):
    default_detail = "The musician has marked this time as unavailable."

    def __init__(self, detail: str | None = None, *, code: str = "musician_unavailable", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class OfferExpired(InvalidTransition):
    default_detail = "This offer has expired and can no longer be answered."

    def __init__(self, detail: str | None = None, *, code: str = "offer_expired", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_detail = "This Idempotency-Key was already used for a different request."

    def __init__(self, detail: str | None = None, *, code: str = "idempotency_key_reused", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


def _is_exclusion_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "pgcode", None) == "23P01" or "bookings_no_double_booking" in str(exc)


# --- Small helpers ----------------------------------------------------------------------------


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def musician_lock(*, musician_id: int) -> MusicianProfile:
    """Lock the musician's profile row: the first lock of every booking write (fixed order).

    Holding it serialises every accept for one musician, so the overlap check that follows
    cannot race; the exclusion constraint stays the guarantee underneath. Short-notice code
    that locks its own rows must call this first.
    """
    profile = MusicianProfile.objects.select_for_update().filter(user_id=musician_id).first()
    if profile is None:
        raise Conflict("This musician has no profile, so they cannot be booked.", code="no_profile")
    return profile


def _system_lock(musician_id: int) -> None:
    """The musician lock for time-driven transitions: same order, but a missing profile (deleted
    by an admin) must not leave an offer unexpirable or a gig uncompletable forever."""
    MusicianProfile.objects.select_for_update().filter(user_id=musician_id).first()


def _lock_for_sweep(booking_id: int) -> Booking | None:
    """Lock a booking for a time-driven transition, musician first; None if it is gone."""
    musician_id = Booking.objects.filter(pk=booking_id).values_list("musician_id", flat=True).first()
    if musician_id is None:
        return None
    _system_lock(musician_id)
    return _lock_booking(booking_id)


def _lock_booking(booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("producer", "musician", "instrument", "venue")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def _peek(booking_id: int, actor) -> Booking:
    """The booking, unlocked, only if ``actor`` may see it (404 otherwise: no existence leak)."""
    booking = Booking.objects.filter(pk=booking_id).only("id", "producer_id", "musician_id").first()
    if booking is None or actor is None or not (booking.is_party(actor) or actor.is_staff):
        raise NotFound("No such booking.")
    return booking


def _require_role(booking: Booking, actor, role: str, action: str) -> None:
    allowed = {"musician": booking.musician_id, "producer": booking.producer_id}[role]
    if actor.pk != allowed:
        raise Forbidden(f"Only the {role} can {action} this booking.", code="wrong_party")


def _already_done(booking: Booking, action: str, actor) -> bool:
    """True when ``action`` already happened by the same caller: the retry gets the current state."""
    actor_id = actor.pk if actor is not None else None
    return booking.status == ACTION_TARGET[action] and booking.status_changed_by_id == actor_id


def _require_transition(booking: Booking, action: str, now: datetime) -> str:
    if booking.status == Status.OFFERED and now >= booking.expires_at and action != "expire":
        raise OfferExpired()
    target = TRANSITIONS.get((booking.status, action))
    if target is None:
        raise InvalidTransition(
            f"A booking that is {booking.get_status_display().lower()} cannot be {messages.ACTION_PAST[action]}.",
            code="invalid_transition",
        )
    return target


def _apply(booking: Booking, *, action: str, actor, now: datetime, note: str = "", fields: tuple[str, ...] = ()) -> None:
    """Move ``booking`` along ``action`` and record it in the history. Caller holds the locks."""
    from_status = booking.status
    booking.status = TRANSITIONS[(from_status, action)]
    booking.status_changed_at = now
    booking.status_changed_by = actor
    booking.updated_at = now
    booking.sequence += 1
    update = {"status", "status_changed_at", "status_changed_by", "updated_at", "sequence", *fields}
    # No savepoint of its own: every caller is an @transaction.atomic service (a savepoint when
    # nested), which rolls back as the domain error propagates.
    try:
        booking.save(update_fields=sorted(update))
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise BookingConflict() from exc
        raise
    BookingEvent.objects.create(
        booking=booking, actor=actor, action=action, from_status=from_status, to_status=booking.status,
        note=note[:2000], at=now,
    )


def _clean_text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, "This field is required.")
    if len(value) > max_length:
        raise _field_error(field, f"Keep this under {max_length} characters.")
    return value


# --- Availability checks ----------------------------------------------------------------------


def _overlapping_accepted(*, musician_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None):
    qs = Booking.objects.filter(
        musician_id=musician_id, status__in=Booking.BLOCKING_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs


def _ensure_free(profile: MusicianProfile, *, musician_id: int, starts_at: datetime, ends_at: datetime,
                 booking_id: int | None = None) -> None:
    """Readable 409s before the database has to say no. Caller holds the musician lock."""
    if _overlapping_accepted(musician_id=musician_id, starts_at=starts_at, ends_at=ends_at, exclude_id=booking_id).exists():
        raise BookingConflict()
    conflicts = musician_selectors.musician_conflicts(profile=profile, starts_at=starts_at, ends_at=ends_at)
    if any(interval.source == BusyInterval.Source.BLOCK for interval in conflicts):
        raise MusicianUnavailable()


@dataclass(frozen=True)
class Availability:
    free: bool
    reason: str  # "", "booked" or "unavailable"
    busy: list[tuple[datetime, datetime]]


def musician_availability(*, profile: MusicianProfile, starts_at: datetime, ends_at: datetime) -> Availability:
    """Whether the musician is free for a window, for the booking form. Read-only; reveals only times."""
    conflicts = musician_selectors.musician_conflicts(profile=profile, starts_at=starts_at, ends_at=ends_at)
    booked = _overlapping_accepted(musician_id=profile.user_id, starts_at=starts_at, ends_at=ends_at).exists()
    busy = [(interval.starts_at, interval.ends_at) for interval in conflicts]
    if booked:
        return Availability(False, "booked", busy)
    if any(interval.source == BusyInterval.Source.BLOCK for interval in conflicts):
        return Availability(False, "unavailable", busy)
    return Availability(True, "", [])


# --- Building offers ----------------------------------------------------------------------------


def resolve_local_time(value: datetime, zone_name: str, field: str) -> datetime:
    """An aware datetime as given; a naive one read as wall-clock time in ``zone_name``.

    Refuses wall-clock times that do not exist (the hour skipped when clocks go forward) or happen
    twice (the hour repeated when they go back): a booking must never be an hour off.
    """
    # Always UTC out: arithmetic on datetimes sharing a ZoneInfo is wall-clock arithmetic in Python.
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = ZoneInfo(zone_name)
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != value:
            raise _field_error(field, f"{value:%H:%M} does not exist on {value:%d %b %Y} in {zone_name} (the clocks go forward).")
        raise _field_error(field, f"{value:%H:%M} happens twice on {value:%d %b %Y} in {zone_name} (the clocks go back); "
                                  "give the UTC offset, e.g. +01:00.")
    return first.astimezone(UTC)


def published_rates(profile: MusicianProfile) -> fees.PublishedRates:
    return fees.PublishedRates(
        currency=profile.currency,
        hourly_rate=profile.hourly_rate,
        session_rate=profile.session_rate,
        day_rate=profile.day_rate,
        live_rate=profile.live_rate,
        minimum_call_hours=profile.minimum_call_hours or Decimal("0"),
        overtime_rate_per_half_hour=profile.overtime_rate_per_half_hour,
    )


_PROFILE_RATE_BY_BASIS = {"hourly": "hourly_rate", "session": "session_rate", "day": "day_rate"}
FEE_TERM_FIELDS = ("fee_basis", "rate", "overtime_rate_per_half_hour", "overtime_half_hours", "doubling_fee",
                   "cartage_fee", "travel_fee", "per_diem", "per_diem_days")


def _terms_from(profile: MusicianProfile, *, kind: str, doubles: int, given: dict[str, Any]) -> fees.FeeTerms:
    """Fee terms from what the producer gave, with the musician's published figures as defaults."""
    basis = given.get("fee_basis") or "hourly"
    rate = given.get("rate")
    if rate is None:
        if basis == "flat":
            rate = profile.live_rate if kind == Booking.Kind.LIVE_SHOW else None
            if rate is None:
                raise _field_error("rate", "Give the flat fee.")
        else:
            rate = getattr(profile, _PROFILE_RATE_BY_BASIS.get(basis, "hourly_rate"), None)
            if rate is None:
                raise _field_error("rate", f"The musician publishes no {basis} rate; give one.")

    def pick(name: str, profile_field: str | None = None) -> Decimal:
        value = given.get(name)
        if value is None and profile_field:
            value = getattr(profile, profile_field, None)
        return Decimal(value) if value is not None else Decimal("0")

    try:
        return fees.FeeTerms(
            currency=profile.currency,
            basis=basis,
            rate=Decimal(rate),
            minimum_call_hours=profile.minimum_call_hours or Decimal("0"),
            overtime_rate_per_half_hour=pick("overtime_rate_per_half_hour", "overtime_rate_per_half_hour"),
            overtime_half_hours=int(given.get("overtime_half_hours") or 0),
            doubles=doubles,
            doubling_fee=pick("doubling_fee", "doubling_fee"),
            cartage_fee=pick("cartage_fee"),
            travel_fee=pick("travel_fee"),
            per_diem=pick("per_diem"),
            per_diem_days=int(given.get("per_diem_days") or 0),
        )
    except fees.FeeError as exc:
        raise _field_error(exc.field, str(exc)) from exc


def _price(terms: fees.FeeTerms, profile: MusicianProfile, *, kind: str, starts_at: datetime, ends_at: datetime):
    try:
        quote = fees.quote(terms, starts_at=starts_at, ends_at=ends_at)
        check = fees.rate_check(terms, published_rates(profile), kind_is_live=kind == Booking.Kind.LIVE_SHOW,
                                starts_at=starts_at, ends_at=ends_at)
    except fees.FeeError as exc:
        raise _field_error(exc.field, str(exc)) from exc
    return quote, check


def _terms_json(terms: fees.FeeTerms) -> dict[str, str | int]:
    return {
        "fee_basis": str(terms.basis), "rate": str(terms.rate),
        "overtime_rate_per_half_hour": str(terms.overtime_rate_per_half_hour),
        "overtime_half_hours": terms.overtime_half_hours, "doubling_fee": str(terms.doubling_fee),
        "cartage_fee": str(terms.cartage_fee), "travel_fee": str(terms.travel_fee), "per_diem": str(terms.per_diem),
        "per_diem_days": terms.per_diem_days,
    }


def booking_terms(booking: Booking) -> fees.FeeTerms:
    """The fee terms in force on ``booking``."""
    return fees.FeeTerms(
        currency=booking.currency, basis=booking.fee_basis, rate=booking.rate,
        minimum_call_hours=booking.minimum_call_hours, overtime_rate_per_half_hour=booking.overtime_rate_per_half_hour,
        overtime_half_hours=booking.overtime_half_hours, doubles=int(booking.quote.get("doubles_count", 0)),
        doubling_fee=booking.doubling_fee, cartage_fee=booking.cartage_fee, travel_fee=booking.travel_fee,
        per_diem=booking.per_diem, per_diem_days=booking.per_diem_days,
    )


def _set_terms(booking: Booking, terms: fees.FeeTerms, quote: fees.Quote, check: fees.RateCheck) -> None:
    booking.currency = terms.currency
    booking.fee_basis = str(terms.basis)
    booking.rate = terms.rate
    booking.minimum_call_hours = terms.minimum_call_hours
    booking.overtime_rate_per_half_hour = terms.overtime_rate_per_half_hour
    booking.overtime_half_hours = terms.overtime_half_hours
    booking.doubling_fee = terms.doubling_fee
    booking.cartage_fee = terms.cartage_fee
    booking.travel_fee = terms.travel_fee
    booking.per_diem = terms.per_diem
    booking.per_diem_days = terms.per_diem_days
    booking.quote = {**quote.as_json(), "doubles_count": terms.doubles}
    booking.fee_total = quote.total
    booking.below_published_rate = check.below_published_rate
    booking.published_amount = check.published_amount
    booking.rate_note = check.explanation[:300]


TERM_MODEL_FIELDS = ("currency", "fee_basis", "rate", "minimum_call_hours", "overtime_rate_per_half_hour",
                     "overtime_half_hours", "doubling_fee", "cartage_fee", "travel_fee", "per_diem", "per_diem_days",
                     "quote", "fee_total", "below_published_rate", "published_amount", "rate_note")


@dataclass
class _Draft:
    """A validated, priced booking not yet saved (shared by offers and short-notice bookings)."""

    booking: Booking
    doubles: list[Instrument]
    profile: MusicianProfile


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
    if kind == Booking.Kind.REMOTE_RECORDING:
        if venue is not None:
            errors["venue"] = ["A remote recording has no venue."]
        zone_name = time_zone or producer.time_zone
        from gigbook.accounts.validators import available_time_zones

        if zone_name not in available_time_zones():
            errors["time_zone"] = [f"“{zone_name}” is not a known time zone."]
            zone_name = "UTC"
    else:
        venue_id = venue.pk if isinstance(venue, Venue) else venue
        venue_obj = Venue.objects.filter(pk=venue_id, owner=producer).first() if venue_id is not None else None
        if venue_obj is None:
            errors["venue"] = ["Choose one of your venues." if venue_id is not None else "Choose a venue (or book a remote recording)."]
        zone_name = venue_obj.time_zone if venue_obj else "UTC"
    if errors:
        raise ValidationFailed(fields=errors)

    starts_at = resolve_local_time(starts_at, zone_name, "starts_at")
    ends_at = resolve_local_time(ends_at, zone_name, "ends_at")
    if starts_at <= now:
        errors["starts_at"] = ["The start must be in the future."]
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = ["Bookings can be made up to two years ahead."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["The end must be after the start."]
    elif ends_at - starts_at < MIN_DURATION:
        errors["ends_at"] = ["A booking lasts at least 15 minutes."]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = ["A booking can last at most 14 days; book longer runs as several bookings."]
    if errors:
        raise ValidationFailed(fields=errors)

    text = {
        "title": _clean_text(title, "title", 120),
        "brief_style": _clean_text(brief_style, "brief_style", 200),
        "brief_references": _clean_text(brief_references, "brief_references", 4000),
        "brief_notes": _clean_text(brief_notes, "brief_notes", 4000),
    }
    if brief_approach not in Booking.Approach.values:
        raise _field_error("brief_approach", "Choose chart, improvise or mixed.")

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
        brief_notes=brief_notes, fee_given=fee_given, now=clock.now(),
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
        brief_notes=brief_notes, fee_given=fee_given, now=now,
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
        brief_notes=brief_notes, fee_given=fee_given, now=now,
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
    musician_services.busy_interval_add(
        profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at,
        source=BusyInterval.Source.BOOKING, source_id=booking.pk, label="Booked",
    )


def _spend(token: ActionToken | None, booking: Booking, actor) -> None:
    """Spend a phone-link token in the action's transaction; it must name this booking and caller."""
    if token is None:
        return
    if token.purpose != OFFER_PURPOSE or token.subject_id != booking.pk or token.user_id != actor.pk:
        raise Forbidden("This link is not for this offer.", code="token_mismatch")
    action_token_spend(token)


# --- The musician's answers ---------------------------------------------------------------------


@transaction.atomic
def booking_accept(*, booking_id: int, actor, token: ActionToken | None = None) -> Booking:
    """The musician accepts an offer: offered -> accepted; the fee is frozen.

    Locks the musician's profile, then the booking. Refuses (409) an expired offer (compared
    with the clock under the lock, whether or not the sweep has run), a time that overlaps
    another accepted booking (BookingConflict; the exclusion constraint backs this up) or an
    unavailability block (MusicianUnavailable). Writes busy time, sets the 24 h / 2 h reminder
    times, notifies both sides (confirmation with .ics). A repeat by the musician returns the
    booking unchanged.
    """
    peek = _peek(booking_id, actor)
    profile = musician_lock(musician_id=peek.musician_id)
    booking = _lock_booking(booking_id)
    _require_role(booking, actor, "musician", "accept")
    if _already_done(booking, "accept", actor):
        return booking
    now = clock.now()
    _require_transition(booking, "accept", now)
    _spend(token, booking, actor)
    _ensure_free(profile, musician_id=booking.musician_id, starts_at=booking.starts_at, ends_at=booking.ends_at,
                 booking_id=booking.pk)
    booking.accepted_at = now
    _set_reminders(booking, now)
    _apply(booking, action="accept", actor=actor, now=now,
           fields=("accepted_at", "remind_24h_at", "remind_2h_at"))
    _hold_time(profile, booking)
    messages.notify_accepted(booking)
    return booking


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


# --- Sweeps (beat) ------------------------------------------------------------------------------


def _due_ids(qs, limit: int) -> list[int]:
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


def bookings_sweep(*, limit: int = 500) -> dict[str, int]:
    """Move what time has made due: expire offers, lapse counters, complete finished bookings.

    Each booking is handled in its own short transaction by the same services the API uses, so
    the sweep is harmless to run twice or concurrently. Returns counts.
    """
    now = clock.now()
    counts = {"expired": 0, "counters_lapsed": 0, "completed": 0}
    steps = [
        ("expired", Booking.objects.filter(status=Status.OFFERED, expires_at__lte=now), booking_expire, Status.EXPIRED),
        ("counters_lapsed", Booking.objects.filter(status=Status.COUNTERED, starts_at__lte=now), booking_counter_lapse,
         Status.DECLINED),
        ("completed", Booking.objects.filter(status=Status.ACCEPTED, ends_at__lte=now),
         lambda booking_id: booking_complete(booking_id=booking_id), Status.COMPLETED),
    ]
    for name, due, step, target in steps:
        for booking_id in _due_ids(due, limit):
            try:
                booking = step(booking_id=booking_id)
            except DomainError:
                # Changed between the scan and the lock (e.g. cancelled), or unexpected: one bad row
                # must not stop the sweep for everyone else.
                logger.warning("booking sweep skipped a booking", extra={"booking": booking_id, "step": name},
                               exc_info=True)
                continue
            counts[name] += booking is not None and booking.status == target
    OfferIdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_KEY_TTL).delete()
    return counts


REMINDERS = {
    "24h": ("remind_24h_at", "reminded_24h_at"),
    "2h": ("remind_2h_at", "reminded_2h_at"),
}


@transaction.atomic
def booking_remind(*, booking_id: int, which: str) -> bool:
    """Send the ``which`` ("24h"/"2h") reminder of an accepted booking if due and not yet sent.

    Claimed with a conditional update of ``reminded_*_at`` in the same transaction as the
    notifications (outbox rows): it is sent once, even with two sweeps or a worker restarting
    halfway. Not sent for a booking no longer accepted, nor once the gig has started; a 24 h
    reminder that is so late the 2 h one is due is skipped (marked, not sent). Returns True if sent.
    """
    due_field, sent_field = REMINDERS[which]
    now = clock.now()
    claimed = Booking.objects.filter(
        **{"pk": booking_id, "status": Status.ACCEPTED, f"{sent_field}__isnull": True, f"{due_field}__lte": now}
    ).update(**{sent_field: now})
    if not claimed:
        return False
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").get(pk=booking_id)
    too_late = now >= booking.starts_at or (
        which == "24h" and booking.remind_2h_at is not None and now >= booking.remind_2h_at
    )
    if too_late:
        return False
    messages.notify_reminder(booking, which=which)
    return True


def reminders_send_due(*, limit: int = 500) -> int:
    """Send every due reminder (beat, every minute). Returns how many were sent."""
    now = clock.now()
    sent = 0
    for which, (due_field, sent_field) in REMINDERS.items():
        qs = Booking.objects.filter(**{"status": Status.ACCEPTED, f"{sent_field}__isnull": True, f"{due_field}__lte": now})
        for booking_id in _due_ids(qs, limit):
            sent += booking_remind(booking_id=booking_id, which=which)
    return sent


# --- Venues -------------------------------------------------------------------------------------

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


# --- Materials ----------------------------------------------------------------------------------

MAX_MATERIALS_PER_BOOKING = 30


@transaction.atomic
def material_add(*, booking_id: int, actor, upload: UploadedFile, kind: str = Material.Kind.CHART) -> Material:
    """Attach a chart or reference to a booking. Either party may add; the type is judged by content.

    Raises NotFound (not a party), ValidationFailed (too big, wrong type, too many), InvalidTransition
    (the booking is closed: declined, expired, withdrawn, cancelled).
    """
    booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
    if booking is None or not booking.is_party(actor):
        raise NotFound("No such booking.")
    if booking.status not in (Status.OFFERED, Status.COUNTERED, Status.ACCEPTED):
        raise InvalidTransition("Materials can only be added to open or accepted bookings.", code="booking_closed")
    if kind not in Material.Kind.values:
        raise _field_error("kind", "Choose chart or reference.")
    if upload.size is None or upload.size > filetypes.MAX_MATERIAL_BYTES:
        raise _field_error("file", "Files can be at most 20 MB.")
    if booking.materials.count() >= MAX_MATERIALS_PER_BOOKING:
        raise _field_error("file", f"A booking can have at most {MAX_MATERIALS_PER_BOOKING} files.")
    try:
        detected = filetypes.detect(upload)
    except filetypes.UnsupportedFile as exc:
        raise _field_error("file", str(exc)) from exc
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    material = Material(booking=booking, uploaded_by=actor, kind=kind, original_name=original,
                        content_type=detected.content_type, size=upload.size, sha256=digest.hexdigest(),
                        created_at=clock.now())
    material.file.save(f"upload.{detected.extension}", upload, save=False)
    stored_name = material.file.name
    try:
        material.save()
    except Exception:
        material.file.storage.delete(stored_name)
        raise
    return material


@transaction.atomic
def material_delete(*, booking_id: int, material_id: int, actor) -> None:
    """The uploader removes a material (the file is deleted after commit)."""
    material = Material.objects.select_related("booking").filter(pk=material_id, booking_id=booking_id).first()
    if material is None or not material.booking.is_party(actor):
        raise NotFound("No such file.")
    if material.uploaded_by_id != actor.pk:
        raise Forbidden("Only the person who uploaded a file can remove it.", code="not_uploader")
    name, storage = material.file.name, material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Calendar feeds -----------------------------------------------------------------------------


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    """The user's feed, created on first use (pages show it on every visit: one read when it exists)."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        with transaction.atomic():
            feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"created_at": clock.now()})
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user) -> CalendarFeed:
    """Revoke the user's feed URL and issue a new one (the old one answers 404 from now on)."""
    from bookings.models import _new_feed_token

    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user, defaults={"created_at": clock.now()})
    if not created:
        feed.token = _new_feed_token()
        feed.created_at = clock.now()
        feed.last_fetched_at = None
        feed.save(update_fields=["token", "created_at", "last_fetched_at"])
    return feed


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Record a fetch, at most once a minute (calendar apps poll often; no write per poll)."""
    now = clock.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lt=now - timedelta(minutes=1))
    ).update(last_fetched_at=now)

