"""Offering an engagement: the per-date check before sending, and the offer itself.

Each date is validated and priced exactly like a single offer (``bookings.services.offers._build``):
its own times, venue, fee terms and the musician's cancellation terms unless the producer sets the
date's own. Travel days belong to a date; with a per diem and no day count, the per diem covers the
date itself and its travel days.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from bookings.engagements import messages
from bookings.engagements.models import Engagement, EngagementDate
from bookings.engagements.services.rules import (
    DEFAULT_ANSWER_BY,
    MAX_DATES,
    MAX_TRAVEL_DAYS,
    OFFER_PURPOSE,
    date_label,
)
from bookings.models import Booking, BookingEvent
from bookings.phone import phone_token_make
from bookings.services.common import _clean_text, _field_error, musician_availability, musician_lock
from bookings.services.hold_rules import holds_would_bump
from bookings.services.offers import _build
from bookings.services.terms import FEE_TERM_FIELDS, resolve_local_time
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, ValidationFailed
from musicians.models import Instrument, MusicianProfile

DATE_FIELDS = ("starts_at", "ends_at", "venue", "time_zone", "kind", "travel_days", "note",
               "late_cancellation_window_hours", "late_cancellation_fee", *FEE_TERM_FIELDS)


def _profile(producer, musician_profile_id: int) -> MusicianProfile:
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers can book musicians.", code="not_producer")
    profile = MusicianProfile.objects.select_related("user").filter(pk=musician_profile_id).first()
    if profile is None:
        raise _field_error("musician", "No such musician.")
    return profile


def _cancellation_terms(given: dict, profile: MusicianProfile, errors: list[str], n: int) -> tuple[int, Decimal]:
    window = given.get("late_cancellation_window_hours")
    fee = given.get("late_cancellation_fee")
    window = profile.late_cancellation_window_hours or 0 if window is None else window
    fee = profile.late_cancellation_fee or Decimal("0") if fee is None else fee
    try:
        window, fee = int(window), Decimal(fee)
    except (TypeError, ValueError, InvalidOperation):
        errors.append(f"Date {n}: give the cancellation notice in hours and the fee as an amount.")
        return 0, Decimal("0")
    if not 0 <= window <= 24 * 60 or not fee.is_finite() or fee < 0:
        errors.append(f"Date {n}: the cancellation notice is 0 to 1,440 hours and the fee zero or more.")
    return window, fee


def _drafts(*, producer, profile: MusicianProfile, instrument, title: str, dates: list[dict], now: datetime):
    """Validated, priced, unsaved bookings (start order) with their travel days and notes.

    Raises ValidationFailed with one plain message per problem, each naming its date ("Date 2: …").
    """
    if not dates:
        raise _field_error("dates", "Add at least one date.")
    if len(dates) > MAX_DATES:
        raise _field_error("dates", f"An engagement has at most {MAX_DATES} dates; offer the rest as another.")
    errors: list[str] = []
    drafts = []
    for n, given in enumerate(dates, start=1):
        unknown = set(given) - set(DATE_FIELDS)
        if unknown:
            raise TypeError(f"Unknown date fields: {sorted(unknown)}")
        travel_days = int(given.get("travel_days") or 0)
        if not 0 <= travel_days <= MAX_TRAVEL_DAYS:
            errors.append(f"Date {n}: give 0 to {MAX_TRAVEL_DAYS} travel days.")
            continue
        if not isinstance(given.get("starts_at"), datetime) or not isinstance(given.get("ends_at"), datetime):
            errors.append(f"Date {n}: give the start and the end.")
            continue
        fee_given = {name: given[name] for name in FEE_TERM_FIELDS if given.get(name) is not None}
        if fee_given.get("per_diem") and not fee_given.get("per_diem_days"):
            fee_given["per_diem_days"] = 1 + travel_days
        window, fee = _cancellation_terms(given, profile, errors, n)
        try:
            draft = _build(
                producer=producer, musician_profile=profile, instrument=instrument,
                kind=given.get("kind") or Booking.Kind.TOUR_DATE, starts_at=given.get("starts_at"),
                ends_at=given.get("ends_at"), venue=given.get("venue"), time_zone=given.get("time_zone"), doubles=[],
                title=title, brief_style="", brief_references="", brief_approach=Booking.Approach.CHART,
                brief_notes="", fee_given=fee_given, now=now,
            )
        except ValidationFailed as exc:
            if set(exc.fields) & {"musician", "instrument"}:
                raise  # about the whole engagement, not this date
            errors.extend(f"Date {n}: {message}" for messages_ in exc.fields.values() for message in messages_)
            continue
        booking = draft.booking
        booking.late_cancellation_window_hours, booking.late_cancellation_fee = window, fee
        note = _clean_text(given.get("note"), "dates", 200)
        drafts.append((booking, travel_days, note, n))
    if errors:
        raise ValidationFailed(fields={"dates": errors})
    drafts.sort(key=lambda item: item[0].starts_at)
    for (one, *_a, n1), (two, *_b, n2) in zip(drafts, drafts[1:], strict=False):
        if two.starts_at < one.ends_at:
            errors.append(f"Date {n2} overlaps date {n1}; each date needs its own time.")
    if errors:
        raise ValidationFailed(fields={"dates": errors})
    return drafts


def _date_check(booking: Booking, profile: MusicianProfile, producer) -> dict[str, Any]:
    availability = musician_availability(profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at)
    return {
        "free": availability.free, "reason": availability.reason, "busy": availability.busy,
        "would_bump": holds_would_bump(musician_id=profile.user_id, starts_at=booking.starts_at,
                                       ends_at=booking.ends_at, producer=producer),
    }


def engagement_preview(*, producer, musician_profile_id: int, instrument: Instrument | str, title: str = "",
                       dates: list[dict]) -> dict[str, Any]:
    """Price every date and say, per date, whether the musician is free; saves nothing.

    Raises ValidationFailed (per-date messages) and Forbidden like ``engagement_offer``.
    """
    profile = _profile(producer, musician_profile_id)
    drafts = _drafts(producer=producer, profile=profile, instrument=instrument, title=title, dates=dates,
                     now=clock.now())
    rows = []
    for booking, travel_days, note, n in drafts:
        rows.append({
            "number": n, "starts_at": booking.starts_at, "ends_at": booking.ends_at, "time_zone": booking.time_zone,
            "label": date_label(booking), "travel_days": travel_days, "note": note,
            "quote": {key: value for key, value in booking.quote.items() if key != "doubles_count"},
            "cancellation_terms": {"window_hours": booking.late_cancellation_window_hours,
                                   "late_fee": str(booking.late_cancellation_fee)},
            **_date_check(booking, profile, producer),
        })
    total = sum((booking.fee_total for booking, *_ in drafts), Decimal("0"))
    return {"currency": profile.currency, "total": total, "dates": rows,
            "conflicts": sum(1 for row in rows if not row["free"])}


def _answer_by(given: datetime | None, *, first: Booking, now: datetime) -> datetime:
    if given is None:
        return min(now + DEFAULT_ANSWER_BY, first.starts_at)
    expires_at = (resolve_local_time(given, first.time_zone, "expires_at") if given.tzinfo is None
                  else given.astimezone(UTC))
    if expires_at <= now:
        raise _field_error("expires_at", "The answer-by time must be in the future.")
    if expires_at > first.starts_at:
        raise _field_error("expires_at", "The answer-by time cannot be after the first date starts.")
    return expires_at


@transaction.atomic
def engagement_offer(
    *,
    producer,
    musician_profile_id: int,
    instrument: Instrument | str,
    title: str,
    dates: list[dict],
    allow_partial: bool = False,
    note: str = "",
    expires_at: datetime | None = None,
) -> Engagement:
    """A producer offers a musician several dates at once. Returns the engagement (offered).

    Every date becomes an offered booking answered together through the engagement (default answer-by:
    48 h, never after the first date starts). Locks the musician's profile. Raises ValidationFailed
    (per-date messages), Forbidden (not a producer) and Conflict ``dates_unavailable`` naming every
    date the musician is booked or blocked on. Side effects: history per booking, one message to the
    musician with a password-less phone link to the engagement.
    """
    now = clock.now()
    title = _clean_text(title, "title", 120, required=True)
    note = _clean_text(note, "note", 4000)
    profile = _profile(producer, musician_profile_id)
    drafts = _drafts(producer=producer, profile=profile, instrument=instrument, title=title, dates=dates, now=now)
    answer_by = _answer_by(expires_at, first=drafts[0][0], now=now)
    musician_lock(musician_id=profile.user_id)
    taken = []
    for booking, _travel, _note, n in drafts:
        check = _date_check(booking, profile, producer)
        if not check["free"]:
            why = "already booked" if check["reason"] == "booked" else "marked unavailable"
            taken.append(f"Date {n} ({date_label(booking)}): {why}.")
    if taken:
        raise Conflict(f"The musician cannot take {len(taken)} of these dates. " + " ".join(taken),
                       code="dates_unavailable", fields={"dates": taken})
    first = drafts[0][0]
    engagement = Engagement.objects.create(
        producer=producer, musician=profile.user, instrument=first.instrument, title=title, note=note,
        allow_partial=bool(allow_partial), currency=first.currency, expires_at=answer_by, created_at=now,
        updated_at=now,
    )
    for position, (booking, travel_days, date_note, _n) in enumerate(drafts, start=1):
        booking.expires_at = answer_by
        booking.save()
        BookingEvent.objects.create(booking=booking, actor=producer, action="offer", from_status="",
                                    to_status=booking.status, note=f"Engagement: {title}"[:2000], at=now)
        EngagementDate.objects.create(engagement=engagement, booking=booking, position=position,
                                      travel_days=travel_days, note=date_note)
    token = phone_token_make(purpose=OFFER_PURPOSE, subject_id=engagement.pk, user_id=profile.user_id,
                             expires_at=answer_by)
    messages.notify_offered(engagement, [booking for booking, *_ in drafts], token=token)
    return engagement
