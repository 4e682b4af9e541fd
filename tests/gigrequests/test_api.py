"""The JSON API: shapes, permissions (strangers get 404), bad input is a 400, lists have fixed query counts."""

from datetime import timedelta

import pytest

from bookings.gigrequests import services
from bookings.gigrequests.models import GigRequest, Invitation
from gigbook.core import clock
from tests.gigrequests.factories import GIG_START, ordered, post

pytestmark = pytest.mark.django_db
NEAR = (51.5300, -0.1700)


def body(studio, **overrides):
    data = {
        "chairs": [{"instrument": "bass-guitar", "count": 1}],
        "kind": "studio_session",
        "venue": studio.pk if studio is not None else None,
        "starts_at": "2027-06-02T10:00",  # wall-clock at the venue (BST)
        "ends_at": "2027-06-02T13:00",
        "answer_by": "2027-06-02T09:00",
        "rate": "50.00",
        "strategy": "call_list",
        "time_box_minutes": 10,
        "brief_style": "Soul",
    }
    data.update(overrides)
    return data


@pytest.fixture
def band(players):
    return [players(f"Bass {n}", lat_lng=(51.5300 + n / 1000, -0.1700)) for n in range(3)]


def test_preview_then_post_with_an_edited_order(now, producer, venue, band, client_for):
    api = client_for(producer)
    preview = api.post("/api/gig-requests/preview/", body(venue), format="json")
    assert preview.status_code == 200, preview.json()
    group = preview.json()["groups"][0]
    assert group["instrument"] == {"slug": "bass-guitar", "name": "Bass guitar"}
    assert group["total_matching"] == 3
    assert preview.json()["first_time_box_seconds"] == 600
    order = [c["profile_id"] for c in group["candidates"]][::-1]

    created = api.post("/api/gig-requests/", body(venue, invitees=[{"instrument": "bass-guitar", "musicians": order}]),
                       format="json")

    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["starts_at"] == "2027-06-02T09:00:00Z"
    assert [i["musician"]["profile_id"] for i in data["invitations"]] == order
    assert [i["state"] for i in data["invitations"]] == ["sent", "queued", "queued"]
    assert data["invitations"][0]["seconds_left"] == 600
    assert data["mode"] == "call_list" and data["can_cancel"] and not data["can_widen"]
    assert data["counts"]["sent"] == 1 and data["counts"]["queued"] == 2


