from decimal import Decimal

import pytest

from musicians.models import Genre, Instrument, MusicianProfile, ProfileGenre, ProfileInstrument

LONDON = (51.5074, -0.1278)


@pytest.fixture
def make_profile(make_user):
    """An approved (by default) musician profile written straight to the database.

    Search and visibility tests need many profiles in given states; the moderation services
    that normally get them there are tested on their own in test_moderation.py.
    """
    counter = {"n": 0}

    def _make(
        *,
        user=None,
        status=MusicianProfile.Status.APPROVED,
        instruments=("electric-guitar",),
        genres=("rock",),
        lat_lng=LONDON,
        **fields,
    ):
        counter["n"] += 1
        user = user or make_user(musician=True, full_name=f"Player {counter['n']}", time_zone="Europe/London")
        values = {
            "stage_name": f"Player {counter['n']}",
            "headline": "Session player",
            "city": "London",
            "latitude": lat_lng[0] if lat_lng else None,
            "longitude": lat_lng[1] if lat_lng else None,
            "travel_radius_km": 50,
            "currency": "GBP",
            "hourly_rate": Decimal("60.00"),
        }
        values.update(fields)
        profile = MusicianProfile.objects.create(user=user, status=status, **values)
        for index, slug in enumerate(instruments):
            ProfileInstrument.objects.create(
                profile=profile, instrument=Instrument.objects.get(slug=slug), is_primary=index == 0, position=index
            )
        for index, slug in enumerate(genres):
            ProfileGenre.objects.create(profile=profile, genre=Genre.objects.get(slug=slug), strength=index + 1)
        return profile

    return _make
