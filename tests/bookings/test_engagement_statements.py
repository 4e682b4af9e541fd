"""An engagement's accept costs the same few SQL statements for one date or many: the dates move
through the booking state machine set-based (one free check, one UPDATE, one history INSERT, one busy
time INSERT, one hold bump), not ~13 statements per date. Nothing is skipped to get there."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.engagements import services
from bookings.models import Booking, BookingEvent, Hold
from bookings.services import hold_place
from gigbook.notifications.models import Notification
from musicians.models import BusyInterval
from tests.bookings.engagement_helpers import date_bookings, offer_engagement

pytestmark = pytest.mark.django_db
MAX_STATEMENTS = 20


def run(venue, count: int, first_day: int = 5) -> list[dict]:
    return [{"starts_at": datetime(2027, 6, first_day, 19, 0) + timedelta(days=n),
             "ends_at": datetime(2027, 6, first_day, 22, 0) + timedelta(days=n), "venue": venue.pk,
             "fee_basis": "flat", "rate": "300"} for n in range(count)]


def accept_statements(engagement, musician) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    return len(queries.captured_queries)


def test_accepting_twelve_dates_costs_the_statements_of_one(now, producer, musician, profile, venue):
    one = offer_engagement(producer, profile, venue, dates=run(venue, 1))
    twelve = offer_engagement(producer, profile, venue, dates=run(venue, 12, first_day=10))
    few, many = accept_statements(one, musician), accept_statements(twelve, musician)
    assert many == few, (few, many)
    assert many <= MAX_STATEMENTS
    # Every date of the run is accepted with its history, reminders and busy time.
    dates = date_bookings(twelve)
    assert {b.status for b in dates} == {Booking.Status.ACCEPTED}
    assert all(b.accepted_at == now and b.remind_24h_at == b.starts_at - timedelta(hours=24) and b.sequence == 1
               for b in dates)
    assert BookingEvent.objects.filter(booking__in=dates, action="accept", actor=musician).count() == 12
    assert BusyInterval.objects.filter(source="booking", source_id__in=[str(b.pk) for b in dates]).count() == 12
    assert Notification.objects.filter(kind="booking_engagement_answered").count() == 4  # 2 engagements x 2 sides


def test_holds_on_the_dates_are_bumped_in_the_same_statements(now, producer, musician, profile, venue, make_user):
    other = make_user(producer=True)
    from tests.bookings.factories import make_venue

    room = make_venue(other, name="Other Room")
    holds = [hold_place(producer=other, musician_profile_id=profile.pk, instrument="piano", kind="studio_session", venue=room.pk,
                        starts_at=datetime(2027, 6, 5 + n, 18, 0), ends_at=datetime(2027, 6, 5 + n, 20, 0))
             for n in (0, 2)]
    engagement = offer_engagement(producer, profile, venue, dates=run(venue, 4))
    assert accept_statements(engagement, musician) <= MAX_STATEMENTS + 6  # the bumped holds' own messages
    assert {Hold.objects.get(pk=h.pk).status for h in holds} == {Hold.Status.RELEASED}
