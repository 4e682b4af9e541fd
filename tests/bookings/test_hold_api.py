"""The holds API: shapes, permissions (strangers 404), actions, bad input in plain words, query counts."""

from datetime import timedelta

import pytest

from bookings.models import Booking, Hold
from tests.bookings.factories import make_venue, pencil

pytestmark = pytest.mark.django_db


@pytest.fixture
def start(now):
    return now + timedelta(days=4)


def body(profile, venue, start, **extra):
    return {"musician": profile.pk, "instrument": "piano", "kind": "studio_session", "venue": venue.pk,
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(), **extra}


def test_a_producer_pencils_the_musician_keeps_it_and_the_producer_confirms(
        client_for, producer, musician, profile, venue, start):
    created = client_for(producer).post("/api/holds/", body(profile, venue, start, rate="55.00"), format="json")
    assert created.status_code == 201, created.json()
    hold = created.json()
    assert (hold["rank"], hold["rank_label"], hold["status"]) == (1, "1st hold", "requested")
    assert created["Location"] == f"/api/holds/{hold['id']}/"
    mine = client_for(musician).get(f"/api/holds/{hold['id']}/").json()
    assert mine["actions"] == ["accept", "decline"]
    assert [h["producer"] for h in mine["on_same_time"]] == [producer.full_name]
    kept = client_for(musician).post(f"/api/holds/{hold['id']}/accept/")
    assert kept.json()["status"] == "held"
    assert client_for(producer).get(f"/api/holds/{hold['id']}/").json()["actions"] == ["confirm", "release"]
    confirmed = client_for(producer).post(f"/api/holds/{hold['id']}/confirm/")
    assert confirmed.status_code == 200
    booking = Booking.objects.get(pk=confirmed.json()["booking"])
    assert (booking.status, str(booking.rate)) == ("accepted", "55.000")
    again = client_for(producer).post(f"/api/holds/{hold['id']}/release/")
    assert again.status_code == 409
    assert "confirmed" in again.json()["detail"]


def test_strangers_get_404_and_the_list_is_scoped(client_for, make_user, producer, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    stranger = make_user(producer=True)
    assert client_for(stranger).get(f"/api/holds/{hold.pk}/").status_code == 404
    assert client_for(stranger).post(f"/api/holds/{hold.pk}/release/").status_code == 404
    assert client_for(stranger).get("/api/holds/").json()["count"] == 0
    assert client_for(producer).get("/api/holds/").json()["count"] == 1


@pytest.mark.parametrize("extra, field, words", [
    ({"expires_at": "2027-06-10T10:00:00+00:00"}, "expires_at", "past the start"),
    ({"challenge_window_hours": 0}, "challenge_window_hours", ""),
    ({"starts_at": "2027-05-01T10:00:00+00:00", "ends_at": "2027-05-01T12:00:00+00:00"}, "starts_at", "future"),
    ({"starts_at": "yesterday"}, "starts_at", "Enter a date and a time"),
])
def test_bad_input_answers_400_with_field_messages_and_saves_nothing(client_for, producer, profile, venue, start,
                                                                    extra, field, words):
    response = client_for(producer).post("/api/holds/", body(profile, venue, start, **extra), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert words in " ".join(response.json()["errors"][field])
    assert not Hold.objects.exists()


def test_challenge_from_the_first_hold_and_confirming_a_lower_hold_are_409(
        client_for, producer, make_user, musician, profile, venue, start):
    rival = make_user(producer=True, full_name="Rita Rival")
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=make_venue(rival), starts_at=start)
    for hold in (first, second):
        client_for(musician).post(f"/api/holds/{hold.pk}/accept/")
    response = client_for(producer).post(f"/api/holds/{first.pk}/challenge/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "hold_is_first")
    response = client_for(rival).post(f"/api/holds/{second.pk}/confirm/")
    assert (response.status_code, response.json()["code"]) == (409, "hold_not_first")
    challenged = client_for(rival).post(f"/api/holds/{second.pk}/challenge/", {"window_hours": 4}, format="json")
    assert challenged.status_code == 200
    assert challenged.json()["challenge_ends_at"] is not None
    seen_by_rival = client_for(rival).get(f"/api/holds/{second.pk}/").json()["on_same_time"]
    assert [h["producer"] for h in seen_by_rival] == [None, rival.full_name]  # the other producer is not named


def test_the_musician_sees_every_hold_on_a_day_together(client_for, producer, make_user, musician, profile, venue,
                                                        start, django_assert_max_num_queries):
    rival = make_user(producer=True, full_name="Rita Rival")
    pencil(producer, profile, venue=venue, starts_at=start)
    pencil(rival, profile, venue=make_venue(rival), starts_at=start + timedelta(hours=1))
    pencil(rival, profile, venue=make_venue(rival, name="Other"), starts_at=start + timedelta(days=1))
    client = client_for(musician)
    with django_assert_max_num_queries(8):
        day = client.get("/api/holds/", {"date": f"{start:%Y-%m-%d}"}).json()
    assert [(h["rank"], h["producer"]["full_name"]) for h in day["results"]] == [
        (1, producer.full_name), (2, rival.full_name)]


def test_hold_pages_list_and_act_for_each_side_and_404_for_strangers(client, producer, make_user, musician, profile,
                                                                     venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    client.force_login(musician)
    day_page = client.get(f"/holds/day/{start:%Y-%m-%d}/").content.decode()
    assert "1st hold" in day_page and producer.full_name in day_page and "Keep the time" in day_page
    response = client.post(f"/holds/{hold.pk}/accept/", {"next": f"/holds/day/{start:%Y-%m-%d}/"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.status == Hold.Status.HELD
    client.force_login(producer)
    desk = client.get("/holds/").content.decode()
    assert "Confirm booking" in desk and musician.full_name in desk
    client.post(f"/holds/{hold.pk}/confirm/")
    hold.refresh_from_db()
    assert hold.status == Hold.Status.CONFIRMED and hold.booking_id
    bad = client.post(f"/holds/{hold.pk}/release/", follow=True).content.decode()
    assert "confirmed" in bad  # the reason, in words, on the page
    client.force_login(make_user(producer=True))
    assert client.post(f"/holds/{hold.pk}/release/").status_code == 404
    assert client.get("/holds/day/not-a-date/").status_code == 404