def test_an_edited_list_may_only_hold_matching_players(now, producer, venue, band, players, client_for):
    outsider = players("Drummer", instruments=("drums",), lat_lng=NEAR)
    response = client_for(producer).post(
        "/api/gig-requests/", body(venue, invitees=[{"instrument": "bass-guitar", "musicians": [band[0].pk, outsider.pk]}]),
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be asked for Bass guitar" in response.json()["errors"]["invitees"][0]
    assert not GigRequest.objects.exists()


def test_idempotency_key_replays_the_first_request(now, producer, venue, band, client_for):
    api = client_for(producer)
    first = api.post("/api/gig-requests/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="tonight-bass")
    again = api.post("/api/gig-requests/", body(venue), format="json", HTTP_IDEMPOTENCY_KEY="tonight-bass")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert GigRequest.objects.count() == 1 and Invitation.objects.filter(status="sent").count() == 1


@pytest.mark.parametrize("change, field", [
    ({"chairs": []}, "chairs"),
    ({"chairs": [{"instrument": "kazoo", "count": 1}]}, "chairs"),
    ({"chairs": [{"instrument": "bass-guitar", "count": 99}]}, "chairs"),
    ({"chairs": "bass"}, "chairs"),
    ({"kind": "party"}, "kind"),
    ({"venue": 999999}, "venue"),
    ({"venue": "abc"}, "venue"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": 12}, "starts_at"),
    ({"starts_at": "2027-06-01T20:00"}, "starts_at"),  # in the past (NOW is 21:00 BST)
    ({"ends_at": "2027-06-02T09:00"}, "ends_at"),
    ({"answer_by": "2027-06-02T11:00"}, "answer_by"),
    ({"rate": "-1"}, "rate"),
    ({"rate": "lots"}, "rate"),
    ({"rate": None}, "rate"),
    ({"max_rate": "10"}, "max_rate"),
    ({"strategy": "shout"}, "strategy"),
    ({"time_box_minutes": 0}, "time_box_minutes"),
    ({"time_box_minutes": "ten"}, "time_box_minutes"),
    ({"title": "x" * 121}, "title"),
    ({"brief_notes": "x" * 4001}, "brief_notes"),
    ({"currency": "POUNDS"}, "currency"),
    ({"currency": "XYZ"}, "currency"),
    ({"broadcast_threshold_hours": 500}, "broadcast_threshold_hours"),
    ({"max_invitees": 0}, "max_invitees"),
    ({"invitees": [{"instrument": "violin", "musicians": [1]}]}, "invitees"),
    ({"invitees": "everyone"}, "invitees"),
])
def test_bad_input_is_a_400_naming_the_field(now, producer, venue, band, client_for, change, field):
    response = client_for(producer).post("/api/gig-requests/", body(venue, **change), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not GigRequest.objects.exists()


def test_missing_fields_and_non_json_are_400(now, producer, client_for):
    api = client_for(producer)
    response = api.post("/api/gig-requests/", {}, format="json")
    assert response.status_code == 400
    assert {"chairs", "kind", "starts_at", "ends_at", "rate", "strategy"} <= set(response.json()["errors"])
    assert api.post("/api/gig-requests/", "not json", content_type="application/json").status_code == 400
    assert api.post("/api/gig-requests/", body(None), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300).status_code == 400


def test_musicians_cannot_post_requests(now, musician, client_for, venue):
    response = client_for(musician).post("/api/gig-requests/", body(venue), format="json")
    assert response.status_code == 403


def test_strangers_get_404_and_anonymous_401_or_403(now, producer, venue, band, make_user, client_for, api_client):
    request = post(producer, venue)
    other = make_user(producer=True, email="other@example.com")
    for url in (f"/api/gig-requests/{request.pk}/",):
        assert client_for(other).get(url).status_code == 404
        assert api_client.get(url).status_code in (401, 403)
    assert client_for(other).post(f"/api/gig-requests/{request.pk}/cancel/", {}, format="json").status_code == 404
    invitation = ordered(request)[0]
    assert client_for(band[1].user).post(f"/api/offers/{invitation.pk}/accept/").status_code == 404
    assert client_for(producer).post(f"/api/offers/{invitation.pk}/accept/").status_code == 404
    assert client_for(band[1].user).get(f"/api/offers/{invitation.pk}/").status_code == 404
    # A queued invitation is invisible even to its musician until it is sent.
    queued = ordered(request)[1]
    assert client_for(queued.musician).get(f"/api/offers/{queued.pk}/").status_code == 404


def test_the_musician_answers_in_app(now, producer, venue, band, client_for):
    request = post(producer, venue)
    first = ordered(request)[0]
    api = client_for(first.musician)
    offers = api.get("/api/offers/").json()
    assert [o["id"] for o in offers["results"]] == [first.pk]
    assert offers["results"][0]["seconds_left"] == 600 and offers["results"][0]["status"] == "sent"
    assert api.post(f"/api/offers/{first.pk}/seen/").json()["status"] == "seen"

    declined = api.post(f"/api/offers/{first.pk}/decline/", {"note": "Sorry, away"}, format="json")
    assert declined.status_code == 200 and declined.json()["offer"]["status"] == "declined"
    assert api.get("/api/offers/").json()["results"] == []
    assert [o["status"] for o in api.get("/api/offers/?all=true").json()["results"]] == ["declined"]
    assert api.get("/api/offers/?all=perhaps").status_code == 400

    second = ordered(request)[1]
    accepted = client_for(second.musician).post(f"/api/offers/{second.pk}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["booking_id"] is not None
    detail = client_for(producer).get(f"/api/gig-requests/{request.pk}/").json()
    assert detail["status"] == "filled"
    assert [i["state"] for i in detail["invitations"]] == ["declined", "accepted", "withdrawn"]
    assert detail["invitations"][0]["note"] == "Sorry, away"
    assert detail["chairs"][0]["filled"] and detail["chairs"][0]["filled_by"] == second.musician.full_name


def test_a_late_accept_is_409_filled(now, producer, venue, band, client_for):
    request = post(producer, venue, strategy="broadcast")
    a, b = ordered(request)[:2]
    assert client_for(a.musician).post(f"/api/offers/{a.pk}/accept/").status_code == 200
    late = client_for(b.musician).post(f"/api/offers/{b.pk}/accept/")
    assert late.status_code == 409
    assert late.json() == {"detail": "This gig has just been filled.", "code": "gig_filled"}


def test_a_timed_out_accept_is_409(now, producer, venue, band, client_for):
    request = post(producer, venue)
    first = ordered(request)[0]
    now.advance(timedelta(minutes=10))
    response = client_for(first.musician).post(f"/api/offers/{first.pk}/accept/")
    assert response.status_code == 409 and response.json()["code"] == "offer_timed_out"


def test_cancel_and_widen(now, producer, venue, band, client_for):
    api = client_for(producer)
    request = post(producer, venue, answer_by=clock.now() + timedelta(minutes=20))
    assert api.post(f"/api/gig-requests/{request.pk}/widen/", {"answer_by": "2027-06-02T09:30"}, format="json").status_code == 409
    first = ordered(request)[0]
    services.invitation_decline(invitation_id=first.pk, actor=first.musician)
    now.advance(timedelta(minutes=21))
    detail = api.get(f"/api/gig-requests/{request.pk}/").json()
    assert detail["status"] == "expired" and detail["can_widen"] and not detail["can_cancel"]
    assert api.post(f"/api/gig-requests/{request.pk}/cancel/", {}, format="json").status_code == 409

    widened = api.post(f"/api/gig-requests/{request.pk}/widen/",
                       {"answer_by": "2027-06-02T09:30", "strategy": "broadcast", "max_rate": "60"}, format="json")

    assert widened.status_code == 201, widened.json()
    new = widened.json()
    assert new["widened_from"] == request.pk and new["strategy"] == "broadcast"
    # The player who declined is not asked again; the others are asked at once.
    asked = {i["musician"]["profile_id"] for i in new["invitations"]}
    assert asked == {p.pk for p in band} - {first.musician.musician_profile.pk}
    assert {i["state"] for i in new["invitations"]} == {"sent"}
    assert new["max_rate"] == "60.00"
    old = api.get(f"/api/gig-requests/{request.pk}/").json()
    assert old["widened_into"] == new["id"] and not old["can_widen"]
    assert api.post(f"/api/gig-requests/{request.pk}/widen/", {"answer_by": "2027-06-02T09:30"}, format="json").status_code == 409


def test_request_list_query_count_does_not_grow(now, producer, venue, players, client_for, django_assert_num_queries):
    for n in range(4):
        players(lat_lng=(51.53 + n / 1000, -0.17))
    for hours in range(3):
        post(producer, venue, starts_at=GIG_START + timedelta(hours=hours), ends_at=GIG_START + timedelta(hours=hours + 2))
    api = client_for(producer)
    with django_assert_num_queries(2):  # count + page (venue joined, counts as subqueries)
        response = api.get("/api/gig-requests/")
    assert [r["chair_count"] for r in response.json()["results"]] == [1, 1, 1]
    assert response.json()["results"][0]["invited_count"] == 1


def test_request_detail_query_count_does_not_grow_with_invitations(now, producer, venue, players, client_for,
                                                                   django_assert_num_queries):
    for n in range(12):
        players(lat_lng=(51.53 + n / 1000, -0.17))
    request = post(producer, venue, strategy="broadcast")
    api = client_for(producer)
    with django_assert_num_queries(4):  # request, chairs, invitations (+profiles, delivered flag), widened_into
        response = api.get(f"/api/gig-requests/{request.pk}/")
    assert len(response.json()["invitations"]) == 12


def test_offer_list_query_count(now, producer, venue, players, client_for, django_assert_num_queries):
    bass = players(lat_lng=NEAR, instruments=("bass-guitar", "double-bass"))
    for hours in (0, 4, 8):
        post(producer, venue, strategy="broadcast", starts_at=GIG_START + timedelta(hours=hours),
             ends_at=GIG_START + timedelta(hours=hours + 2), answer_by=GIG_START - timedelta(hours=1))
    with django_assert_num_queries(2):
        response = client_for(bass.user).get("/api/offers/")
    assert len(response.json()["results"]) == 3


def test_favourites_api(now, producer, players, client_for, django_assert_num_queries):
    api = client_for(producer)
    a, b = players(lat_lng=NEAR), players(lat_lng=NEAR)
    first = api.post("/api/favourites/", {"musician_profile": a.pk, "instrument": "bass-guitar"}, format="json")
    second = api.post("/api/favourites/", {"musician_profile": b.pk, "instrument": "bass-guitar", "note": "Great reader"},
                      format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    moved = api.post(f"/api/favourites/{second.json()['id']}/move/", {"position": 1}, format="json")
    assert moved.json()["position"] == 1
    with django_assert_num_queries(2):
        listed = api.get("/api/favourites/?instrument=bass-guitar").json()["results"]
    assert [f["musician"]["profile_id"] for f in listed] == [b.pk, a.pk]
    assert api.post("/api/favourites/", {"musician_profile": a.pk, "instrument": "drums"}, format="json").status_code == 400
    assert api.post("/api/favourites/", {"musician_profile": "x", "instrument": ""}, format="json").status_code == 400
    assert api.post(f"/api/favourites/{first.json()['id']}/move/", {"position": 0}, format="json").status_code == 400
    other = client_for(a.user)
    assert other.delete(f"/api/favourites/{first.json()['id']}/").status_code == 404
    assert api.delete(f"/api/favourites/{first.json()['id']}/").status_code == 204


def test_user_text_comes_back_as_data_not_markup(now, producer, venue, band, client_for, client):
    client.force_login(producer)
    response = client_for(producer).post("/api/gig-requests/", body(venue, title="<script>alert(1)</script>"), format="json")
    page = client.get(f"/gig-requests/{response.json()['id']}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
