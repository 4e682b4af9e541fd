"""The demo seed offers the demo musician a three-date engagement, once, through the real service."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bookings.engagements.models import Engagement
from gigbook.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_demo_seed_offers_the_demo_musician_a_three_date_engagement_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    engagement = Engagement.objects.get(musician__email="musician@gigbook.test")
    dates = list(engagement.dates.select_related("booking", "booking__venue").order_by("position"))
    assert len(dates) == 3 and engagement.allow_partial and engagement.status == "offered"
    assert [d.booking.status for d in dates] == ["offered"] * 3
    assert [d.booking.venue.time_zone for d in dates] == ["Europe/London", "Europe/Berlin", "Europe/Berlin"]
    assert dates[1].travel_days == 1 and dates[1].booking.per_diem_days == 2
    assert Notification.objects.filter(recipient=engagement.musician, kind="booking_engagement_offered").count() == 1
