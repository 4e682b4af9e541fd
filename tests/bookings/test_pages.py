"""Server-rendered pages: book this player, bookings list and detail, My gigs, cancel, venues."""

from datetime import timedelta

import pytest
from django.test import Client

from bookings import services
from bookings.models import Booking, Venue
from musicians.models import MusicianProfile
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def form(profile, venue_, **overrides):
    data = {
        "musician": profile.pk, "idempotency_key": "abc123", "kind": "studio_session", "instrument": "piano",
        "venue": venue_.pk, "time_zone": "Europe/London", "date": "2027-06-05", "start_time": "22:00",
        "end_time": "01:00", "brief_approach": "chart", "brief_style": "Neo-soul", "fee_basis": "hourly",
        "rate": "50", "cartage_fee": "", "travel_fee": "", "per_diem": "", "per_diem_days": "",
        "overtime_half_hours": "",
    }
    data.update(overrides)
    return data


def test_book_this_player_page_shows_rates_and_form(now, producer, profile, venue):
    response = logged_in(producer).get(f"/bookings/new/?musician={profile.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Book Mia Musician" in html
    assert "50.00 GBP" in html and "minimum call 3 h" in html
    assert "Abbey Road Studio 2" in html
    assert 'src="/static/js/bookings-new.js"' in html
    assert "style=" not in html and "onclick" not in html  # CSP: no inline styles or handlers


def test_booking_form_creates_an_offer_once_even_when_submitted_twice(now, producer, profile, venue):
    client = logged_in(producer)
    response = client.post(f"/bookings/new/?musician={profile.pk}", form(profile, venue))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert response["Location"] == f"/bookings/{booking.pk}/"
    # 22:00-01:00 in London runs past midnight.
    assert booking.ends_at - booking.starts_at == timedelta(hours=3)
    assert booking.local_starts_at.hour == 22
    again = client.post(f"/bookings/new/?musician={profile.pk}", form(profile, venue))
    assert again.status_code == 302 and again["Location"] == f"/bookings/{booking.pk}/"
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"date": ""}, "Give the date and start time."),
    ({"rate": "cheap"}, "Enter an amount"),
    ({"per_diem_days": "lots"}, "whole number"),
    ({"date": "2027-05-01"}, "This start has already passed: choose a time in the future."),
    ({"venue": ""}, "Choose a venue"),
    ({"instrument": "tuba"}, "does not list this instrument"),
])
def test_booking_form_errors_are_shown_next_to_fields(now, producer, profile, venue, overrides, message):
    response = logged_in(producer).post(f"/bookings/new/?musician={profile.pk}", form(profile, venue, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_booking_form_lists_shape_and_rule_problems_together_each_once(now, producer, profile, venue):
    response = logged_in(producer).post(f"/bookings/new/?musician={profile.pk}",
                                        form(profile, venue, date="2027-05-01", rate="cheap", instrument="tuba"))
    page = response.content.decode()
    assert response.status_code == 400
    for message in ("Enter an amount", "does not list this instrument",
                    "This start has already passed: choose a time in the future."):
        assert page.count(message) == 1, message


def test_an_end_equal_to_the_start_is_an_error_not_a_day(now, producer, profile, venue):
    response = logged_in(producer).post(f"/bookings/new/?musician={profile.pk}",
                                        form(profile, venue, start_time="10:00", end_time="10:00"))
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_booking_over_twelve_hours_needs_the_confirmation_box(now, producer, profile, venue):
    client = logged_in(producer)
    long = form(profile, venue, start_time="09:00", end_time="23:00")
    response = client.post(f"/bookings/new/?musician={profile.pk}", long)
    assert response.status_code == 400
    assert "This booking would last 14 hours." in response.content.decode()
    assert 'id="confirm-long-field" hidden' not in response.content.decode()  # the box is shown
    assert client.post(f"/bookings/new/?musician={profile.pk}", {**long, "confirm_long": "on"}).status_code == 302
    assert Booking.objects.get().ends_at - Booking.objects.get().starts_at == timedelta(hours=14)


def test_booking_page_for_unknown_or_unpublished_musician_is_404(now, producer, make_user):
    client = logged_in(producer)
    assert client.get("/bookings/new/?musician=99999").status_code == 404
    assert client.get("/bookings/new/?musician=abc").status_code == 404
    hidden = make_profile(make_user(musician=True), status=MusicianProfile.Status.PENDING)
    assert client.get(f"/bookings/new/?musician={hidden.pk}").status_code == 404


def test_musicians_without_producer_role_cannot_open_the_booking_page(now, musician, profile):
    assert logged_in(musician).get(f"/bookings/new/?musician={profile.pk}").status_code == 302


def test_producer_bookings_list_groups_and_query_count(now, producer, musician, profile, venue,
                                                       django_assert_num_queries):
    open_offer = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    upcoming = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=4))
    services.booking_accept(booking_id=upcoming.pk, actor=musician)
    client = logged_in(producer)
    client.get("/bookings/")  # the first visit creates the calendar feed row
    # session, user, bookings (one query with parties, instrument, venue), feed, unread count
    with django_assert_num_queries(5):
        html = client.get("/bookings/").content.decode()
    assert html.index(f'data-booking="{open_offer.pk}"') < html.index(f'data-booking="{upcoming.pk}"')
    assert "Waiting for an answer" in html and "Your calendar" in html
    for day in range(5, 12):
        offer(producer, profile, venue=venue, starts_at=now + timedelta(days=day))
    with django_assert_num_queries(5):
        client.get("/bookings/")


