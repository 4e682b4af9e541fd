"""Builders for trust tests: real profiles, real bookings moved through the bookings services,
and a moved clock. Nothing of our own is mocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from bookings import services as booking_services
from musicians.models import Genre, MusicianProfile, ProfileGenre
from tests.bookings.factories import make_profile as _make_profile
from tests.bookings.factories import make_venue, offer
from trust.permissions import MODERATORS_GROUP

# A Tuesday morning in London summer time.
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)


@pytest.fixture
def moderator(make_user):
    user = make_user(staff=True, full_name="Mo Moderator", email="mo@example.com")
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def superuser(make_user):
    return make_user(staff=True, is_superuser=True, full_name="Sue Super", email="sue@example.com")


@pytest.fixture
def make_musician(make_user):
    """A musician user with an approved (by default) profile: piano and organ, soul and funk."""

    def _make(name="Mia Musician", *, status=MusicianProfile.Status.APPROVED, instruments=("piano", "hammond-organ"),
              genres=("soul", "funk"), **fields):
        slug = name.lower().replace(" ", ".")
        user = make_user(musician=True, full_name=name, email=f"{slug}@example.com", time_zone="Europe/London",
                         phone="+447911000001")
        profile = _make_profile(user, instruments=instruments, status=status, **fields)
        for index, genre in enumerate(genres):
            ProfileGenre.objects.create(profile=profile, genre=Genre.objects.get(slug=genre), strength=index + 1)
        return profile

    return _make


@pytest.fixture
def profile(make_musician):
    return make_musician()


@pytest.fixture
def venue(producer):
    return make_venue(producer)


@pytest.fixture
def gig(producer, venue, frozen_clock, now):
    """Make a booking for ``profile`` at ``starts_at`` and move it to ``state`` through the services.

    "completed" moves the clock to just after the gig's end (and leaves it there).
    """

    def _gig(profile, *, state="completed", starts_at=None, hours=3, by=None, **overrides):
        by = by or producer
        starts_at = starts_at or frozen_clock.now() + timedelta(days=2)
        booking = offer(by, profile, venue=venue if by == producer else make_venue(by), starts_at=starts_at,
                        hours=hours, **overrides)
        if state == "offered":
            return booking
        if state == "declined":
            return booking_services.booking_decline(booking_id=booking.pk, actor=profile.user, note="Away that week")
        if state == "countered":
            return booking_services.booking_counter(booking_id=booking.pk, actor=profile.user, rate="90.00",
                                                    note="My rate went up")
        booking = booking_services.booking_accept(booking_id=booking.pk, actor=profile.user)
        if state == "accepted":
            return booking
        frozen_clock.set(booking.ends_at + timedelta(minutes=5))
        booking = booking_services.booking_complete(booking_id=booking.pk, actor=by)
        assert state == "completed"
        return booking

    return _gig
