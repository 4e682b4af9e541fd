"""Builders for engagement tests: a three-date run through the real services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bookings.engagements import services


def three_dates(venue, other_venue=None) -> list[dict]:
    """Three evenings in June 2027 (London wall-clock times), each with its own terms."""
    second = other_venue or venue
    return [
        {"starts_at": datetime(2027, 6, 5, 19, 0), "ends_at": datetime(2027, 6, 5, 22, 0), "venue": venue.pk,
         "fee_basis": "flat", "rate": Decimal("300.00"), "late_cancellation_window_hours": 48,
         "late_cancellation_fee": Decimal("100.00")},
        {"starts_at": datetime(2027, 6, 6, 19, 0), "ends_at": datetime(2027, 6, 6, 22, 0), "venue": second.pk,
         "fee_basis": "flat", "rate": Decimal("350.00"), "travel_fee": Decimal("80.00"), "per_diem": Decimal("40.00"),
         "travel_days": 1, "late_cancellation_window_hours": 200, "late_cancellation_fee": Decimal("175.00"),
         "note": "Travel day before"},
        {"starts_at": datetime(2027, 6, 12, 19, 0), "ends_at": datetime(2027, 6, 12, 22, 0), "venue": venue.pk,
         "fee_basis": "flat", "rate": Decimal("300.00"), "late_cancellation_window_hours": 24,
         "late_cancellation_fee": Decimal("60.00")},
    ]


def offer_engagement(producer, profile, venue, *, allow_partial=True, dates=None, **extra):
    return services.engagement_offer(
        producer=producer, musician_profile_id=profile.pk, instrument="piano", title="Summer run",
        dates=dates if dates is not None else three_dates(venue), allow_partial=allow_partial, **extra)


def date_bookings(engagement):
    return [date.booking for date in engagement.dates.select_related("booking").order_by("position")]
