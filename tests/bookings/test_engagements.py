"""Multi-date engagements: offer, answer all or part, the per-date conflict check, cancelling one
date under its own terms, the guard on single dates, messages. Real PostgreSQL, the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bookings import services as booking_services
from bookings.engagements import services
from bookings.engagements.models import Engagement
from bookings.models import Booking
from gigbook.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from musicians.models import BusyInterval
from tests.bookings.engagement_helpers import date_bookings, offer_engagement, three_dates
from tests.bookings.factories import make_venue, offer

pytestmark = pytest.mark.django_db
S = Booking.Status


def test_an_engagement_makes_one_offered_booking_per_date_with_its_own_terms(now, producer, musician, profile,
                                                                              venue):
    engagement = offer_engagement(producer, profile, venue)
    first, second, third = date_bookings(engagement)
    assert [b.status for b in (first, second, third)] == [S.OFFERED] * 3
    assert engagement.expires_at == now + timedelta(hours=48)
    assert {b.expires_at for b in (first, second, third)} == {engagement.expires_at}
    assert second.kind == Booking.Kind.TOUR_DATE and second.title == "Summer run"
    # Travel and per diem itemised on the date they belong to: the per diem covers the date and its travel day.
    assert second.engagement_date.travel_days == 1 and second.per_diem_days == 2
    codes = {line["code"]: line["amount"] for line in second.quote["lines"]}
    assert codes["travel"] == "80.00" and codes["per_diem"] == "80.00"
    assert second.fee_total == Decimal("510.00") and first.fee_total == Decimal("300.00")
    assert "travel" not in {line["code"] for line in first.quote["lines"]}
    assert (second.late_cancellation_window_hours, second.late_cancellation_fee) == (200, Decimal("175.00"))
    assert (third.late_cancellation_window_hours, third.late_cancellation_fee) == (24, Decimal("60.00"))


def test_the_musician_is_told_once_with_each_date_and_its_time_zone(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    sent = Notification.objects.filter(recipient=musician, kind="booking_engagement_offered")
    assert sent.count() == 1
    body = sent.get().body
    assert "3 dates" in sent.get().title
    for day in ("Sat 05 Jun 2027, 19:00", "Sun 06 Jun 2027, 19:00", "Sat 12 Jun 2027, 19:00"):
        assert day in body
    assert body.count("(Europe/London)") >= 3
    assert "some of the dates" in body
    assert sent.get().url.startswith("/engagements/o/")
    # Not one message per date: no single-offer messages were written.
    assert not Notification.objects.filter(recipient=musician, kind="booking_offered").exists()
    assert engagement.dates.count() == 3


def test_a_partial_accept_when_allowed_creates_exactly_the_chosen_bookings(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=True)
    first, second, third = date_bookings(engagement)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, third.pk])
    first, second, third = date_bookings(engagement)
    assert [b.status for b in (first, second, third)] == [S.ACCEPTED, S.DECLINED, S.ACCEPTED]
    assert Booking.objects.filter(musician=musician, status=S.ACCEPTED).count() == 2
    assert set(BusyInterval.objects.filter(source=BusyInterval.Source.BOOKING).values_list("source_id", flat=True)) \
        == {str(first.pk), str(third.pk)}
    assert first.remind_24h_at == first.starts_at - timedelta(hours=24)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ANSWERED and engagement.answered_at == now
    # One message to each side (not one per date), each confirmed date's calendar entry attached.
    for user in (producer, musician):
        answered = Notification.objects.filter(recipient=user, kind="booking_engagement_answered")
        assert answered.count() == 1
        note = answered.get()
        assert note.title.startswith("2 of 3 dates confirmed")
        assert "Declined:" in note.body and "Sun 06 Jun 2027, 19:00" in note.body
        assert len(note.attachments) == 2
    # A retry of the same answer changes nothing and writes nothing.
    services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[third.pk, first.pk])
    assert Notification.objects.filter(kind="booking_engagement_answered").count() == 2


def test_a_subset_when_the_producer_forbade_it_is_refused_and_nothing_is_saved(now, producer, musician, profile,
                                                                                 venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first, _second, third = date_bookings(engagement)
    with pytest.raises(services.PartialNotAllowed) as caught:
        services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, third.pk])
    assert caught.value.status_code == 409 and caught.value.code == "partial_not_allowed"
    assert "accept all of them or decline" in caught.value.detail
    assert [b.status for b in date_bookings(engagement)] == [S.OFFERED] * 3
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.OFFERED
    assert not Notification.objects.filter(kind="booking_engagement_answered").exists()
    # All of them is fine.
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert [b.status for b in date_bookings(engagement)] == [S.ACCEPTED] * 3


def test_declining_declines_every_date(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    services.engagement_decline(engagement_id=engagement.pk, actor=musician, note="Away that month")
    assert [b.status for b in date_bookings(engagement)] == [S.DECLINED] * 3
    note = Notification.objects.get(recipient=producer, kind="booking_engagement_answered")
    assert "declined" in note.title and "Away that month" in note.body


def test_one_date_of_an_engagement_cannot_be_answered_on_its_own(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first = date_bookings(engagement)[0]
    for answer in (booking_services.booking_accept, booking_services.booking_decline):
        with pytest.raises(Conflict) as caught:
            answer(booking_id=first.pk, actor=musician)
        assert caught.value.code == "engagement_date"
    with pytest.raises(Conflict):
        booking_services.booking_counter(booking_id=first.pk, actor=musician, rate=Decimal("999"))
    assert date_bookings(engagement)[0].status == S.OFFERED


def test_cancelling_one_date_charges_that_dates_terms_only(now, frozen_clock, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    first, second, third = date_bookings(engagement)
    # Tue 1 Jun 09:00 UTC: date 2 (Sun 6 Jun) is 129 h away, inside its own 200 h window; dates 1 and 3
    # (48 h and 24 h windows) would not be late now.
    services.engagement_cancel_date(engagement_id=engagement.pk, booking_id=second.pk, actor=producer,
                                    reason="Venue closed", expected_fee=Decimal("175.00"))
    first, second, third = date_bookings(engagement)
    assert second.status == S.CANCELLED and second.cancelled_late and second.cancellation_fee == Decimal("175.00")
    assert (first.status, first.cancellation_fee, third.status, third.cancellation_fee) == (S.ACCEPTED, None,
                                                                                              S.ACCEPTED, None)
    # Date 3 cancelled early: its 24 h window is not reached, so nothing is owed.
    services.engagement_cancel_date(engagement_id=engagement.pk, booking_id=third.pk, actor=producer,
                                    reason="Rescheduled")
    third.refresh_from_db()
    assert third.status == S.CANCELLED and third.cancellation_fee == Decimal("0.00") and not third.cancelled_late
    # Two days before date 1, inside its 48 h window: its own 100.00.
    frozen_clock.set(datetime(2027, 6, 4, 12, 0, tzinfo=UTC))
    services.engagement_cancel_date(engagement_id=engagement.pk, booking_id=first.pk, actor=producer, reason="Ill")
    first.refresh_from_db()
    assert first.cancellation_fee == Decimal("100.00")
    cancelled = Notification.objects.filter(recipient=musician, kind="booking_cancelled")
    assert cancelled.count() == 3


def test_a_date_of_another_engagement_cannot_be_cancelled_through_this_one(now, producer, musician, profile, venue):
    one = offer_engagement(producer, profile, venue)
    other_dates = [{**d, "starts_at": d["starts_at"] + timedelta(days=30), "ends_at": d["ends_at"] + timedelta(days=30)}
                   for d in three_dates(venue)]
    two = offer_engagement(producer, profile, venue, dates=other_dates)
    services.engagement_accept(engagement_id=two.pk, actor=musician)
    with pytest.raises(NotFound):
        services.engagement_cancel_date(engagement_id=one.pk, booking_id=date_bookings(two)[0].pk, actor=producer,
                                        reason="x")


def test_conflicts_are_reported_per_date_before_sending(now, producer, musician, profile, venue):
    taken = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 6, 18, 0), hours=2)
    booking_services.booking_accept(booking_id=taken.pk, actor=musician)
    check = services.engagement_preview(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                        title="Summer run", dates=three_dates(venue))
    assert [(d["number"], d["free"], d["reason"]) for d in check["dates"]] == [
        (1, True, ""), (2, False, "booked"), (3, True, "")]
    assert check["conflicts"] == 1 and check["total"] == Decimal("1110.00")
    assert check["dates"][1]["label"] == "Sun 06 Jun 2027, 19:00 (Europe/London)"
    with pytest.raises(Conflict) as caught:
        offer_engagement(producer, profile, venue)
    assert caught.value.code == "dates_unavailable"
    assert caught.value.fields["dates"] == ["Date 2 (Sun 06 Jun 2027, 19:00 (Europe/London)): already booked."]
    assert not Engagement.objects.exists()


def test_a_date_taken_after_sending_fails_the_whole_accept_and_names_the_date(now, producer, musician, profile, venue,
                                                                             make_user):
    engagement = offer_engagement(producer, profile, venue)
    rival = make_user(producer=True, full_name="Rita Rival")
    clash = offer(rival, profile, venue=make_venue(rival, name="Rival Rooms"), starts_at=datetime(2027, 6, 12, 20, 0))
    booking_services.booking_accept(booking_id=clash.pk, actor=musician)
    with pytest.raises(booking_services.BookingConflict) as caught:
        services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert "Sat 12 Jun 2027, 19:00 (Europe/London)" in caught.value.detail
    assert [b.status for b in date_bookings(engagement)] == [S.OFFERED] * 3
    assert Engagement.objects.get(pk=engagement.pk).status == Engagement.Status.OFFERED
    # The musician can still take the two free dates.
    first, second, _third = date_bookings(engagement)
    services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, second.pk])
    assert [b.status for b in date_bookings(engagement)] == [S.ACCEPTED, S.ACCEPTED, S.DECLINED]


def test_only_the_parties_act_and_only_the_musician_answers(now, producer, musician, profile, venue, make_user):
    engagement = offer_engagement(producer, profile, venue)
    stranger = make_user(producer=True, musician=True)
    with pytest.raises(NotFound):
        services.engagement_accept(engagement_id=engagement.pk, actor=stranger)
    with pytest.raises(Forbidden):
        services.engagement_accept(engagement_id=engagement.pk, actor=producer)
    with pytest.raises(NotFound):
        services.engagement_cancel_date(engagement_id=engagement.pk, booking_id=date_bookings(engagement)[0].pk,
                                        actor=stranger, reason="x")


@pytest.mark.parametrize("change, message", [
    ({"starts_at": datetime(2027, 5, 1, 19, 0), "ends_at": datetime(2027, 5, 1, 22, 0)},
     "Date 2: This start has already passed: choose a time in the future."),
    ({"starts_at": datetime(2027, 6, 5, 20, 0), "ends_at": datetime(2027, 6, 5, 23, 0)},
     "Date 2 overlaps date 1; each date needs its own time."),
    ({"travel_days": 30}, "Date 2: give 0 to 14 travel days."),
    ({"venue": 987654}, "Date 2: Choose one of your venues."),
])
def test_bad_dates_are_refused_with_the_date_named_and_nothing_saved(now, producer, profile, venue, change, message):
    dates = three_dates(venue)
    dates[1] = {**dates[1], **change}
    with pytest.raises(ValidationFailed) as caught:
        offer_engagement(producer, profile, venue, dates=dates)
    assert message in caught.value.fields["dates"]
    assert not Engagement.objects.exists() and not Booking.objects.exists()


def test_answers_after_the_answer_by_time_are_refused(now, frozen_clock, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue)
    frozen_clock.set(engagement.expires_at + timedelta(minutes=1))
    with pytest.raises(booking_services.OfferExpired):
        services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert Engagement.objects.get(pk=engagement.pk).effective_status(frozen_clock.now()) == "expired"


def test_a_date_the_producer_withdrew_is_left_out_of_accept_all(now, producer, musician, profile, venue):
    engagement = offer_engagement(producer, profile, venue, allow_partial=False)
    first, second, third = date_bookings(engagement)
    booking_services.booking_withdraw(booking_id=second.pk, actor=producer, note="Show moved")
    with pytest.raises(Conflict) as caught:
        services.engagement_accept(engagement_id=engagement.pk, actor=musician, bookings=[first.pk, second.pk,
                                                                                         third.pk])
    assert caught.value.code == "date_not_open"
    services.engagement_accept(engagement_id=engagement.pk, actor=musician)
    assert [b.status for b in date_bookings(engagement)] == [S.ACCEPTED, S.WITHDRAWN, S.ACCEPTED]
