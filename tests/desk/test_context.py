"""Context that follows the producer: chips and a shareable URL on search, the window, instrument
and venue carried into the booking, hold and short-notice forms, first call in place."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from bookings.gigrequests.models import Favourite
from bookings.models import Hold
from tests.bookings.factories import make_profile, make_venue

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
# The producer works in London; the searched window is Sat 12 Jun 2027 10:00-13:00 London time (BST).
WINDOW = {"available_from": "2027-06-12T10:00", "available_to": "2027-06-12T13:00"}
CARRY = "instrument=piano&starts_at=2027-06-12T09%3A00%3A00Z&ends_at=2027-06-12T12%3A00%3A00Z"


@pytest.fixture
def world(frozen_clock, producer, musician):
    frozen_clock.set(NOW)
    return {"profile": make_profile(musician, travel_radius_km=50, reads_chords=True), "venue": make_venue(producer),
            "far": make_venue(producer, name="Sunset Sound", time_zone="America/Los_Angeles", city="Los Angeles",
                              latitude=34.0976, longitude=-118.3319)}


def _get(client, user, url, params=None):
    client.force_login(user)
    return client.get(url, params)


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


@pytest.mark.django_db
def test_applied_filters_show_as_chips_each_removing_only_itself(client, producer, world):
    venue = world["venue"]
    response = _get(client, producer, "/musicians/", {"instrument": "piano", **WINDOW, "venue": venue.pk,
                                                       "reads": "chords"})
    assert response.status_code == 200
    html = response.content.decode()
    chips = dict(re.findall(r'<li class="mus-chip"><span>([^<]+)</span> <a href="([^"]+)"', html))
    assert set(chips) == {"Plays Piano", "Free Sat 12 Jun, 10:00 to Sat 12 Jun, 13:00",
                          f"Venue: {venue.name}", "Reads chord charts"}
    window_gone = unescape(chips["Free Sat 12 Jun, 10:00 to Sat 12 Jun, 13:00"])
    assert "available_from" not in window_gone and "available_to" not in window_gone
    assert f"venue={venue.pk}" in window_gone and "instrument=piano" in window_gone
    # The venue's map position is applied, not shown: removing the venue leaves no stray position.
    assert "near=" not in unescape(chips[f"Venue: {venue.name}"])
    # The player is within reach of the venue and free in the window.
    assert "1 musician found" in html


@pytest.mark.django_db
def test_a_searched_window_instrument_and_venue_travel_on_every_action(client, producer, world):
    profile, venue = world["profile"], world["venue"]
    html = _get(client, producer, "/musicians/", {"instrument": "piano", **WINDOW, "venue": venue.pk}).content.decode()
    carry = f"{CARRY}&venue={venue.pk}"
    hrefs = _hrefs(html)
    assert f"/musicians/{profile.pk}/?{carry}" in hrefs
    for path in ("/bookings/new/", "/holds/new/", "/gig-requests/new/"):
        assert f"{path}?musician={profile.pk}&{carry}" in hrefs
    # ...and on from the profile.
    profile_html = client.get(f"/musicians/{profile.pk}/?{carry}").content.decode()
    for path in ("/bookings/new/", "/holds/new/", "/gig-requests/new/"):
        assert f"{path}?musician={profile.pk}&{carry}" in _hrefs(profile_html)


@pytest.mark.django_db
def test_the_booking_form_opens_prefilled_in_the_venues_own_time_zone(client, producer, world):
    profile, far = world["profile"], world["far"]
    # The same instant, chosen in London, is 02:00-05:00 in Los Angeles.
    html = _get(client, producer, f"/bookings/new/?musician={profile.pk}&{CARRY}&venue={far.pk}").content.decode()
    assert 'name="date" value="2027-06-12"' in html
    assert 'name="start_time" value="02:00"' in html and 'name="end_time" value="05:00"' in html
    assert re.search(rf'<option value="{far.pk}" data-time-zone="America/Los_Angeles" selected>', html)
    assert re.search(r'<option value="piano" selected>', html)


@pytest.mark.django_db
def test_stale_or_foreign_context_is_dropped_not_an_error(client, make_user, producer, world):
    other_venue = make_venue(make_user(producer=True))
    url = (f"/bookings/new/?musician={world['profile'].pk}&instrument=tuba&starts_at=yesterday"
           f"&ends_at=2027-06-12T12:00:00Z&venue={other_venue.pk}")
    response = _get(client, producer, url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{other_venue.pk}"' not in html
    assert 'name="date" value=""' in html
    assert re.search(r'<option value="piano" selected>', html)


@pytest.mark.django_db
def test_the_short_notice_form_opens_prefilled(client, producer, world):
    venue = world["venue"]
    html = _get(client, producer, f"/gig-requests/new/?{CARRY}&venue={venue.pk}").content.decode()
    assert 'value="2027-06-12T10:00"' in html and 'value="2027-06-12T13:00"' in html
    assert re.search(rf'<option value="{venue.pk}" selected>', html)
    assert '"prefill_instrument": "piano"' in html


@pytest.mark.django_db
def test_the_hold_page_places_a_ranked_hold_from_the_carried_search(client, producer, world):
    profile, venue = world["profile"], world["venue"]
    html = _get(client, producer, f"/holds/new/?musician={profile.pk}&{CARRY}&venue={venue.pk}").content.decode()
    assert 'name="date" value="2027-06-12"' in html and 'name="start_time" value="10:00"' in html
    response = client.post("/holds/new/", {
        "musician": profile.pk, "kind": "studio_session", "instrument": "piano", "venue": venue.pk,
        "date": "2027-06-12", "start_time": "10:00", "end_time": "13:00", "lapse_hours": "48",
        "challenge_window_hours": "12", "fee_basis": "hourly", "rate": "60",
    })
    hold = Hold.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/holds/#hold-{hold.pk}"
    assert hold.rank == 1 and hold.status == Hold.Status.REQUESTED
    assert hold.starts_at == datetime(2027, 6, 12, 9, 0, tzinfo=UTC)
    assert hold.expires_at == NOW + timedelta(hours=48) and hold.challenge_window_hours == 12


@pytest.mark.django_db
def test_the_hold_page_shows_every_problem_and_saves_nothing(client, producer, world):
    profile = world["profile"]
    client.force_login(producer)
    response = client.post("/holds/new/", {
        "musician": profile.pk, "kind": "studio_session", "instrument": "piano", "venue": world["venue"].pk,
        "date": "", "start_time": "10:00", "end_time": "", "fee_basis": "hourly", "rate": "lots",
    })
    html = response.content.decode()
    assert response.status_code == 400
    for text in ("Give the date and start time.", "Give the end time.", "Enter an amount, e.g. 180 or 180.50."):
        assert text in html
    assert not Hold.objects.exists()


@pytest.mark.django_db
def test_first_call_is_marked_and_the_button_adds_through_the_api(client, producer, world):
    profile = world["profile"]
    client.force_login(producer)
    html = client.get("/musicians/", {"instrument": "piano"}).content.decode()
    assert f'data-first-call data-profile="{profile.pk}" data-instrument="piano"' in html
    # What the button sends (static/js/first-call.js).
    assert client.post("/api/favourites/", {"musician_profile": profile.pk, "instrument": "piano"},
                       content_type="application/json").status_code == 201
    assert Favourite.objects.filter(producer=producer, musician=profile.user).exists()
    html = client.get("/musicians/", {"instrument": "piano"}).content.decode()
    assert "data-first-call data-profile" not in html and "On your first call" in html


@pytest.mark.django_db
def test_visitors_and_musicians_see_no_producer_actions(client, musician, world):
    assert "Pencil (hold)" not in client.get("/musicians/").content.decode()
    client.force_login(musician)
    assert "Pencil (hold)" not in client.get("/musicians/").content.decode()


@pytest.mark.django_db
def test_the_producers_search_page_costs_the_same_for_one_or_many_cards(client, make_user, producer, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(producer)
    params = {"instrument": "piano", **WINDOW, "venue": world["venue"].pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/musicians/", params).status_code == 200
        return len(queries)

    count()  # warms the instrument-slug cache, which would otherwise cost the first request one more query
    one = count()
    for i in range(6):
        make_profile(make_user(musician=True, full_name=f"Extra {i}"))
    html = client.get("/musicians/", params).content.decode()
    assert "7 musicians found" in html
    assert count() == one
