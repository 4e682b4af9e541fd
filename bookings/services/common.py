"""Rules, domain errors, locks and availability checks shared by the booking use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.db.models import Q

from bookings import messages
from bookings.models import Booking, BookingEvent
from gigbook.core.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from musicians import selectors as musician_selectors
from musicians.models import BusyInterval, MusicianProfile

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


# Rules that parts built on bookings add to the musician's answers (accept, decline, counter): the
# dates of a multi-date engagement are answered on the engagement, never one booking at a time.
# Registered at app ready (one-way: bookings never imports them); each raises a DomainError to refuse.
ANSWER_ACTIONS = ("accept", "decline", "counter")
_answer_guards: list[Callable[[Booking, str], None]] = []


def booking_answer_guard_register(guard: Callable[[Booking, str], None]) -> None:
    if guard not in _answer_guards:
        _answer_guards.append(guard)


def _require_transition(booking: Booking, action: str, now: datetime, *, guards: bool = True) -> str:
    """The state machine's rule for ``action`` now. ``guards=False`` only for an answer that has
    lifted the guards itself (an engagement's answer marks the engagement answered first)."""
    if booking.status == Status.OFFERED and now >= booking.expires_at and action != "expire":
        raise OfferExpired()
    target = TRANSITIONS.get((booking.status, action))
    if target is None:
        raise InvalidTransition(
            f"A booking that is {booking.get_status_display().lower()} cannot be {messages.ACTION_PAST[action]}.",
            code="invalid_transition",
        )
    if guards and action in ANSWER_ACTIONS:
        for guard in _answer_guards:
            guard(booking, action)
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


def _apply_many(bookings: list[Booking], *, action: str, actor, now: datetime, fields: tuple[str, ...] = ()) -> None:
    """``_apply`` for many bookings in two statements (one UPDATE, one INSERT of their history),
    whatever their number. Caller holds the locks and has checked each transition."""
    if not bookings:
        return
    moves = []
    for booking in bookings:
        moves.append((booking, booking.status))
        booking.status = TRANSITIONS[(booking.status, action)]
        booking.status_changed_at = booking.updated_at = now
        booking.status_changed_by = actor
        booking.sequence += 1
    try:
        Booking.objects.bulk_update(
            bookings, sorted({"status", "status_changed_at", "status_changed_by", "updated_at", "sequence", *fields}))
    except IntegrityError as exc:
        if _is_exclusion_violation(exc):
            raise BookingConflict() from exc
        raise
    BookingEvent.objects.bulk_create([
        BookingEvent(booking=booking, actor=actor, action=action, from_status=from_status, to_status=booking.status,
                     at=now)
        for booking, from_status in moves
    ])


def _clean_text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, "Fill this in.")
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


def _first_taken(profile: MusicianProfile, bookings: list[Booking]) -> tuple[Booking, type[Conflict]] | None:
    """``_ensure_free`` for many windows of one musician in three statements, whatever their number:
    the first of ``bookings`` (in the given order) that overlaps an accepted booking or an
    unavailability block, with the error ``_ensure_free`` would raise for it. Caller holds the
    musician lock."""
    if not bookings:
        return None
    windows = Q()
    for booking in bookings:
        windows |= Q(starts_at__lt=booking.ends_at, ends_at__gt=booking.starts_at)
    taken = list(Booking.objects.filter(windows, musician_id=profile.user_id, status__in=Booking.BLOCKING_STATUSES)
                 .exclude(pk__in=[b.pk for b in bookings]).values_list("starts_at", "ends_at"))
    # The busy time over the whole span at once (weekly blocks past the written horizon included).
    span = musician_selectors.musician_conflicts(profile=profile, starts_at=min(b.starts_at for b in bookings),
                                                 ends_at=max(b.ends_at for b in bookings))
    blocks = [(i.starts_at, i.ends_at) for i in span if i.source == BusyInterval.Source.BLOCK]

    def hits(booking: Booking, intervals) -> bool:
        return any(start < booking.ends_at and end > booking.starts_at for start, end in intervals)

    for booking in bookings:
        if hits(booking, taken):
            return booking, BookingConflict
        if hits(booking, blocks):
            return booking, MusicianUnavailable
    return None


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
