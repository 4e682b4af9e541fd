"""booking_offer: validation, pricing, expiry, time zones, notifications."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bookings.models import Booking, BookingEvent
from gigbook.core.errors import Forbidden, ValidationFailed
from gigbook.core.tokens import action_token_read
from gigbook.notifications.models import Notification
from musicians.models import MusicianProfile
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db
D = Decimal


def test_offer_is_created_priced_and_sent_to_the_musician_with_a_phone_link(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), hours=2)

    assert booking.status == Booking.Status.OFFERED
    assert booking.time_zone == "Europe/London"
    # 2 hours booked, 3-hour minimum call at 50/h.
    assert booking.fee_total == D("150.00")
    assert booking.quote["billable_hours"] == "3.0"
    assert [line["code"] for line in booking.quote["lines"]] == ["base"]
    assert not booking.below_published_rate
    assert booking.late_cancellation_window_hours == 48
    assert booking.late_cancellation_fee == D("100.00")
    assert booking.expires_at == now + timedelta(hours=24)
    event = BookingEvent.objects.get(booking=booking)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("offer", "", "offered", producer)

    note = Notification.objects.get(recipient=musician, kind="booking_offered")
    assert note.url.startswith("/o/")
    token = action_token_read(note.url.split("/")[2], purpose="booking-offer")
    assert (token.subject_id, token.user_id) == (booking.pk, musician.pk)
    assert token.expires_at == booking.expires_at
    assert "Pat Producer" in note.title and "150.00 GBP" in note.sms_text
    assert not Notification.objects.filter(recipient=producer).exists()


def test_answer_by_defaults_to_the_gig_start_when_the_gig_is_sooner_than_a_day(now, producer, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(hours=5))
    assert booking.expires_at == now + timedelta(hours=5)


def test_explicit_answer_by_time(now, producer, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=5), expires_at=now + timedelta(hours=2))
    assert booking.expires_at == now + timedelta(hours=2)


@pytest.mark.parametrize("delta", [timedelta(hours=-1), timedelta(0), timedelta(days=6)])
def test_answer_by_must_be_in_the_future_and_before_the_gig(now, producer, profile, venue, delta):
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, starts_at=now + timedelta(days=5), expires_at=now + delta)
    assert "expires_at" in info.value.fields


def test_offer_below_published_rate_is_allowed_and_flagged(now, producer, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), rate=D("40"))
    assert booking.below_published_rate
    assert booking.published_amount == D("150.00")
    assert "Below the musician's published rate" in booking.rate_note
    note = Notification.objects.get(kind="booking_offered")
    assert "below your published rate" in note.sms_text


def test_fee_terms_default_to_the_published_rates_per_basis(now, producer, profile, venue):
    start = now + timedelta(days=3)
    session = offer(producer, profile, venue=venue, starts_at=start, hours=6, fee_basis="session")
    assert session.rate == D("140.00") and session.fee_total == D("280.00")
    day = offer(producer, profile, venue=venue, starts_at=start + timedelta(days=1), hours=9, fee_basis="day")
    assert day.fee_total == D("380.00")
    show = offer(producer, profile, venue=venue, starts_at=start + timedelta(days=2), kind="live_show", fee_basis="flat")
    assert show.fee_total == D("250.00")


def test_flat_fee_needs_an_amount_outside_live_shows(now, producer, profile, venue):
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), fee_basis="flat")
    assert "rate" in info.value.fields


def test_extras_and_doubles_are_itemised(now, producer, profile, venue):
    booking = offer(
        producer, profile, venue=venue, starts_at=now + timedelta(days=3), doubles=["hammond-organ", "synthesizer"],
        cartage_fee=D("40"), travel_fee=D("25.50"), per_diem=D("30"), per_diem_days=1, overtime_half_hours=1,
    )
    codes = {line["code"]: line["amount"] for line in booking.quote["lines"]}
    assert codes == {"base": "150.00", "overtime": "30.00", "doubling": "50.00", "cartage": "40.00", "travel": "25.50",
                     "per_diem": "30.00"}
    assert booking.fee_total == D("325.50")
    assert sorted(booking.doubles.values_list("slug", flat=True)) == ["hammond-organ", "synthesizer"]


def test_naive_times_are_read_in_the_venue_time_zone(now, producer, profile, make_user):
    nashville = make_venue(producer, name="Ocean Way", time_zone="America/Chicago", latitude=36.15, longitude=-86.79)
    booking = offer(producer, profile, venue=nashville, starts_at=datetime(2027, 6, 10, 19, 0),
                    ends_at=datetime(2027, 6, 10, 22, 30))
    assert booking.starts_at == datetime(2027, 6, 11, 0, 0, tzinfo=UTC)  # 19:00 CDT
    assert booking.time_zone == "America/Chicago"
    assert booking.fee_total == D("175.00")  # 3.5 hours


def test_wall_clock_time_skipped_by_dst_is_refused(now, producer, profile, venue):
    # 01:30 on 26 March 2028 does not exist in London (clocks jump from 01:00 to 02:00).
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, starts_at=datetime(2028, 3, 26, 1, 30), ends_at=datetime(2028, 3, 26, 5, 0))
    assert "does not exist" in info.value.fields["starts_at"][0]


def test_wall_clock_time_repeated_by_dst_is_refused(now, producer, profile, venue):
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, starts_at=datetime(2027, 10, 31, 1, 30), ends_at=datetime(2027, 10, 31, 4, 0))
    assert "happens twice" in info.value.fields["starts_at"][0]


def test_session_over_the_dst_night_pays_real_hours(now, producer, profile, venue):
    # 23:00 Saturday to 03:00 Sunday, 31 October 2027 in London: 5 real hours (clocks go back).
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 10, 30, 23, 0), ends_at=datetime(2027, 10, 31, 3, 0))
    assert booking.ends_at - booking.starts_at == timedelta(hours=5)
    assert booking.fee_total == D("250.00")


def test_remote_recording_uses_the_given_time_zone(now, producer, profile):
    booking = offer(producer, profile, starts_at=datetime(2027, 6, 10, 10, 0), ends_at=datetime(2027, 6, 10, 13, 0),
                    time_zone="Asia/Tokyo")
    assert booking.venue is None
    assert booking.starts_at == datetime(2027, 6, 10, 1, 0, tzinfo=UTC)


def test_remote_recording_defaults_to_the_producers_time_zone(now, producer, profile):
    booking = offer(producer, profile, starts_at=datetime(2027, 6, 10, 10, 0), ends_at=datetime(2027, 6, 10, 13, 0))
    assert booking.time_zone == producer.time_zone


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"instrument": "tuba"}, "instrument"),
        ({"instrument": "no-such-thing"}, "instrument"),
        ({"doubles": ["tuba"]}, "doubles"),
        ({"doubles": ["piano"]}, "doubles"),
        ({"kind": "wedding"}, "kind"),
        ({"kind": "remote_recording"}, "venue"),
        ({"title": "x" * 121}, "title"),
        ({"brief_notes": "x" * 4001}, "brief_notes"),
        ({"brief_approach": "sightread"}, "brief_approach"),
        ({"rate": D("-1")}, "rate"),
        ({"cartage_fee": D("-5")}, "cartage_fee"),
        ({"fee_basis": "weekly"}, "fee_basis"),
        ({"overtime_half_hours": 2, "overtime_rate_per_half_hour": D("0")}, "overtime_half_hours"),
        ({"starts_at": datetime(2027, 5, 1, 10, tzinfo=UTC)}, "starts_at"),
        ({"ends_at": datetime(2027, 6, 4, 8, tzinfo=UTC)}, "ends_at"),
        ({"ends_at": datetime(2027, 6, 4, 9, 10, tzinfo=UTC)}, "ends_at"),
        ({"ends_at": datetime(2027, 6, 30, 9, tzinfo=UTC)}, "ends_at"),
        ({"starts_at": datetime(2030, 6, 4, 9, tzinfo=UTC), "ends_at": datetime(2030, 6, 4, 12, tzinfo=UTC)}, "starts_at"),
    ],
)
def test_bad_offer_input_names_the_field(now, producer, profile, venue, overrides, field):
    kwargs = {"starts_at": datetime(2027, 6, 4, 9, tzinfo=UTC)}
    kwargs.update(overrides)
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, **kwargs)
    assert field in info.value.fields, info.value.fields
    assert not Booking.objects.exists()


def test_venue_of_another_producer_cannot_be_used(now, producer, profile, make_user):
    other = make_user(producer=True)
    their_venue = make_venue(other)
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=their_venue, starts_at=now + timedelta(days=2))
    assert "venue" in info.value.fields


def test_remote_recording_cannot_have_a_venue(now, producer, profile, venue):
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, venue=venue, kind="remote_recording", starts_at=now + timedelta(days=2))
    assert "venue" in info.value.fields


def test_unknown_time_zone_for_remote_recording(now, producer, profile):
    with pytest.raises(ValidationFailed) as info:
        offer(producer, profile, starts_at=now + timedelta(days=2), time_zone="Mars/Olympus")
    assert "time_zone" in info.value.fields


def test_only_producers_make_offers(now, musician, profile, make_user):
    other_musician = make_user(musician=True)
    with pytest.raises(Forbidden):
        offer(other_musician, profile, starts_at=now + timedelta(days=2))


@pytest.mark.parametrize("status", [MusicianProfile.Status.PENDING, MusicianProfile.Status.SUSPENDED,
                                    MusicianProfile.Status.DRAFT])
def test_unpublished_musicians_cannot_be_booked(now, producer, make_user, status):
    player = make_user(musician=True)
    hidden = make_profile(player, status=status)
    with pytest.raises(ValidationFailed) as info:
        offer(producer, hidden, starts_at=now + timedelta(days=2))
    assert "musician" in info.value.fields


def test_a_producer_who_also_plays_cannot_book_themself(now, make_user):
    both = make_user(producer=True, musician=True)
    own = make_profile(both)
    with pytest.raises(ValidationFailed) as info:
        offer(both, own, starts_at=now + timedelta(days=2))
    assert "musician" in info.value.fields
