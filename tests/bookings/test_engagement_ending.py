"""How an unanswered engagement ends without the musician: the producer withdraws the offer (every
open date, or some), or the answer-by time passes and the sweep expires it. One message per side
naming the dates (with their zone), never one per date; exactly once on retries and second sweeps.
Real PostgreSQL, the real services, the API and the producer's page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings import services as booking_services
from bookings.engagements import services
from bookings.engagements.models import Engagement
from bookings.models import Booking, BookingEvent
from gigbook.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from tests.bookings.engagement_helpers import date_bookings, offer_engagement

pytestmark = pytest.mark.django_db
S = Booking.Status
DATES = ("Sat 05 Jun 2027, 19:00", "Sun 06 Jun 2027, 19:00", "Sat 12 Jun 2027, 19:00")


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


# --- Withdraw ---------------------------------------------------------------------------------------


def test_withdrawing_the_offer_withdraws_every_date_and_tells_the_musician_once(now, producer, musician, profile,
                                                                                venue):
    engagement = offer_engagement(producer, profile, venue)
    result = services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, note="The tour is off")
    assert result.status == Engagement.Status.WITHDRAWN
    assert [b.status for b in date_bookings(engagement)] == [S.WITHDRAWN] * 3
    # Each date went through the booking state machine: its own history line, by the producer.
    events = BookingEvent.objects.filter(booking__engagement_date__engagement=engagement, action="withdraw")
    assert events.count() == 3 and {e.actor_id for e in events} == {producer.pk}
    sent = Notification.objects.filter(recipient=musician, kind="booking_engagement_withdrawn")
    assert sent.count() == 1
    message = sent.get()
    assert message.title == "Pat Producer withdrew the offer: Summer run"
    for day in DATES:
        assert f"{day}–22:00 (Europe/London)" in message.body
    assert "The tour is off" in message.body and "nothing to answer" in message.body
    assert "_" not in message.body and message.sms_text.startswith("GigBook: Pat Producer withdrew 3 dates from Sat 05 Jun")
    # No single-booking "withdrew an offer" message per date.
    assert not Notification.objects.filter(recipient=musician, kind="booking_withdrawn").exists()
    # Retrying is harmless: same state, no second message, no second history line.
    services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, note="The tour is off")
    assert sent.count() == 1 and events.count() == 3


def test_withdrawing_some_dates_keeps_the_rest_offered_and_says_which(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first, second, third = date_bookings(engagement)
    result = services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, bookings=[second.pk, third.pk])
    assert result.status == Engagement.Status.OFFERED
    assert [b.status for b in date_bookings(engagement)] == [S.OFFERED, S.WITHDRAWN, S.WITHDRAWN]
    message = Notification.objects.get(recipient=musician, kind="booking_engagement_withdrawn")
    assert message.title == "Pat Producer withdrew 2 of the dates of Summer run"
    withdrawn, still = message.body.split("Still offered")
    assert DATES[1] in withdrawn and DATES[2] in withdrawn and DATES[0] not in withdrawn
    assert DATES[0] in still and "Thu 03 Jun 2027, 10:00 (Europe/London)" in still  # the answer-by time
    # The same withdrawal again changes nothing; the musician takes what is left (all of it: 1 date).
    services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, bookings=[third.pk, second.pk])
    assert Notification.objects.filter(kind="booking_engagement_withdrawn").count() == 1
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert [b.status for b in date_bookings(engagement)] == [S.ACCEPTED, S.WITHDRAWN, S.WITHDRAWN]


def test_withdrawing_the_last_open_date_later_is_a_second_message_and_ends_the_offer(now, producer, musician,
                                                                                       profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    first, second, third = date_bookings(engagement)
    services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, bookings=[first.pk])
    services.engagement_withdraw(engagement_id=engagement.pk, actor=producer)
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.WITHDRAWN
    messages = list(Notification.objects.filter(recipient=musician, kind="booking_engagement_withdrawn")
                    .order_by("pk"))
    assert len(messages) == 2
    assert DATES[0] in messages[0].body and DATES[0] not in messages[1].body
    assert DATES[1] in messages[1].body and DATES[2] in messages[1].body
    with pytest.raises(Conflict) as caught:
        services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert caught.value.code == "withdrawn"


@pytest.mark.parametrize("when", ["answered", "expired"])
def test_an_answered_or_expired_engagement_cannot_be_withdrawn_and_nothing_changes(now, frozen_clock, producer,
                                                                                  musician, profile, venue, when):
    engagement = offer_engagement(producer, profile, venue)
    if when == "answered":
        services.engagement_accept(engagement_id=engagement.pk, actor=musician)
        expected, error = Conflict, "already answered this engagement: cancel a confirmed date instead"
    else:
        frozen_clock.set(engagement.expires_at + timedelta(minutes=1))
        expected, error = booking_services.OfferExpired, "expired unanswered"
    before = [b.status for b in date_bookings(engagement)]
    with pytest.raises(expected) as caught:
        services.engagement_withdraw(engagement_id=engagement.pk, actor=producer)
    assert error in caught.value.detail
    assert [b.status for b in date_bookings(engagement)] == before
    assert not Notification.objects.filter(kind="booking_engagement_withdrawn").exists()


def test_only_the_producer_withdraws_strangers_get_not_found(now, producer, musician, profile, venue, make_user):
    engagement = offer_engagement(producer, profile, venue)
    other_producer = make_user(producer=True)
    with pytest.raises(NotFound):
        services.engagement_withdraw(engagement_id=engagement.pk, actor=other_producer)
    with pytest.raises(Forbidden):
        services.engagement_withdraw(engagement_id=engagement.pk, actor=musician)
    other = offer_engagement(producer, profile, venue, dates=[{
        "starts_at": date_bookings(engagement)[0].starts_at.replace(tzinfo=None, month=7), "ends_at":
        date_bookings(engagement)[0].ends_at.replace(tzinfo=None, month=7), "venue": venue.pk,
        "fee_basis": "flat", "rate": "300"}])
    with pytest.raises(ValidationFailed) as caught:
        services.engagement_withdraw(engagement_id=engagement.pk, actor=producer,
                                     bookings=[date_bookings(other)[0].pk])
    assert caught.value.fields == {"bookings": ["Choose dates of this engagement."]}
    with pytest.raises(ValidationFailed):
        services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, bookings=[])
    assert [b.status for b in date_bookings(engagement)] == [S.OFFERED] * 3


def test_withdraw_over_the_api(now, client_for, producer, musician, profile, venue, make_user, api_client):
    engagement = offer_engagement(producer, profile, venue)
    first, second, _third = date_bookings(engagement)
    url = f"/api/engagements/{engagement.pk}/withdraw/"
    assert api_client.post(url, {}, format="json").status_code == 401
    assert client_for(make_user(producer=True)).post(url, {}, format="json").status_code == 404
    refused = client_for(musician).post(url, {}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == "Only the producer can withdraw this engagement."
    bad = client_for(producer).post(url, {"bookings": [first.pk, 999999]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"] == {"bookings": ["Choose dates of this engagement."]}
    some = client_for(producer).post(url, {"bookings": [second.pk], "note": "Leeds moved"}, format="json")
    assert some.status_code == 200
    assert some.json()["status"] == "offered"
    assert [d["status"] for d in some.json()["dates"]] == ["offered", "withdrawn", "offered"]
    closed = client_for(producer).post(url, {"bookings": [first.pk, second.pk]}, format="json")
    assert closed.status_code == 200  # the second was withdrawn already (skipped), the first is now
    assert [d["status"] for d in closed.json()["dates"]] == ["withdrawn", "withdrawn", "offered"]
    everything = client_for(producer).post(url, {}, format="json")
    assert everything.status_code == 200 and everything.json()["status"] == "withdrawn"
    assert Notification.objects.filter(recipient=musician, kind="booking_engagement_withdrawn").count() == 3
    accept = client_for(musician).post(f"/api/engagements/{engagement.pk}/accept/", {}, format="json")
    assert accept.status_code == 409 and accept.json()["code"] == "withdrawn"


def test_the_producer_page_withdraws_the_ticked_dates(now, client, producer, musician, profile, venue, make_user):
    engagement = offer_engagement(producer, profile, venue)
    first, second, third = date_bookings(engagement)
    client.force_login(producer)
    page = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Withdraw the offer" in page and page.count('name="bookings"') == 3
    response = client.post(f"/engagements/{engagement.pk}/withdraw/",
                           {"choose": "1", "bookings": [str(first.pk)], "note": ""}, follow=True)
    assert response.status_code == 200
    assert "Dates withdrawn. Mia Musician has been told; the other dates are still offered." in response.content.decode()
    assert [b.status for b in date_bookings(engagement)] == [S.WITHDRAWN, S.OFFERED, S.OFFERED]
    page = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert page.count('name="bookings"') == 2
    response = client.post(f"/engagements/{engagement.pk}/withdraw/", {}, follow=True)
    assert "Offer withdrawn. Mia Musician has been told." in response.content.decode()
    page = response.content.decode()
    assert "You withdrew this offer" in page and "Withdraw the offer" not in page
    # The musician's page says so, with nothing to answer; the musician and strangers cannot post here.
    client.force_login(musician)
    offer_page = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Pat Producer withdrew this offer: there is nothing to answer." in offer_page
    assert client.post(f"/engagements/{engagement.pk}/withdraw/", {}).status_code == 404
    client.force_login(make_user(producer=True))
    assert client.post(f"/engagements/{engagement.pk}/withdraw/", {}).status_code == 404


def test_the_producer_page_says_why_a_withdrawal_was_refused(now, client, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    client.force_login(producer)
    page = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Withdraw the offer" not in page
    response = client.post(f"/engagements/{engagement.pk}/withdraw/", {})
    assert response.status_code == 409
    assert "Mia Musician already answered this engagement: cancel a confirmed date instead" in response.content.decode()


# --- Expiry -----------------------------------------------------------------------------------------


def test_an_unanswered_engagement_expires_with_one_message_per_side_listing_the_dates(now, frozen_clock, producer,
                                                                                       musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    first, _second, _third = date_bookings(engagement)
    services.engagement_withdraw(engagement_id=engagement.pk, actor=producer, bookings=[first.pk])
    frozen_clock.set(engagement.expires_at + timedelta(minutes=1))
    assert booking_services.bookings_sweep() == {"expired": 2, "counters_lapsed": 0, "completed": 0}
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.EXPIRED
    assert [b.status for b in date_bookings(engagement)] == [S.WITHDRAWN, S.EXPIRED, S.EXPIRED]
    for reader in (producer, musician):
        message = Notification.objects.get(recipient=reader, kind="booking_engagement_expired")
        assert message.title == "Offer expired unanswered: Summer run (2 dates)"
        assert DATES[1] in message.body and DATES[2] in message.body and DATES[0] not in message.body
        assert message.body.count("(Europe/London)") == 2
        # Not one message per date.
        assert not Notification.objects.filter(recipient=reader, kind="booking_expired").exists()
    # A second sweep (or a later one) changes and sends nothing.
    assert booking_services.bookings_sweep() == {"expired": 0, "counters_lapsed": 0, "completed": 0}
    assert Notification.objects.filter(kind="booking_engagement_expired").count() == 2
    assert BookingEvent.objects.filter(action="expire").count() == 2


def test_a_single_offer_still_expires_on_its_own_beside_an_engagement(now, frozen_clock, producer, musician,
                                                                       profile, venue):
    from datetime import datetime

    from tests.bookings.factories import offer

    engagement = offer_engagement(producer, profile, venue)
    single = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 20, 14, 0))
    frozen_clock.set(max(engagement.expires_at, single.expires_at) + timedelta(minutes=1))
    assert booking_services.bookings_sweep()["expired"] == 4
    assert Booking.objects.get(pk=single.pk).status == S.EXPIRED
    assert Notification.objects.filter(kind="booking_expired").count() == 2  # the single offer: both sides
    assert Notification.objects.filter(kind="booking_engagement_expired").count() == 2


def test_the_sweep_before_the_answer_by_time_leaves_the_engagement_alone(now, frozen_clock, producer, musician,
                                                                         profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    frozen_clock.set(engagement.expires_at - timedelta(seconds=1))
    assert booking_services.bookings_sweep()["expired"] == 0
    assert services.engagement_expire(engagement_id=engagement.pk) == 0
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    frozen_clock.set(engagement.expires_at + timedelta(hours=1))
    assert booking_services.bookings_sweep()["expired"] == 0
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.ANSWERED
    assert not Notification.objects.filter(kind="booking_engagement_expired").exists()
