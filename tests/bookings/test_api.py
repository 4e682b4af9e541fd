"""The bookings API: shapes, status codes, bad input (400, never 500), idempotency, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db
D = Decimal
LIST = "/api/bookings/"


def payload(profile, venue_, **overrides):
    body = {
        "musician": profile.pk,
        "instrument": "piano",
        "kind": "studio_session",
        "venue": venue_.pk,
        "starts_at": "2027-06-05T10:00",
        "ends_at": "2027-06-05T13:30",
        "brief_style": "Gospel chops",
        "brief_approach": "mixed",
        "fee_basis": "hourly",
        "rate": "55.00",
        "cartage_fee": "20",
    }
    body.update(overrides)
    return body


def test_producer_makes_an_offer_and_gets_the_full_booking(now, client_for, producer, profile, venue):
    response = client_for(producer).post(LIST, payload(profile, venue), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "offered"
    assert body["starts_at"] == "2027-06-05T09:00:00Z"  # 10:00 BST
    assert body["local_starts_at"] == "2027-06-05T10:00:00+01:00"
    assert body["time_zone"] == "Europe/London"
    assert body["fee"]["total"] == "212.50"  # 3.5h x 55 + 20 cartage
    assert [line["code"] for line in body["fee"]["quote"]["lines"]] == ["base", "cartage"]
    assert body["fee"]["frozen"] is False
    assert body["brief"] == {"style": "Gospel chops", "references": "", "approach": "mixed", "notes": ""}
    assert body["cancellation_terms"] == {"window_hours": 48, "late_fee": "100.00"}
    assert body["allowed_actions"] == ["withdraw"]
    assert body["history"][0]["action"] == "offer"
    assert response["Location"] == f"/api/bookings/{body['id']}/"


def test_musician_sees_and_accepts_through_the_api(now, client_for, producer, musician, profile, venue):
    booking_id = client_for(producer).post(LIST, payload(profile, venue), format="json").json()["id"]
    client = client_for(musician)
    detail = client.get(f"{LIST}{booking_id}/").json()
    assert detail["allowed_actions"] == ["accept", "decline", "counter"]
    response = client.post(f"{LIST}{booking_id}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["fee"]["frozen"] is True
    assert response.json()["allowed_actions"] == ["cancel"]
    # A retry on a flaky connection: same answer, nothing new.
    before = Notification.objects.count()
    again = client.post(f"{LIST}{booking_id}/accept/")
    assert again.status_code == 200 and again.json()["status"] == "accepted"
    assert Notification.objects.count() == before


def test_counter_flow_through_the_api(now, client_for, producer, musician, profile, venue):
    booking_id = client_for(producer).post(LIST, payload(profile, venue), format="json").json()["id"]
    response = client_for(musician).post(f"{LIST}{booking_id}/counter/", {"rate": "70", "note": "Union rate"},
                                         format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "countered"
    assert response.json()["counter"]["total"] == "265.00"
    producer_view = client_for(producer).get(f"{LIST}{booking_id}/").json()
    assert producer_view["allowed_actions"] == ["accept", "decline"]
    accepted = client_for(producer).post(f"{LIST}{booking_id}/accept/")
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["fee"]["total"] == "265.00"


def test_decline_withdraw_cancel_complete_endpoints(now, client_for, producer, musician, profile, venue, frozen_clock):
    p, m = client_for(producer), client_for(musician)
    first = p.post(LIST, payload(profile, venue), format="json").json()["id"]
    assert m.post(f"{LIST}{first}/decline/", {"note": "Busy"}, format="json").json()["status"] == "declined"
    second = p.post(LIST, payload(profile, venue, starts_at="2027-06-06T10:00", ends_at="2027-06-06T12:00"),
                    format="json").json()["id"]
    assert p.post(f"{LIST}{second}/withdraw/").json()["status"] == "withdrawn"
    third = p.post(LIST, payload(profile, venue, starts_at="2027-06-07T10:00", ends_at="2027-06-07T12:00"),
                   format="json").json()["id"]
    m.post(f"{LIST}{third}/accept/")
    preview = p.get(f"{LIST}{third}/cancellation/").json()
    assert preview == {"late": False, "fee": "0.00", "currency": "GBP", "deadline": "2027-06-05T09:00:00Z",
                       "window_hours": 48}
    cancelled = p.post(f"{LIST}{third}/cancel/", {"reason": "Moved", "expected_fee": "0.00"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation"]["reason"] == "Moved"
    fourth = p.post(LIST, payload(profile, venue, starts_at="2027-06-08T10:00", ends_at="2027-06-08T12:00"),
                    format="json").json()["id"]
    m.post(f"{LIST}{fourth}/accept/")
    early = p.post(f"{LIST}{fourth}/complete/")
    assert early.status_code == 409 and early.json()["code"] == "gig_not_over"
    frozen_clock.set(Booking.objects.get(pk=fourth).ends_at)
    assert p.post(f"{LIST}{fourth}/complete/").json()["status"] == "completed"


def test_illegal_transition_is_409_with_readable_detail(now, client_for, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    client_for(musician).post(f"{LIST}{booking.pk}/decline/")
    response = client_for(musician).post(f"{LIST}{booking.pk}/accept/")
    assert response.status_code == 409
    assert response.json() == {"detail": "A booking that is declined cannot be accepted.", "code": "invalid_transition"}


def test_wrong_party_is_403(now, client_for, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    assert client_for(musician).post(f"{LIST}{booking.pk}/withdraw/").status_code == 403
    assert client_for(producer).post(f"{LIST}{booking.pk}/counter/", {"rate": "1"}, format="json").status_code == 403


def test_expired_offer_reads_as_expired_and_cannot_be_accepted(now, client_for, producer, musician, profile, venue,
                                                               frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    frozen_clock.advance(timedelta(hours=24))
    detail = client_for(musician).get(f"{LIST}{booking.pk}/").json()
    assert detail["status"] == "expired" and detail["stored_status"] == "offered"
    assert detail["allowed_actions"] == []
    response = client_for(musician).post(f"{LIST}{booking.pk}/accept/")
    assert response.status_code == 409 and response.json()["code"] == "offer_expired"
    listed = client_for(musician).get(LIST, {"status": "expired"}).json()
    assert [b["id"] for b in listed["results"]] == [booking.pk]
    assert client_for(musician).get(LIST, {"status": "offered"}).json()["count"] == 0


def test_double_booking_through_the_api_is_409(now, client_for, producer, musician, profile, venue):
    p = client_for(producer)
    a = p.post(LIST, payload(profile, venue), format="json").json()["id"]
    b = p.post(LIST, payload(profile, venue, starts_at="2027-06-05T12:00", ends_at="2027-06-05T14:00"),
               format="json").json()["id"]
    client_for(musician).post(f"{LIST}{a}/accept/")
    response = client_for(musician).post(f"{LIST}{b}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "double_booking"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"musician": "abc"}, "musician"),
        ({"musician": 99999}, "musician"),
        ({"musician": None}, "musician"),
        ({"instrument": ["piano"]}, "instrument"),
        ({"instrument": "x" * 81}, "instrument"),
        ({"kind": "wedding"}, "kind"),
        ({"venue": "studio"}, "venue"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": 1700000000}, "starts_at"),
        ({"ends_at": "2027-13-45T25:99"}, "ends_at"),
        ({"ends_at": "2027-06-05T09:00"}, "ends_at"),
        ({"rate": "-5"}, "rate"),
        ({"rate": "lots"}, "rate"),
        ({"rate": "1e400"}, "rate"),
        ({"rate": "NaN"}, "rate"),
        ({"cartage_fee": "12.345"}, "cartage_fee"),
        ({"fee_basis": "weekly"}, "fee_basis"),
        ({"per_diem_days": -1}, "per_diem_days"),
        ({"overtime_half_hours": "many"}, "overtime_half_hours"),
        ({"title": "x" * 121}, "title"),
        ({"brief_notes": "x" * 4001}, "brief_notes"),
        ({"doubles": "hammond-organ"}, "doubles"),
        ({"doubles": ["tuba"]}, "doubles"),
        ({"time_zone": "Mars/Olympus", "kind": "remote_recording", "venue": None}, "time_zone"),
        ({"expires_at": "2027-06-09T10:00"}, "expires_at"),
        ({"starts_at": "2028-03-26T01:30", "ends_at": "2028-03-26T04:00"}, "starts_at"),
    ],
)
def test_bad_offer_input_is_400_with_field_messages(now, client_for, producer, profile, venue, overrides, field):
    response = client_for(producer).post(LIST, payload(profile, venue, **overrides), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert not Booking.objects.exists()


def test_missing_fields_are_each_listed(now, client_for, producer):
    response = client_for(producer).post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"musician", "instrument", "kind", "starts_at", "ends_at"} <= set(response.json()["errors"])


def test_non_json_body_is_400(now, client_for, producer):
    response = client_for(producer).generic("POST", LIST, "{nope", content_type="application/json")
    assert response.status_code == 400


def test_musician_only_account_cannot_offer(now, client_for, musician, profile, venue):
    response = client_for(musician).post(LIST, payload(profile, venue), format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("counter/", {"rate": "abc"}, "rate"),
        ("counter/", {}, "rate"),
        ("counter/", {"note": "x" * 2001, "rate": "60"}, "note"),
        ("decline/", {"note": ["a"]}, "note"),
    ],
)
def test_bad_action_input_is_400(now, client_for, producer, musician, profile, venue, path, body, field):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    response = client_for(musician).post(f"{LIST}{booking.pk}/{path}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(("body", "field"), [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 2001}, "reason"),
                                             ({"reason": "ok", "expected_fee": "free"}, "expected_fee")])
def test_bad_cancel_input_is_400(now, client_for, producer, musician, profile, venue, body, field):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    client_for(musician).post(f"{LIST}{booking.pk}/accept/")
    response = client_for(producer).post(f"{LIST}{booking.pk}/cancel/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_cancel_with_a_stale_fee_is_409(now, client_for, producer, musician, profile, venue, frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    client_for(musician).post(f"{LIST}{booking.pk}/accept/")
    frozen_clock.set(booking.starts_at - timedelta(hours=10))
    response = client_for(producer).post(f"{LIST}{booking.pk}/cancel/", {"reason": "x", "expected_fee": "0"},
                                         format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "cancellation_fee_changed"
    assert "100.00" in response.json()["detail"]


# --- list ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "field"), [({"role": "drummer"}, "role"), ({"status": "booked"}, "status"),
                                              ({"status": "accepted,nope"}, "status")])
def test_unknown_list_filters_are_400(now, client_for, producer, query, field):
    response = client_for(producer).get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_list_filters_by_role_and_status(now, client_for, make_user, producer, musician, profile, venue):
    both = make_user(producer=True, musician=True, full_name="Bea Both")
    make_profile(both)
    as_producer = offer(both, profile, venue=make_venue(both), starts_at=now + timedelta(days=3))
    as_musician = offer(producer, both.musician_profile, venue=venue, starts_at=now + timedelta(days=4))
    client = client_for(both)
    assert [b["id"] for b in client.get(LIST).json()["results"]] == [as_producer.pk, as_musician.pk]
    assert [b["id"] for b in client.get(LIST, {"role": "producer"}).json()["results"]] == [as_producer.pk]
    assert [b["id"] for b in client.get(LIST, {"role": "musician"}).json()["results"]] == [as_musician.pk]
    client_for(musician).post(f"{LIST}{as_producer.pk}/accept/")
    ids = [b["id"] for b in client.get(LIST, {"status": "accepted,declined"}).json()["results"]]
    assert ids == [as_producer.pk]
    assert client.get(LIST, {"status": "offered", "role": "musician"}).json()["count"] == 1


def test_list_query_count_does_not_grow_with_the_page(now, client_for, producer, profile, venue, make_user,
                                                      django_assert_num_queries):
    client = client_for(producer)
    for day in range(3):
        offer(producer, profile, venue=venue, starts_at=now + timedelta(days=2 + day))
    # count + page (bookings joined with producer, musician, instrument, venue)
    with django_assert_num_queries(2):
        assert client.get(LIST).json()["count"] == 3
    others = [make_profile(make_user(musician=True)) for _ in range(4)]
    for day, other in enumerate(others * 3):
        offer(producer, other, venue=venue, starts_at=now + timedelta(days=10 + day))
    with django_assert_num_queries(2):
        assert len(client.get(LIST, {"page_size": 15}).json()["results"]) == 15


def test_detail_query_count_is_fixed(now, client_for, producer, musician, profile, venue, django_assert_num_queries):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), doubles=["synthesizer"])
    client_for(musician).post(f"{LIST}{booking.pk}/accept/")
    client = client_for(producer)
    # booking (+parties, instrument, venue, profile), events, materials, doubles
    with django_assert_num_queries(4):
        body = client.get(f"{LIST}{booking.pk}/").json()
    assert [d["slug"] for d in body["doubles"]] == ["synthesizer"]
    assert [e["action"] for e in body["history"]] == ["offer", "accept"]


# --- idempotency -------------------------------------------------------------------------------


def test_idempotency_key_makes_a_retried_offer_once(now, client_for, producer, musician, profile, venue):
    client = client_for(producer)
    body = payload(profile, venue)
    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="offer-7f3a")
    second = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="offer-7f3a")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    assert Notification.objects.filter(recipient=musician, kind="booking_offered").count() == 1
    # Without a key, a second post is a second offer.
    assert client.post(LIST, payload(profile, venue, starts_at="2027-06-06T10:00", ends_at="2027-06-06T12:00"),
                       format="json").json()["id"] != first.json()["id"]


def test_idempotency_key_is_per_user(now, client_for, producer, profile, venue, make_user):
    other = make_user(producer=True)
    other_venue = make_venue(other)
    a = client_for(producer).post(LIST, payload(profile, venue), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    b = client_for(other).post(LIST, payload(profile, other_venue, starts_at="2027-06-09T10:00",
                                             ends_at="2027-06-09T12:00"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_idempotency_key_reused_for_another_request_is_422(now, client_for, producer, profile, venue):
    client = client_for(producer)
    client.post(LIST, payload(profile, venue), format="json", HTTP_IDEMPOTENCY_KEY="same")
    response = client.post(LIST, payload(profile, venue, rate="99"), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("key", ["x" * 256, "has space", "ümlaut"])
def test_malformed_idempotency_key_is_400(now, client_for, producer, profile, venue, key):
    response = client_for(producer).post(LIST, payload(profile, venue), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


# --- quote preview ---------------------------------------------------------------------------


def test_quote_preview_prices_and_checks_availability_without_saving(now, client_for, producer, musician, profile,
                                                                     venue):
    client = client_for(producer)
    response = client.post("/api/bookings/quote/", payload(profile, venue, rate="40"), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["quote"]["total"] == "160.00"
    assert body["below_published_rate"] is True
    assert body["availability"] == {"free": True, "reason": "", "busy": []}
    assert not Booking.objects.exists()
    booked = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=4, hours=1))
    client_for(musician).post(f"{LIST}{booked.pk}/accept/")
    clash = client.post("/api/bookings/quote/", payload(profile, venue), format="json").json()
    assert clash["availability"]["free"] is False and clash["availability"]["reason"] == "booked"


# --- venues ----------------------------------------------------------------------------------


def test_venue_crud_is_scoped_to_the_owner(now, client_for, producer, make_user):
    client = client_for(producer)
    created = client.post("/api/venues/", {"name": "RAK", "address": "42 Charlbert St", "time_zone": "Europe/London",
                                           "latitude": 51.53, "longitude": -0.17}, format="json")
    assert created.status_code == 201
    venue_id = created.json()["id"]
    assert client.patch(f"/api/venues/{venue_id}/", {"notes": "Bring earplugs"}, format="json").json()["notes"] == \
        "Bring earplugs"
    stranger = client_for(make_user(producer=True))
    assert stranger.get(f"/api/venues/{venue_id}/").status_code == 404
    assert stranger.patch(f"/api/venues/{venue_id}/", {"name": "Mine"}, format="json").status_code == 404
    assert stranger.delete(f"/api/venues/{venue_id}/").status_code == 404
    assert stranger.get("/api/venues/").json()["count"] == 0
    assert client.delete(f"/api/venues/{venue_id}/").status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "", "address": "a", "time_zone": "UTC"}, "name"),
    ({"name": "a", "address": "a", "time_zone": "Nowhere/Town"}, "time_zone"),
    ({"name": "a", "address": "a", "time_zone": "UTC", "latitude": 91, "longitude": 0}, "latitude"),
    ({"name": "a", "address": "a", "time_zone": "UTC", "latitude": 10}, "place"),
    ({"name": "a", "address": "a", "time_zone": "UTC"}, "place"),
    ({"name": "a" * 121, "address": "a", "time_zone": "UTC"}, "name"),
])
def test_bad_venue_input_is_400(now, client_for, producer, body, field):
    response = client_for(producer).post("/api/venues/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_venue_in_use_cannot_be_deleted(now, client_for, producer, profile, venue):
    offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    response = client_for(producer).delete(f"/api/venues/{venue.pk}/")
    assert response.status_code == 409


def test_venue_list_query_count(now, client_for, producer, django_assert_num_queries):
    for n in range(5):
        make_venue(producer, name=f"Room {n}")
    with django_assert_num_queries(2):
        assert client_for(producer).get("/api/venues/").json()["count"] == 5
