"""Engagement pages: the musician's phone page from the link in the message (per-date choices), the
producer's per-date status table, the producer's form with its per-date check."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from bookings import services as booking_services
from bookings.engagements.models import Engagement
from bookings.models import Booking
from gigbook.notifications.models import Notification
from tests.bookings.engagement_helpers import date_bookings, offer_engagement
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db


def link_of(musician) -> str:
    return Notification.objects.get(recipient=musician, kind="booking_engagement_offered").url


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_musician_takes_two_dates_from_the_link_without_signing_in(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=True)
    first, second, third = date_bookings(engagement)
    link = link_of(musician)
    page = Client().get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="bookings"') == 3 and "Accept ticked dates" in html
    assert "1 travel day" in html and "per diem 2 × 40.00" in html
    assert "Europe/London" in html
    # GET changed nothing (link scanners open links).
    assert set(Booking.objects.values_list("status", flat=True)) == {"offered"}
    answered = Client().post(link, {"action": "accept", "choose": "1", "bookings": [first.pk, third.pk]})
    assert answered.status_code == 302
    assert [b.status for b in date_bookings(engagement)] == ["accepted", "declined", "accepted"]
    after = Client().get(link).content.decode()
    assert "You answered this offer." in after and 'name="bookings"' not in after
    # The link works once: a second, different answer is refused.
    again = Client().post(link, {"action": "decline"})
    assert again.status_code == 409
    assert [b.status for b in date_bookings(engagement)] == ["accepted", "declined", "accepted"]


def test_a_subset_from_the_page_where_it_is_forbidden_says_why_and_saves_nothing(now, producer, musician, profile,
                                                                                  venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first = date_bookings(engagement)[0]
    page = signed_in(musician).get(f"/engagements/{engagement.pk}/").content.decode()
    assert 'name="bookings"' not in page and "Accept all 3 dates" in page
    refused = signed_in(musician).post(f"/engagements/{engagement.pk}/answer/",
                                       {"action": "accept", "choose": "1", "bookings": [first.pk]})
    assert refused.status_code == 409
    assert "accept all of them or decline" in refused.content.decode()
    assert set(Booking.objects.values_list("status", flat=True)) == {"offered"}
    taken = signed_in(musician).post(f"/engagements/{engagement.pk}/answer/", {"action": "accept"})
    assert taken.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_producer_sees_a_per_date_status_table_and_strangers_see_nothing(now, producer, musician, profile, venue,
                                                                              make_user):
    engagement = offer_engagement(producer, profile, venue)
    first, second, third = date_bookings(engagement)
    from bookings.engagements import services

    services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, third.pk])
    html = signed_in(producer).get(f"/engagements/{engagement.pk}/").content.decode()
    assert html.count("<tr data-booking=") == 3
    for label in ("Accepted", "Declined"):
        assert label in html
    assert "175.00 within 200 h" in html and "Cancel this date" in html
    assert signed_in(make_user(producer=True)).get(f"/engagements/{engagement.pk}/").status_code == 404
    assert Client().get(f"/engagements/{engagement.pk}/").status_code == 302  # to sign in
    listing = signed_in(producer).get("/engagements/").content.decode()
    assert "Summer run" in listing


def test_the_producer_form_checks_each_date_then_sends(now, producer, musician, profile, venue):
    taken = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 6, 18, 0), hours=2)
    booking_services.booking_accept(booking_id=taken.pk, actor=musician)
    form = {
        "musician": str(profile.pk), "instrument": "piano", "title": "Autumn run", "allow_partial": "on",
        "starts_at": ["2027-06-05T19:00", "2027-06-06T19:00", "2027-06-12T19:00"],
        "ends_at": ["2027-06-05T22:00", "2027-06-06T22:00", "2027-06-12T22:00"],
        "venue": [str(venue.pk)] * 3, "kind": ["tour_date"] * 3, "fee_basis": ["flat"] * 3,
        "rate": ["300", "300", "300"], "travel_fee": ["", "", ""], "per_diem": ["", "40", ""],
        "travel_days": ["", "1", ""], "late_cancellation_window_hours": ["", "", ""],
        "late_cancellation_fee": ["", "", ""], "note": ["", "", ""],
    }
    client = signed_in(producer)
    assert client.get("/engagements/new/").status_code == 200
    check = client.post("/engagements/new/", {**form, "action": "check"})
    html = check.content.decode()
    assert check.status_code == 200 and "already booked" in html and html.count("free</span>") == 2
    refused = client.post("/engagements/new/", {**form, "action": "send"})
    assert refused.status_code == 400 and "Date 2" in refused.content.decode()
    assert not Engagement.objects.exists()
    form["starts_at"][1], form["ends_at"][1] = "2027-06-07T19:00", "2027-06-07T22:00"
    sent = client.post("/engagements/new/", {**form, "action": "send"})
    assert sent.status_code == 302
    engagement = Engagement.objects.get()
    assert engagement.allow_partial and engagement.dates.count() == 3
    assert date_bookings(engagement)[1].per_diem_days == 2
    bad = client.post("/engagements/new/", {**form, "starts_at": ["tomorrow", "", ""], "action": "check"})
    assert bad.status_code == 400 and "Date 1: give the start as a date and time." in bad.content.decode()


def test_a_date_on_my_gigs_and_its_booking_page_leads_to_the_engagement(now, producer, musician, profile, venue,
                                                                         django_assert_max_num_queries):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first = date_bookings(engagement)[0]
    client = signed_in(musician)
    gigs = client.get("/gigs/").content.decode()
    assert gigs.count(f'href="/engagements/{engagement.pk}/"') == 3
    assert f"/bookings/{first.pk}/accept/" not in gigs
    detail = client.get(f"/bookings/{first.pk}/").content.decode()
    assert 'id="engagement-link"' in detail and 'id="accept-button"' not in detail
    # The offers on My gigs still cost one query whatever their number (the engagement comes with them).
    with django_assert_max_num_queries(30) as three:
        client.get("/gigs/")
    offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 20, 10, 0))
    with django_assert_max_num_queries(len(three.captured_queries)):
        client.get("/gigs/")
