"""One display name, everywhere people see a person: pages, messages (email and text) and the calendar."""

from datetime import timedelta

import pytest

from bookings.calendar import booking_ics, feed_ics
from gigbook.accounts import services
from gigbook.core import clock
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db


def test_the_display_name_replaces_the_full_name_in_messages_pages_and_calendar(client, producer, musician):
    services.user_update(user=producer, display_name="Pat's Studio")
    services.user_update(user=musician, display_name="DJ Mia")
    profile = make_profile(musician)
    start = (clock.now() + timedelta(days=5)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = offer(producer, profile, venue=make_venue(producer), starts_at=start)

    note = Notification.objects.get(recipient=musician, kind="booking_offered")
    assert "Pat's Studio" in note.title and "Pat's Studio" in note.body and "Pat's Studio" in note.sms_text
    assert "Pat Producer" not in note.title + note.body + note.sms_text

    client.force_login(musician)
    page = client.get("/gigs/").content.decode()
    assert "Pat&#x27;s Studio" in page and "Pat Producer" not in page

    ics = booking_ics(booking, for_user=musician, stamp=clock.now(), itip=False)
    assert "With: Pat's Studio" in ics
    feed = feed_ics([booking], user=musician, stamp=clock.now()).decode()
    assert "GigBook – DJ Mia" in feed and "Mia Musician" not in feed


def test_an_account_without_a_display_name_falls_back_to_the_full_name(make_user):
    user = make_user(full_name="Ben Bass")
    type(user).objects.filter(pk=user.pk).update(display_name="")  # e.g. rows written in bulk
    user.refresh_from_db()
    assert user.greeting_name == "Ben Bass"
