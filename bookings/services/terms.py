"""Fee terms of an offer: local times, published rates, terms from a profile, prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bookings import fees
from bookings.models import Booking
from bookings.services.common import _field_error
from musicians.models import Instrument, MusicianProfile

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
            raise _field_error(field, f"{value:%H:%M} does not exist on {value:%d %b %Y} there (the clocks go forward).")
        raise _field_error(field, f"{value:%H:%M} happens twice on {value:%d %b %Y} there (the clocks go back); "
                                  "choose a time outside that hour.")
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
