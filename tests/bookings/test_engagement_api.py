"""Engagements over the API and in the calendar: shapes, status codes, permissions, the list's query
count, and each date as its own event in the feed (parsed back with icalendar)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import icalendar
import pytest

from bookings.engagements import services
from bookings.models import Booking
from tests.bookings.engagement_helpers import date_bookings, offer_engagement
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db


def run(venue) -> list[dict]:
    return [
        {"starts_at": "2027-06-05T19:00", "ends_at": "2027-06-05T22:00", "venue": venue.pk, "fee_basis": "flat",
         "rate": "300.00"},
        {"starts_at": "2027-06-06T19:00", "ends_at": "2027-06-06T22:00", "venue": venue.pk, "fee_basis": "flat",
         "rate": "350.00", "travel_days": 1, "per_diem": "40.00", "travel_fee": "80.00",
         "late_cancellation_window_hours": 200, "late_cancellation_fee": "175.00"},
        {"starts_at": "2027-06-12T19:00", "ends_at": "2027-06-12T22:00", "venue": venue.pk, "fee_basis": "flat",
         "rate": "300.00"},
    ]


def body(profile, venue, **extra) -> dict:
    return {"musician": profile.pk, "instrument": "piano", "title": "Summer run", "dates": run(venue), **extra}


def test_a_producer_offers_and_the_musician_takes_two_of_three_dates(now, client_for, producer, musician, profile,
                                                                     venue):
    created = client_for(producer).post("/api/engagements/", body(profile, venue, allow_partial=True), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert created["Location"] == f"/api/engagements/{data['id']}/"
    assert data["status"] == "offered" and data["allow_partial"] is True and data["total"] == "1110.00"
    assert [d["status"] for d in data["dates"]] == ["offered"] * 3
    second = data["dates"][1]
    assert second["travel_days"] == 1 and second["fee"]["per_diem_days"] == 2
    assert {line["code"] for line in second["fee"]["quote"]["lines"]} >= {"travel", "per_diem"}
    assert (second["cancellation_window_hours"], second["cancellation_fee"]) == (200, "175.00")
    chosen = [data["dates"][0]["booking"], data["dates"][2]["booking"]]
    answered = client_for(musician).post(f"/api/engagements/{data['id']}/accept/", {"bookings": chosen},
                                         format="json")
    assert answered.status_code == 200, answered.json()
    assert [d["status"] for d in answered.json()["dates"]] == ["accepted", "declined", "accepted"]
    assert answered.json()["status"] == "answered"


def test_a_subset_where_the_producer_forbade_it_answers_409_in_plain_words(now, client_for, producer, musician,
                                                                           profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first = date_bookings(engagement)[0]
    response = client_for(musician).post(f"/api/engagements/{engagement.pk}/accept/", {"bookings": [first.pk]},
                                         format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "partial_not_allowed"
    assert "accept all of them or decline" in response.json()["detail"]
    assert set(Booking.objects.values_list("status", flat=True)) == {"offered"}


def test_the_check_reports_each_dates_conflict_and_the_offer_names_them(now, client_for, producer, musician, profile,
                                                                        venue):
    from bookings import services as booking_services

    taken = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 12, 18, 0), hours=2)
    booking_services.booking_accept(booking_id=taken.pk, actor=musician)
    check = client_for(producer).post("/api/engagements/check/", body(profile, venue), format="json")
    assert check.status_code == 200, check.json()
    assert [(d["number"], d["free"], d["reason"]) for d in check.json()["dates"]] == [
        (1, True, ""), (2, True, ""), (3, False, "booked")]
    assert check.json()["conflicts"] == 1
    sent = client_for(producer).post("/api/engagements/", body(profile, venue), format="json")
    assert sent.status_code == 409 and sent.json()["code"] == "dates_unavailable"
    assert "Date 3 (Sat 12 Jun 2027, 19:00 (Europe/London)): already booked." in sent.json()["errors"]["dates"]


@pytest.mark.parametrize("change, message", [
    ({"dates": []}, None),
    ({"dates": [{"starts_at": "2027-06-05T19:00", "ends_at": "2027-06-05T18:00", "kind": "remote_recording"}]},
     "Date 1: The end must be after the start."),
    ({"dates": [{"starts_at": "5 June", "ends_at": "2027-06-05T18:00"}]},
     "Date 1: Give a date and time, such as 2027-06-05T19:30."),
])
def test_bad_input_is_400_with_plain_messages(now, client_for, producer, profile, venue, change, message):
    response = client_for(producer).post("/api/engagements/", {**body(profile, venue), **change}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    errors = response.json()["errors"]
    assert "dates" in errors
    if message:
        assert message in errors["dates"]
    for text in errors["dates"]:
        assert "_" not in str(text)


def test_only_the_parties_see_an_engagement_and_only_the_musician_answers(now, client_for, producer, musician,
                                                                          profile, venue, make_user, api_client):
    engagement = offer_engagement(producer, profile, venue)
    stranger = make_user(producer=True, musician=True)
    url = f"/api/engagements/{engagement.pk}/"
    assert api_client.get(url).status_code == 401
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).get("/api/engagements/").json()["count"] == 0
    assert client_for(stranger).post(url + "accept/", {}, format="json").status_code == 404
    assert client_for(producer).post(url + "accept/", {}, format="json").status_code == 403
    assert client_for(producer).post(url + "decline/", {}, format="json").status_code == 403
    assert client_for(musician).get(url).status_code == 200
    assert client_for(producer).get(url).status_code == 200
    # The booking API refuses one date on its own while the engagement waits for its answer.
    first = date_bookings(engagement)[0]
    single = client_for(musician).post(f"/api/bookings/{first.pk}/accept/", {}, format="json")
    assert single.status_code == 409 and single.json()["code"] == "engagement_date"


def test_cancel_date_applies_that_dates_terms(now, client_for, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    second = date_bookings(engagement)[1]
    response = client_for(producer).post(f"/api/engagements/{engagement.pk}/cancel-date/",
                                         {"booking": second.pk, "reason": "Venue closed"}, format="json")
    assert response.status_code == 200, response.json()
    dates = response.json()["dates"]
    assert [d["status"] for d in dates] == ["accepted", "cancelled", "accepted"]
    assert [d["cancellation_charged"] for d in dates] == [None, "175.00", None]
    other = client_for(producer).post(f"/api/engagements/{engagement.pk}/cancel-date/",
                                      {"booking": 987654, "reason": "x"}, format="json")
    assert other.status_code == 404


def test_the_list_costs_the_same_queries_for_one_or_many(now, client_for, producer, profile, venue,
                                                         django_assert_max_num_queries):
    offer_engagement(producer, profile, venue)
    client = client_for(producer)
    with django_assert_max_num_queries(6) as one:
        assert client.get("/api/engagements/").json()["count"] == 1
    for week in (1, 2, 3):
        dates = [{"starts_at": datetime(2027, 7, 7 * week + n, 19, 0), "ends_at": datetime(2027, 7, 7 * week + n, 22, 0),
                  "venue": venue.pk, "fee_basis": "flat", "rate": Decimal("300")} for n in range(3)]
        services.engagement_offer(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                  title=f"Week {week}", dates=dates)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/api/engagements/").json()["count"] == 4


def test_each_accepted_date_is_its_own_event_in_the_calendar_feed(now, client_for, producer, musician, profile,
                                                                  venue):
    engagement = offer_engagement(producer, profile, venue)
    first, second, third = date_bookings(engagement)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, second.pk, third.pk])
    client = client_for(musician)
    url = client.get("/api/calendar/").json()["url"].split("testserver", 1)[1]
    cal = icalendar.Calendar.from_ical(client.get(url).content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 3
    starts = sorted(e.decoded("DTSTART") for e in events.values())
    assert [s.isoformat() for s in starts] == ["2027-06-05T19:00:00+01:00", "2027-06-06T19:00:00+01:00",
                                               "2027-06-12T19:00:00+01:00"]
    assert {str(e["DTSTART"].params.get("TZID")) for e in events.values()} == {"Europe/London"}
    assert {str(e["STATUS"]) for e in events.values()} == {"CONFIRMED"}
    # Cancelling one date cancels only its event.
    services.engagement_cancel_date(engagement_id=engagement.pk, booking_id=second.pk, actor=producer, reason="x")
    cal = icalendar.Calendar.from_ical(client.get(url).content)
    statuses = sorted(str(e["STATUS"]) for e in cal.walk("VEVENT"))
    assert statuses == ["CANCELLED", "CONFIRMED", "CONFIRMED"]


def test_a_musician_without_a_profile_elsewhere_is_unaffected(now, make_user):
    # Guard sanity: a plain booking (no engagement) is answered as before.
    from bookings import services as booking_services

    producer = make_user(producer=True)
    player = make_user(musician=True)
    profile = make_profile(player)
    room = make_venue(producer)
    single = offer(producer, profile, venue=room, starts_at=datetime(2027, 6, 20, 10, 0))
    booking_services.booking_accept(booking_id=single.pk, actor=player)
    single.refresh_from_db()
    assert single.status == "accepted"
