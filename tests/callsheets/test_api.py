"""The call-sheet API: shapes, roles, 400/404/409 answers, the player's narrower view."""

from datetime import timedelta

import pytest

from bookings.callsheets.models import CallSheetVersion
from bookings.models import Booking
from tests.callsheets.factories import later

pytestmark = pytest.mark.django_db


def url(booking, rest=""):
    return f"/api/bookings/{booking.pk}/call-sheet/{rest}"


def test_the_producer_edits_and_sees_every_players_state(session, producer, client_for):
    sax = session.bookings["alto-sax"]
    api = client_for(producer)
    first = api.get(url(sax))
    assert first.status_code == 200 and first.json()["version"] == 1
    assert {row["state"] for row in first.json()["players"]} == {"nothing_sent"}
    moved = later(session, timedelta(hours=1))
    answer = api.post(url(sax), {"expected_version": 1, "starts_at": moved["starts_at"].isoformat(),
                                 "ends_at": moved["ends_at"].isoformat(), "parking": "Back yard",
                                 "materials": [{"title": "Alto part", "instruments": ["alto-sax"]}]}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["version"] == 2 and body["content"]["parking"] == "Back yard"
    assert {row["state"] for row in body["players"]} == {"waiting"}
    assert all(row["sent_at"] and row["needs_confirm"] for row in body["players"])
    versions = api.get(url(sax, "versions/")).json()
    assert versions["count"] == 2 and versions["results"][0]["critical"] is True
    diff = api.get(url(sax, "diff/"), {"from": 1, "to": 2}).json()
    assert [c["field"] for c in diff["changes"]] == ["start", "end", "parking", "materials"]


def test_the_player_sees_their_own_fee_and_parts_and_confirms(session, producer, client_for):
    sax, drums = session.bookings["alto-sax"], session.bookings["drums"]
    client_for(producer).post(url(sax), {**{k: v.isoformat() for k, v in later(session, timedelta(hours=1)).items()},
                                         "materials": [{"title": "Alto part", "instruments": ["alto-sax"]}]},
                              format="json")
    drummer = client_for(session.musicians["drums"])
    sheet = drummer.get(url(drums)).json()
    assert sheet["role"] == "musician" and sheet["players"] is None
    assert sheet["content"]["materials"] == [] and list(sheet["content"]["fees"]) == [str(drums.pk)]
    assert sheet["reconfirm_needed"] and [c["field"] for c in sheet["changes_to_confirm"]] == ["start", "end"]
    assert [c["field"] for c in drummer.get(url(drums, "versions/")).json()["results"][0]["changes"]] == ["start", "end"]
    confirmed = drummer.post(url(drums, "confirm/"), {"version": 2}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["reconfirm_needed"] is False
    states = {row["booking"]: row for row in client_for(producer).get(url(sax)).json()["players"]}
    assert states[drums.pk]["state"] == "confirmed" and states[drums.pk]["confirmed_at"]
    assert states[sax.pk]["state"] == "waiting" and states[sax.pk]["confirmed_at"] is None


def test_strangers_get_404_and_the_player_cannot_edit(session, client_for, make_user):
    sax = session.bookings["alto-sax"]
    stranger = client_for(make_user(producer=True, email="s@example.com"))
    assert stranger.get(url(sax)).status_code == 404
    assert stranger.post(url(sax), {"parking": "x"}, format="json").status_code == 404
    assert client_for(session.musicians["alto-sax"]).post(url(sax), {"parking": "x"}, format="json").status_code == 403
    assert client_for(session.musicians["drums"]).get(url(sax)).status_code == 404


def test_bad_input_answers_400_with_plain_field_messages(session, producer, client_for):
    sax = session.bookings["alto-sax"]
    api = client_for(producer)
    for body, field in [({"call_time": "half nine"}, "call_time"), ({"venue": 999999}, "venue"),
                        ({}, "non_field_errors"), ({"rates": [{"booking": sax.pk, "rate": "-5"}]}, "rates")]:
        answer = api.post(url(sax), body, format="json")
        assert answer.status_code == 400, body
        assert answer.json()["code"] == "invalid" and field in answer.json()["errors"], answer.json()
    assert not CallSheetVersion.objects.filter(number__gt=1).exists()


def test_an_edit_of_a_cancelled_booking_is_409_and_nothing_saved(session, producer, client_for):
    drums = session.bookings["drums"]
    api = client_for(producer)
    api.get(url(drums))
    assert api.post(f"/api/bookings/{drums.pk}/cancel/", {"reason": "No drums"}, format="json").status_code == 200
    answer = api.post(url(drums), {"parking": "x"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "booking_finished"
    assert "cancelled" in answer.json()["detail"]
    assert CallSheetVersion.objects.count() == 1


def test_a_taken_time_is_409_and_no_booking_moved(session, producer, client_for, make_user):
    from bookings import services as booking_services
    from tests.bookings.factories import make_venue, offer

    bass = session.musicians["double-bass"]
    other = make_user(producer=True, email="o@example.com")
    clash = offer(other, bass.musician_profile, venue=make_venue(other), instrument="double-bass",
                  starts_at=session.bookings["alto-sax"].ends_at)
    booking_services.booking_accept(booking_id=clash.pk, actor=bass)
    moved = later(session, timedelta(hours=1))
    answer = client_for(producer).post(url(session.bookings["alto-sax"]),
                                       {k: v.isoformat() for k, v in moved.items()}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "double_booking"
    assert set(Booking.objects.filter(pk__in=[b.pk for b in session.bookings.values()])
               .values_list("starts_at", flat=True)) == {session.bookings["alto-sax"].starts_at}
