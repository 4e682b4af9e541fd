"""Demo: a three-date engagement (London, then Berlin after a travel day) offered to the demo
musician, who may take some of the dates. Idempotent (fixed title); made through the real service,
so it arrives like a real offer (inbox entry and phone link). Runs after the bookings seeder."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from bookings.demo import _instrument_for
from bookings.engagements import services
from bookings.engagements.models import Engagement
from bookings.models import Venue
from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import DomainError
from musicians.models import MusicianProfile

TITLE = "Demo: spring tour, London and Berlin"


def _at(now: datetime, zone: str, days: int, hour: int) -> datetime:
    tz = ZoneInfo(zone)
    day = (now.astimezone(tz) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour), tzinfo=tz)


def seed(*, stdout=None) -> None:
    producer = User.objects.filter(email="producer@gigbook.test").first()
    profile = MusicianProfile.objects.select_related("user").filter(
        user__email="musician@gigbook.test", status=MusicianProfile.Status.APPROVED).first()
    if producer is None or profile is None or Engagement.objects.filter(musician=profile.user, title=TITLE).exists():
        return
    london = Venue.objects.filter(owner=producer, name="The Jazz Café").first()
    berlin = Venue.objects.filter(owner=producer, name="Hansa Studios").first()
    instrument = _instrument_for(profile)
    if None in (london, berlin, instrument):
        return
    now = clock.now()
    # From day 24: clear of the other demo bookings and holds; a day later while a date hits the demo
    # musician's weekly blocked evening (or anything else they are busy with).
    for shift in range(14):
        one = _at(now, "Europe/London", 24 + shift, 20)
        two = _at(now, "Europe/Berlin", 26 + shift, 19)
        three = _at(now, "Europe/Berlin", 27 + shift, 19)
        dates = [
            {"starts_at": one, "ends_at": one + timedelta(hours=3), "venue": london.pk, "kind": "live_show",
             "fee_basis": "flat", "rate": Decimal("320.00")},
            {"starts_at": two, "ends_at": two + timedelta(hours=3), "venue": berlin.pk, "fee_basis": "flat",
             "rate": Decimal("380.00"), "travel_fee": Decimal("140.00"), "per_diem": Decimal("45.00"),
             "travel_days": 1, "note": "Travel to Berlin the day before"},
            {"starts_at": three, "ends_at": three + timedelta(hours=3), "venue": berlin.pk, "fee_basis": "flat",
             "rate": Decimal("380.00"), "per_diem": Decimal("45.00"), "late_cancellation_window_hours": 72,
             "late_cancellation_fee": Decimal("190.00")},
        ]
        try:
            with transaction.atomic():
                services.engagement_offer(
                    producer=producer, musician_profile_id=profile.pk, instrument=instrument, title=TITLE,
                    dates=dates, allow_partial=True, note="Keys for the spring run; take the dates you can.",
                    expires_at=min(now + timedelta(days=5), one),
                )
        except DomainError:
            continue
        if stdout:
            stdout.write("engagements: 1 demo engagement (three dates)")
        return
