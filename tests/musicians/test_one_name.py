"""A musician is one name everywhere: the stage name producers find in search is the name on their
bookings and messages, once it is public (an edit waiting for review does not rename anyone)."""

from datetime import timedelta

import pytest

from gigbook.core import clock
from musicians import services
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db


def test_the_public_stage_name_is_the_name_on_bookings(make_profile, make_user, producer, staff_user, client):
    musician = make_user(musician=True, full_name="Mia Musician", time_zone="Europe/London")
    profile = make_profile(user=musician, stage_name="Mia M")
    services.profile_update(user=musician, changes={"stage_name": "Mia Reeds"})
    musician.refresh_from_db()
    assert musician.greeting_name != "Mia Reeds"  # waiting for review: not public yet

    services.profile_approve(profile=profile, by=staff_user)
    musician.refresh_from_db()
    assert musician.greeting_name == "Mia Reeds"

    start = clock.now().replace(microsecond=0) + timedelta(days=3)
    booking = offer(producer, profile, starts_at=start, instrument="electric-guitar")
    client.force_login(producer)
    page = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert "Mia Reeds" in page and "Mia Musician" not in page
    search = client.get("/musicians/", {"q": "Reeds"}).content.decode()
    assert "Mia Reeds" in search
