"""Builders for booking tests (shared with the browser test). Real rows, real services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bookings import services
from bookings.models import Venue
from musicians.models import Instrument, MusicianProfile, ProfileInstrument

D = Decimal


def instrument(slug: str) -> Instrument:
    # Migration 0003 seeds the instruments, but a transactional test's flush removes them for the
    # transactional tests that follow; recreate what is needed.
    found, _ = Instrument.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").capitalize(), "family": "keys"}
    )
    return found


def make_profile(user, *, instruments=("piano", "hammond-organ", "synthesizer"), status=MusicianProfile.Status.APPROVED,
                 **fields) -> MusicianProfile:
    values = {
        "stage_name": user.full_name,
        "headline": "Keys for hire",
        "city": "London",
        "latitude": 51.5072,
        "longitude": -0.1276,
        "currency": "GBP",
        "hourly_rate": D("50.00"),
        "session_rate": D("140.00"),
        "day_rate": D("380.00"),
        "live_rate": D("250.00"),
        "minimum_call_hours": D("3.0"),
        "overtime_rate_per_half_hour": D("30.00"),
        "doubling_fee": D("25.00"),
        "cartage_fee": D("40.00"),
        "late_cancellation_window_hours": 48,
        "late_cancellation_fee": D("100.00"),
    }
    values.update(fields)
    profile = MusicianProfile.objects.create(user=user, status=status, **values)
    for position, slug in enumerate(instruments):
        ProfileInstrument.objects.create(
            profile=profile, instrument=instrument(slug), is_primary=position == 0, position=position
        )
    return profile


def make_venue(owner, *, name="Abbey Road Studio 2", time_zone="Europe/London", **fields) -> Venue:
    values = {"address": "3 Abbey Road, London NW8 9AY", "city": "London", "latitude": 51.5320, "longitude": -0.1780,
              "notes": "Load-in at the back."}
    values.update(fields)
    return services.venue_create(owner=owner, name=name, time_zone=time_zone, **values)


def offer(producer, profile, *, venue=None, starts_at: datetime, hours: float = 3, **overrides):
    kwargs = {
        "producer": producer,
        "musician_profile_id": profile.pk,
        "instrument": "piano",
        "kind": "studio_session" if venue is not None else "remote_recording",
        "venue": venue,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "brief_style": "Late-night soul",
    }
    kwargs.update(overrides)
    return services.booking_offer(**kwargs)


def pencil(producer, profile, *, venue=None, starts_at: datetime, hours: float = 3, **overrides):
    """A hold (pencil) through the service, like ``offer``."""
    kwargs = {
        "producer": producer,
        "musician_profile_id": profile.pk,
        "instrument": "piano",
        "kind": "studio_session" if venue is not None else "remote_recording",
        "venue": venue,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
    }
    kwargs.update(overrides)
    return services.hold_place(**kwargs)
