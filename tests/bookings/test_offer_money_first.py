"""Offer pages show the money first; after accepting they lead on (calendar entry, feed, My gigs,
directions); Decline asks first and offers a note and "recommend a colleague"; one Offers page."""

from datetime import timedelta

import icalendar
import pytest
from django.test import Client

from bookings.models import Booking
from gigbook.notifications.models import Notification
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(now, producer, profile, venue):
    return offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), cartage_fee="40")


@pytest.fixture
def link(booking, musician):
    return Notification.objects.get(recipient=musician, kind="booking_offered").url


def test_the_total_comes_before_accept_and_the_breakdown_is_behind_a_disclosure(booking, link):
    html = Client().get(link).content.decode()
    total = f"{booking.fee_total:.2f} {booking.currency}"
    assert html.index('class="money-total"') < html.index('id="accept-offer"')
    assert total in html[html.index('class="money-total"'):html.index('id="accept-offer"')]
    breakdown = html[html.index('<details class="money-breakdown">'):]
    assert "How the fee adds up" in breakdown and "Cartage" in breakdown[:breakdown.index("</details>")]
    # Decline is a secondary step that asks first.
    decline = html[html.index('<details class="answer decline"'):]
    assert "Yes, decline" in decline and 'name="recommend"' in decline and 'name="note"' in decline
    assert html.index('id="accept-offer"') < html.index('<details class="answer decline"')


def test_after_accepting_the_page_offers_calendar_my_gigs_and_directions(booking, link, musician):
    client = Client()
    client.post(link, {"action": "accept"})
    html = client.get(link).content.decode()
    assert "You accepted this booking" in html
    assert 'href="/gigs/"' in html and "See my gigs" in html
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=Abbey+Road+Studio+2" in html
    ics_url = html.split('href="')[[i for i, part in enumerate(html.split('href="')) if part.startswith("/e/")][0]]
    ics_url = ics_url[:ics_url.index('"')]
    response = Client().get(ics_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = [c for c in calendar.walk("VEVENT")]
    assert event.decoded("dtstart") == booking.starts_at and event.decoded("dtend") == booking.ends_at
    assert "/calendar/" in html and ".ics" in html  # the feed link
    assert Client().get(ics_url.replace("/e/", "/e/x")).status_code == 404  # an altered link is nobody's


def test_decline_with_recommend_goes_on_to_recommending_a_colleague(booking, link):
    response = Client().post(link, {"action": "decline", "note": "Away that week", "recommend": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/recommend/link/")
    assert Booking.objects.get(pk=booking.pk).status == "declined"
    assert Client().get(response["Location"]).status_code == 200


def test_offers_page_lists_booking_offers_and_short_notice_together_newest_first(
    now, frozen_clock, producer, profile, venue, musician
):
    older = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    frozen_clock.advance(timedelta(minutes=5))
    newer = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=5))
    client = Client()
    client.force_login(musician)
    html = client.get("/offers/").content.decode()
    assert html.index(f'data-booking="{newer.pk}"') < html.index(f'data-booking="{older.pk}"')
    assert f"{newer.fee_total:.2f} {newer.currency}" in html
