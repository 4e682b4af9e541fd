"""One fixed directory and a set of searches, run on PostgreSQL (in the test) and on SQLite (the
embedded demo, in a subprocess), to show both backends give the same answers."""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime, time
from decimal import Decimal

from musicians.geo import public_point

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
_PER_DEGREE = math.pi * 6371.0088 / 180.0
# Search measures from the centre of the musician's ~5 km grid cell (musicians.geo): the venue sits
# 25 km due north of one such centre near (51.9, 0.4), where "Edge" lives.
EDGE_HOME = public_point(51.9 - 25 / _PER_DEGREE, 0.4)
VENUE = (EDGE_HOME[0] + 25 / _PER_DEGREE, EDGE_HOME[1])


def build() -> None:
    from django.contrib.auth import get_user_model

    from musicians import services
    from musicians.models import Genre, Instrument, MusicianProfile, ProfileGenre, ProfileInstrument

    User = get_user_model()
    rows = [
        # stage name, instruments, genres, lat, lng, radius, hourly, currency, reads notation
        ("Edge", ["tenor-sax", "flute"], ["jazz"], None, None, None, "60", "GBP", True),
        ("Near", ["flute"], ["jazz", "soul"], 51.85, 0.35, 50, "45", "GBP", False),
        ("Far", ["flute", "clarinet"], ["soul"], 53.48, -2.24, 100, "30", "GBP", True),
        ("Euro", ["cello"], ["classical"], 51.89, 0.41, 30, "50", "EUR", True),
        ("Busy", ["flute"], ["jazz"], 51.91, 0.39, 40, "55", "GBP", False),
        ("Weekly", ["flute"], ["jazz"], 51.88, 0.42, 40, "52", "GBP", True),
    ]
    for n, (name, instruments, genres, lat, lng, radius, rate, currency, notation) in enumerate(rows):
        user = User.objects.create_user(email=f"scenario{n}@example.com", password=None, full_name=f"Scenario {name}",
                                        is_musician=True, time_zone="Europe/London")
        if name == "Edge":  # exactly 25 km from the venue, with a 25 km travel radius
            (lat, lng), radius = EDGE_HOME, 25
        profile = MusicianProfile.objects.create(
            user=user, status="approved", stage_name=name, headline=f"{name} plays", city="Somewhere", latitude=lat,
            longitude=lng, travel_radius_km=radius, currency=currency, hourly_rate=Decimal(rate),
            reads_notation=notation, years_experience=n,
        )
        for i, slug in enumerate(instruments):
            ProfileInstrument.objects.create(profile=profile, instrument=Instrument.objects.get(slug=slug),
                                             is_primary=i == 0, position=i)
        for i, slug in enumerate(genres):
            ProfileGenre.objects.create(profile=profile, genre=Genre.objects.get(slug=slug), strength=i + 1)
        if name == "Busy":
            services.busy_interval_add(profile=profile, starts_at=datetime(2027, 3, 10, 18, tzinfo=UTC),
                                       ends_at=datetime(2027, 3, 10, 22, tzinfo=UTC), source="booking", source_id=1)
        if name == "Weekly":  # Tuesdays 18:00-20:00 London: 18-20 UTC in March, 17-19 UTC from 28 March
            services.block_create(profile=profile, kind="weekly", weekday=1, start_time=time(18), end_time=time(20))


SEARCHES = {
    "flute": {"instrument_ids": ["flute"]},
    "flute+clarinet": {"instrument_ids": ["flute", "clarinet"]},
    "jazz": {"genre_ids": ["jazz"]},
    "venue": {"near": VENUE},
    "venue radius 10": {"near": VENUE, "radius_km": 10},
    "gbp <= 50": {"max_rate": Decimal("50"), "currency": "GBP"},
    "notation": {"reads": ["notation"]},
    "q plays": {"q": "EDGE plays"},
    "free tue 23 19:30": {"available_from": datetime(2027, 3, 23, 19, 30, tzinfo=UTC),
                          "available_to": datetime(2027, 3, 23, 20, tzinfo=UTC)},
    "free tue 30 19:30": {"available_from": datetime(2027, 3, 30, 19, 30, tzinfo=UTC),
                          "available_to": datetime(2027, 3, 30, 20, tzinfo=UTC)},
    "free wed 10 touching": {"available_from": datetime(2027, 3, 10, 22, tzinfo=UTC),
                             "available_to": datetime(2027, 3, 10, 23, tzinfo=UTC)},
    "free wed 10 overlap": {"available_from": datetime(2027, 3, 10, 21, tzinfo=UTC),
                            "available_to": datetime(2027, 3, 10, 23, tzinfo=UTC)},
    "by distance": {"near": VENUE, "ordering": "distance"},
    "by rate": {"ordering": "rate"},
    "by experience": {"ordering": "experience"},
}


def run() -> dict[str, list[str]]:
    from musicians.models import Genre, Instrument
    from musicians.selectors import musician_search

    results = {}
    for label, params in SEARCHES.items():
        params = dict(params)
        for key, model in (("instrument_ids", Instrument), ("genre_ids", Genre)):
            if key in params:
                params[key] = [model.objects.get(slug=slug).pk for slug in params[key]]
        results[label] = [p.stage_name for p in musician_search(**params)]
    return results


def main() -> None:
    """Entry point for the SQLite subprocess: migrate has run; build, search, print JSON."""
    from django.db import transaction

    from gigbook.core import clock

    clock.now = lambda: NOW  # the embedded demo has no movable clock; pin "now" for this run only
    with transaction.atomic():
        build()
    sys.stdout.write(json.dumps(run()) + "\n")
