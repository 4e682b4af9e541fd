"""An engagement's answer and competing single offers for the same evenings, at the same instant, in
real PostgreSQL transactions: the musician never ends up double-booked, and the engagement is either
taken whole (as chosen) or not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bookings import services as booking_services
from bookings.engagements import services
from bookings.models import Booking
from tests.bookings.engagement_helpers import date_bookings, offer_engagement
from tests.bookings.factories import make_profile, make_venue, offer
from tests.bookings.test_concurrency import NOW, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_an_engagement_against_single_offers_on_its_dates_never_double_books(make_user, frozen_clock):
    frozen_clock.set(NOW)
    producer = make_user(producer=True, email="tour@example.com")
    rival = make_user(producer=True, email="rival@example.com")
    musician = make_user(musician=True, email="player@example.com")
    profile = make_profile(musician)
    venue, rival_room = make_venue(producer), make_venue(rival, name="Rival Rooms")
    for round_ in range(4):
        shift = timedelta(days=30 * round_)
        dates = [{"starts_at": datetime(2027, 6, 5 + n, 19, 0) + shift, "ends_at": datetime(2027, 6, 5 + n, 22, 0) + shift,
                  "venue": venue.pk, "fee_basis": "flat", "rate": "300"} for n in range(3)]
        engagement = offer_engagement(producer, profile, venue, dates=dates, allow_partial=False)
        # Three single offers, each overlapping one date of the engagement by an hour.
        singles = [offer(rival, profile, venue=rival_room, starts_at=datetime(2027, 6, 5 + n, 21, 0) + shift).pk
                   for n in range(3)]

        def work(index, engagement_id=engagement.pk, singles=singles):
            if index == 0:
                return services.engagement_accept(engagement_id=engagement_id, actor=musician)
            return booking_services.booking_accept(booking_id=singles[index - 1], actor=musician)

        results = run_together(4, work)
        taken = [b.status for b in date_bookings(engagement)]
        won_singles = Booking.objects.filter(pk__in=singles, status="accepted").count()
        if isinstance(results[0], Exception):
            assert isinstance(results[0], booking_services.BookingConflict), results[0]
            assert taken == ["offered"] * 3 and won_singles >= 1
        else:
            assert taken == ["accepted"] * 3 and won_singles == 0
        # Never two accepted bookings overlapping, whoever won.
        accepted = list(Booking.objects.filter(musician=musician, status="accepted").order_by("starts_at"))
        for one, two in zip(accepted, accepted[1:], strict=False):
            assert two.starts_at >= one.ends_at


def test_sweeps_running_at_once_expire_an_engagement_and_tell_each_side_once(make_user, frozen_clock):
    from bookings.engagements.models import Engagement
    from gigbook.notifications.models import Notification

    frozen_clock.set(NOW)
    producer = make_user(producer=True, email="tour2@example.com")
    musician = make_user(musician=True, email="player2@example.com")
    profile = make_profile(musician)
    venue = make_venue(producer)
    engagements = [offer_engagement(producer, profile, venue, dates=[
        {"starts_at": datetime(2027, 6, 5 + n, 19, 0) + timedelta(days=30 * round_),
         "ends_at": datetime(2027, 6, 5 + n, 22, 0) + timedelta(days=30 * round_), "venue": venue.pk,
         "fee_basis": "flat", "rate": "300"} for n in range(3)]) for round_ in range(3)]
    frozen_clock.set(max(e.expires_at for e in engagements) + timedelta(minutes=1))

    results = run_together(4, lambda index: booking_services.bookings_sweep())

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["expired"] for r in results) == 9  # each date expired by exactly one sweep
    for engagement in engagements:
        assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.EXPIRED
        assert [b.status for b in date_bookings(engagement)] == ["expired"] * 3
        for reader in (producer, musician):
            assert Notification.objects.filter(recipient=reader, kind="booking_engagement_expired",
                                               dedupe_key=f"engagement:{engagement.pk}:expired").count() == 1
    assert not Notification.objects.filter(kind="booking_expired").exists()
    # And once more, after them: nothing.
    assert booking_services.bookings_sweep()["expired"] == 0
    assert Notification.objects.filter(kind="booking_engagement_expired").count() == 6