def test_my_gigs_lists_offers_first_with_big_buttons_then_upcoming(now, producer, musician, profile, venue,
                                                                    django_assert_num_queries):
    upcoming = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=2))
    services.booking_accept(booking_id=upcoming.pk, actor=musician)
    incoming = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=6))
    client = logged_in(musician)
    client.get("/gigs/")
    # session, user, offers, upcoming, their materials, feed, unread count
    with django_assert_num_queries(7):
        html = client.get("/gigs/").content.decode()
    assert html.index(f'data-booking="{incoming.pk}"') < html.index(f'data-booking="{upcoming.pk}"')
    assert f'action="/bookings/{incoming.pk}/accept/"' in html
    for day in range(8, 12):
        more = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=day))
        if day % 2:
            services.booking_accept(booking_id=more.pk, actor=musician)
    with django_assert_num_queries(7):
        client.get("/gigs/")
    # Upcoming cards: fee, producer, call time, what to do next, calendar entry and directions.
    card = html[html.index(f'data-booking="{upcoming.pk}"'):]
    card = card[:card.index("Add to calendar") + 200]
    assert f"{upcoming.fee_total:.2f} {upcoming.currency}" in card and producer.full_name in card
    assert "Call time" in card and "Be ready at" in card
    assert "google.com/maps/dir/?api=1&amp;destination=Abbey+Road" in card and "Add to calendar" in card
    response = client.post(f"/bookings/{incoming.pk}/accept/", {"next": "/gigs/"})
    assert response.status_code == 302 and response["Location"] == "/gigs/"
    assert Booking.objects.get(pk=incoming.pk).status == "accepted"


def test_action_redirect_ignores_foreign_next(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=2))
    response = logged_in(musician).post(f"/bookings/{booking.pk}/decline/", {"next": "//evil.example/"})
    assert response["Location"] == f"/bookings/{booking.pk}/"


def test_detail_page_shows_quote_history_and_the_right_buttons(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), rate="40")
    musician_html = logged_in(musician).get(f"/bookings/{booking.pk}/").content.decode()
    assert "Below the musician" in musician_html
    assert f'action="/bookings/{booking.pk}/accept/"' in musician_html
    assert f'action="/bookings/{booking.pk}/counter/"' in musician_html
    producer_html = logged_in(producer).get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/withdraw/"' in producer_html
    assert f'action="/bookings/{booking.pk}/accept/"' not in producer_html
    assert "Pat Producer made the offer" in producer_html


