"""Builders for short-notice tests: real rows written through the real services where they exist."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bookings import services as booking_services
from bookings.gigrequests import services
from bookings.models import Venue
from musicians.models import Instrument, MusicianProfile, ProfileInstrument

# 21:00 in London (BST): the bass player for tomorrow's 10:00 session has just cancelled.
NOW = datetime(2027, 6, 1, 20, 0, tzinfo=UTC)
GIG_START = datetime(2027, 6, 2, 9, 0, tzinfo=UTC)
STUDIO = (51.5320, -0.1780)  # Abbey Road


def make_venue(owner, *, name="Abbey Road Studio 2", lat_lng=STUDIO, **fields) -> Venue:
    values = {"address": "3 Abbey Road, London NW8 9AY", "city": "London", "latitude": lat_lng[0],
              "longitude": lat_lng[1], "notes": ""}
    values.update(fields)
    return booking_services.venue_create(owner=owner, name=name, time_zone="Europe/London", **values)


def ensure_reference_data() -> None:
    """Instruments and genres, as their data migration writes them.

    A transactional test's flush removes them; tests/conftest.py restores them before each such
    test, and re-running the migration's own seed here is idempotent.
    """
    if Instrument.objects.exists():
        return
    from django.apps import apps

    importlib.import_module("musicians.migrations.0003_reference_data").seed(apps, None)


class Players:
    """Makes approved musicians with a phone each (so the SMS channel is on)."""

    def __init__(self, make_user):
        self.make_user = make_user
        self.n = 0
        ensure_reference_data()

    def __call__(self, name=None, *, instruments=("bass-guitar",), lat_lng=(51.5155, -0.1410), hourly="50.00",
                 status=MusicianProfile.Status.APPROVED, email=None, **fields) -> MusicianProfile:
        self.n += 1
        name = name or f"Player {self.n}"
        user = self.make_user(musician=True, full_name=name, email=email or f"player{self.n}@example.com",
                              phone=f"+447700900{self.n:03d}", time_zone="Europe/London")
        values = {
            "stage_name": name, "headline": "Session player", "city": "London",
            "latitude": lat_lng[0] if lat_lng else None, "longitude": lat_lng[1] if lat_lng else None,
            "travel_radius_km": 40, "currency": "GBP", "hourly_rate": Decimal(hourly) if hourly else None,
            "minimum_call_hours": Decimal("3.0"),
        }
        values.update(fields)
        profile = MusicianProfile.objects.create(user=user, status=status, **values)
        for position, slug in enumerate(instruments):
            ProfileInstrument.objects.create(
                profile=profile, instrument=Instrument.objects.get(slug=slug), is_primary=position == 0,
                position=position,
            )
        return profile


def gig_data(venue: Venue | None, **overrides) -> dict:
    """A request body in the shape the API's input serializer hands to the service."""
    data = {
        "chairs": [{"instrument": "bass-guitar", "count": 1}],
        "kind": "studio_session" if venue is not None else "remote_recording",
        "venue": venue.pk if venue is not None else None,
        "starts_at": GIG_START,
        "ends_at": GIG_START + timedelta(hours=3),
        "answer_by": GIG_START - timedelta(hours=1),
        "title": "Album session",
        "brief_style": "Late-night soul",
        "brief_approach": "chart",
        "brief_notes": "",
        "currency": "GBP",
        "fee_basis": "hourly",
        "rate": Decimal("50.00"),
        "max_rate": None,
        "strategy": "call_list",
        "time_box_minutes": 10,
        "broadcast_threshold_hours": Decimal("12"),
        "max_invitees": None,
    }
    data.update(overrides)
    return data


def post(producer, venue, **overrides):
    return services.gig_request_create(producer=producer, data=gig_data(venue, **overrides))


def ordered(request, instrument="bass-guitar"):
    return list(request.invitations.filter(instrument__slug=instrument).order_by("position"))