def test_counter_and_accept_counter_from_the_pages(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    logged_in(musician).post(f"/bookings/{booking.pk}/counter/", {"rate": "65", "note": "Union"})
    assert Booking.objects.get(pk=booking.pk).status == "countered"
    html = logged_in(producer).get(f"/bookings/{booking.pk}/").content.decode()
    assert "Counter-offer from Mia Musician" in html and "195.00" in html
    logged_in(producer).post(f"/bookings/{booking.pk}/accept/")
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == "accepted" and str(stored.fee_total) == "195.000"


def test_page_action_errors_become_messages(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    client = logged_in(musician)
    client.post(f"/bookings/{booking.pk}/decline/")
    response = client.post(f"/bookings/{booking.pk}/accept/", follow=True)
    assert "cannot be accepted" in response.content.decode()


def test_cancel_page_shows_the_fee_before_confirming(now, producer, musician, profile, venue, frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    client = logged_in(producer)
    html = client.get(f"/bookings/{booking.pk}/cancel/").content.decode()
    assert "Cancelling now costs nothing" in html
    frozen_clock.set(booking.starts_at - timedelta(hours=12))
    html = client.get(f"/bookings/{booking.pk}/cancel/").content.decode()
    assert "Cancelling now costs 100.00 GBP" in html
    assert 'name="expected_fee" value="100.00"' in html
    missing_reason = client.post(f"/bookings/{booking.pk}/cancel/", {"expected_fee": "100.00", "reason": ""})
    assert missing_reason.status_code == 400
    stale = client.post(f"/bookings/{booking.pk}/cancel/", {"expected_fee": "0.00", "reason": "Budget"})
    assert stale.status_code == 409 and "Check and confirm again" in stale.content.decode()
    done = client.post(f"/bookings/{booking.pk}/cancel/", {"expected_fee": "100.00", "reason": "Budget"})
    assert done.status_code == 302
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == "cancelled" and str(stored.cancellation_fee) == "100.000"
    assert "100.00 GBP owed" in client.get(f"/bookings/{booking.pk}/").content.decode()


def test_musician_sees_no_fee_on_their_cancel_page(now, producer, musician, profile, venue, frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    frozen_clock.set(booking.starts_at - timedelta(hours=12))
    html = logged_in(musician).get(f"/bookings/{booking.pk}/cancel/").content.decode()
    assert "you owe no fee" in html


def test_venues_page_adds_a_venue_and_returns_to_the_booking_form(now, producer, profile):
    client = logged_in(producer)
    back = f"/bookings/new/?musician={profile.pk}"
    response = client.post("/venues/", {"name": "RAK Studios", "address": "42-48 Charlbert St", "place": "NW8 7BT",
                                        "latitude": "", "longitude": "", "time_zone": "", "notes": "", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    rak = Venue.objects.get()
    assert (rak.name, rak.time_zone, round(rak.latitude, 2), round(rak.longitude, 2)) == \
        ("RAK Studios", "Europe/London", 51.53, -0.17)
    # A hidden pin that is not a number (a tampered form) is ignored: the typed place decides.
    bad = client.post("/venues/", {"name": "X", "address": "Y", "place": "Xyzzyville", "latitude": "north",
                                   "longitude": "", "time_zone": "UTC"})
    assert bad.status_code == 400 and "We could not find a place called “Xyzzyville”" in bad.content.decode()
    none = client.post("/venues/", {"name": "X", "address": "Y", "place": "", "time_zone": ""})
    assert none.status_code == 400 and "Choose where the venue is" in none.content.decode()
    assert client.post("/venues/", {"name": "X", "address": "Y", "place": "M1", "time_zone": "Nowhere"}).status_code \
        == 400
    assert Venue.objects.count() == 1


def test_material_upload_from_the_detail_page(now, producer, profile, venue, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.bookings import samples

    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    client = logged_in(producer)
    response = client.post(f"/bookings/{booking.pk}/materials/",
                           {"file": SimpleUploadedFile("lead sheet.pdf", samples.PDF), "kind": "chart"}, follow=True)
    assert "Uploaded lead sheet.pdf" in response.content.decode()
    bad = client.post(f"/bookings/{booking.pk}/materials/",
                      {"file": SimpleUploadedFile("evil.pdf", b"<script>"), "kind": "chart"}, follow=True)
    assert "Upload PDF, PNG, JPEG, MusicXML or MP3" in bad.content.decode()
    assert booking.materials.count() == 1


def test_remote_recording_from_the_form_uses_the_chosen_zone(now, producer, profile, venue):
    make_venue(producer, name="Unused")
    response = logged_in(producer).post(f"/bookings/new/?musician={profile.pk}", form(
        profile, venue, kind="remote_recording", venue="", time_zone="America/New_York", start_time="10:00",
        end_time="12:00", idempotency_key="remote-1"))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.venue is None and booking.time_zone == "America/New_York"
    assert booking.local_starts_at.hour == 10


def test_admin_lists_shows_and_cancels_through_the_service(now, producer, musician, profile, venue, make_user):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    admin_user = make_user(staff=True, is_superuser=True)
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    client = logged_in(admin_user)
    assert client.get("/admin/bookings/booking/").status_code == 200
    page = client.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200 and "accept" in page.content.decode()
    assert client.get("/admin/bookings/venue/").status_code == 200
    response = client.post("/admin/bookings/booking/", {"action": "cancel_selected", ACTION_CHECKBOX_NAME: [booking.pk]})
    assert response.status_code == 302
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == "cancelled" and stored.cancelled_by == admin_user
    assert stored.events.last().action == "cancel"


def _hold_form(profile, venue, **overrides):
    return {"musician": profile.pk, "kind": "studio_session", "instrument": "piano", "venue": venue.pk,
            "date": "2027-06-10", "start_time": "10:00", "end_time": "13:00", "fee_basis": "hourly", "rate": "60",
            **overrides}


def test_the_hold_page_lists_shape_and_rule_problems_together_and_names_the_zone(now, producer, profile, venue):
    client = logged_in(producer)
    assert "Times are London time (BST)." in client.get(f"/holds/new/?musician={profile.pk}").content.decode()
    response = client.post("/holds/new/", _hold_form(profile, venue, date="2027-05-01", rate="lots"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter an amount" in page and "This start has already passed: choose a time in the future." in page


def test_the_hold_page_refuses_an_end_equal_to_the_start_and_asks_before_a_long_hold(now, producer, profile, venue):
    from bookings.models import Hold

    client = logged_in(producer)
    same = client.post("/holds/new/", _hold_form(profile, venue, end_time="10:00"))
    assert same.status_code == 400 and "The end must be after the start." in same.content.decode()
    long = _hold_form(profile, venue, start_time="08:00", end_time="23:00")
    asked = client.post("/holds/new/", long)
    assert asked.status_code == 400 and 'id="confirm-long-field" hidden' not in asked.content.decode()
    # A short hold's form has the question hidden (the page's script shows it once the times run over 12 h).
    assert 'id="confirm-long-field" hidden' in client.get(f"/holds/new/?musician={profile.pk}").content.decode()
    assert client.post("/holds/new/", {**long, "confirm_long": "on"}).status_code == 302
    assert Hold.objects.count() == 1
