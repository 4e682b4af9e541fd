"""Holds (pencils): ranks, keep/decline, release and promotion, challenge, confirm, expiry, the
sweep, search and the bad inputs. Real PostgreSQL, the real services, a moved clock."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services
from bookings.models import Booking, Hold
from bookings.services import ChallengeNotPossible, HoldClosed, HoldNotFirst
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from musicians import selectors as musician_selectors
from musicians.models import BusyInterval
from tests.bookings.factories import make_venue, offer, pencil

pytestmark = pytest.mark.django_db
H = Hold.Status


@pytest.fixture
def start(now):
    return now + timedelta(days=4)


@pytest.fixture
def rival(make_user):
    return make_user(producer=True, full_name="Rita Rival", email="rita@example.com", time_zone="Europe/London")


@pytest.fixture
def rival_venue(rival):
    return make_venue(rival, name="Rival Rooms")


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_holds_on_one_time_are_ranked_in_order_and_the_musician_is_told(producer, rival, musician, profile, venue,
                                                                        rival_venue, start, now):
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=rival_venue, starts_at=start + timedelta(hours=1))
    elsewhere = pencil(rival, profile, venue=rival_venue, starts_at=start + timedelta(days=1))
    assert (first.rank, second.rank, elsewhere.rank) == (1, 2, 1)
    assert first.status == H.REQUESTED
    assert first.expires_at == now + timedelta(hours=72)
    assert first.challenge_window_hours == 24
    assert first.fee_total > 0 and first.currency == "GBP"
    titles = list(Notification.objects.filter(recipient=musician, kind="hold_placed").values_list("title", flat=True))
    assert any("1st hold" in t for t in titles) and any("2nd hold" in t for t in titles)


def test_expiry_defaults_to_the_start_when_the_gig_is_sooner(producer, profile, venue, now):
    hold = pencil(producer, profile, venue=venue, starts_at=now + timedelta(hours=30))
    assert hold.expires_at == now + timedelta(hours=30)


@pytest.mark.parametrize("when, message", [
    (lambda now, start: start + timedelta(minutes=1), "past the start"),
    (lambda now, start: now + timedelta(minutes=10), "at least an hour"),
])
def test_bad_expiry_is_refused_in_plain_words(producer, profile, venue, start, now, when, message):
    with pytest.raises(ValidationFailed) as caught:
        pencil(producer, profile, venue=venue, starts_at=start, expires_at=when(now, start))
    assert message in caught.value.fields["expires_at"][0]
    assert not Hold.objects.exists()


def test_a_hold_in_the_past_is_refused(producer, profile, venue, now):
    with pytest.raises(ValidationFailed) as caught:
        pencil(producer, profile, venue=venue, starts_at=now - timedelta(hours=5))
    assert "future" in caught.value.fields["starts_at"][0]


def test_a_hold_over_the_producers_own_firm_offer_is_refused(producer, profile, venue, start):
    offer(producer, profile, venue=venue, starts_at=start)
    with pytest.raises(Conflict) as caught:
        pencil(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    assert caught.value.code == "hold_overlaps_own_booking"
    assert not Hold.objects.exists()


def test_a_challenge_window_out_of_limits_is_refused(producer, profile, venue, start):
    with pytest.raises(ValidationFailed) as caught:
        pencil(producer, profile, venue=venue, starts_at=start, challenge_window_hours=100)
    assert "1 to 72 hours" in caught.value.fields["challenge_window_hours"][0]


def test_kept_time_is_pencilled_in_search_and_not_busy_for_offers(producer, musician, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    services.hold_accept(hold_id=hold.pk, actor=musician)
    assert BusyInterval.objects.filter(source="hold", source_id=str(hold.pk)).exists()
    found = musician_selectors.musician_search(available_from=start, available_to=start + timedelta(hours=2))
    assert [(p.pk, p.pencilled) for p in found] == [(profile.pk, True)]
    assert musician_selectors.musician_is_free(profile=profile, starts_at=start, ends_at=start + timedelta(hours=2))
    free = musician_selectors.musician_search(available_from=start + timedelta(days=2),
                                              available_to=start + timedelta(days=2, hours=1))
    assert [(p.pk, p.pencilled) for p in free] == [(profile.pk, False)]


def test_a_firm_offer_says_which_holds_it_would_bump_and_accepting_it_releases_them(
        producer, rival, musician, profile, venue, rival_venue, start):
    hold = pencil(rival, profile, venue=rival_venue, starts_at=start)
    services.hold_accept(hold_id=hold.pk, actor=musician)
    preview = services.booking_preview(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                       kind="studio_session", venue=venue, starts_at=start,
                                       ends_at=start + timedelta(hours=3))
    assert preview["availability"]["free"] is True
    assert [(h["rank"], h["yours"]) for h in preview["would_bump"]] == [(1, False)]
    booking = offer(producer, profile, venue=venue, starts_at=start)
    services.booking_accept(booking_id=booking.pk, actor=musician)
    hold.refresh_from_db()
    assert (hold.status, hold.end_reason) == (H.RELEASED, Hold.EndReason.BUMPED)
    assert not BusyInterval.objects.filter(source="hold").exists()
    assert kinds(rival).count("hold_released") == 1


def test_release_moves_lower_holds_up_and_tells_each_once(producer, rival, make_user, musician, profile, venue,
                                                          rival_venue, start):
    third_producer = make_user(producer=True, full_name="Theo Third")
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    third = pencil(third_producer, profile, venue=make_venue(third_producer), starts_at=start)
    services.hold_release(hold_id=first.pk, actor=musician)
    services.hold_release(hold_id=first.pk, actor=musician)  # a repeat does nothing
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.rank, third.rank) == (1, 2)
    assert kinds(producer) == ["hold_released"]
    assert kinds(rival) == ["hold_promoted"]
    assert kinds(third_producer) == ["hold_promoted"]


def test_decline_is_only_for_requested_holds(producer, musician, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    services.hold_accept(hold_id=hold.pk, actor=musician)
    with pytest.raises(InvalidTransition):
        services.hold_decline(hold_id=hold.pk, actor=musician)
    other = pencil(producer, profile, venue=venue, starts_at=start + timedelta(days=1))
    assert services.hold_decline(hold_id=other.pk, actor=musician).status == H.DECLINED


def test_only_the_first_hold_confirms_into_an_accepted_booking(producer, rival, musician, profile, venue,
                                                              rival_venue, start):
    first = pencil(producer, profile, venue=venue, starts_at=start, rate=Decimal("60.00"))
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    for hold in (first, second):
        services.hold_accept(hold_id=hold.pk, actor=musician)
    with pytest.raises(HoldNotFirst):
        services.hold_confirm(hold_id=second.pk, actor=rival)
    confirmed = services.hold_confirm(hold_id=first.pk, actor=producer)
    booking = Booking.objects.get(pk=confirmed.booking_id)
    assert (booking.status, booking.source, booking.rate) == ("accepted", "hold", Decimal("60.000"))
    assert services.hold_confirm(hold_id=first.pk, actor=producer).booking_id == booking.pk  # repeat
    second.refresh_from_db()
    assert (second.status, second.end_reason) == (H.RELEASED, Hold.EndReason.BUMPED)
    with pytest.raises(HoldClosed):
        services.hold_confirm(hold_id=second.pk, actor=rival)


def test_confirm_needs_the_musician_to_keep_the_time_first(producer, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    with pytest.raises(InvalidTransition) as caught:
        services.hold_confirm(hold_id=hold.pk, actor=producer)
    assert caught.value.code == "hold_not_held"


def test_strangers_get_404_and_the_wrong_side_403(producer, rival, musician, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    with pytest.raises(NotFound):
        services.hold_confirm(hold_id=hold.pk, actor=rival)
    with pytest.raises(Forbidden):
        services.hold_accept(hold_id=hold.pk, actor=producer)
    with pytest.raises(Forbidden):
        services.hold_confirm(hold_id=hold.pk, actor=musician)


def test_challenge_from_the_first_hold_is_refused(producer, musician, profile, venue, start):
    hold = pencil(producer, profile, venue=venue, starts_at=start)
    services.hold_accept(hold_id=hold.pk, actor=musician)
    with pytest.raises(ChallengeNotPossible) as caught:
        services.hold_challenge(hold_id=hold.pk, actor=producer)
    assert caught.value.code == "hold_is_first"


def test_a_challenged_first_hold_that_confirms_bumps_the_challenger(producer, rival, musician, profile, venue,
                                                                   rival_venue, start, frozen_clock):
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    for hold in (first, second):
        services.hold_accept(hold_id=hold.pk, actor=musician)
    services.hold_challenge(hold_id=second.pk, actor=rival)
    first.refresh_from_db()
    assert first.challenged_until == frozen_clock.now() + timedelta(hours=24)
    services.hold_confirm(hold_id=first.pk, actor=producer)
    second.refresh_from_db()
    assert (second.status, second.end_reason, second.challenge_ends_at) == (H.RELEASED, "bumped", None)
    frozen_clock.advance(timedelta(hours=25))
    assert services.holds_sweep() == {"challenges": 0, "expired": 0}


def test_a_released_first_hold_during_a_challenge_confirms_the_challenger_at_once(
        producer, rival, musician, profile, venue, rival_venue, start):
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    for hold in (first, second):
        services.hold_accept(hold_id=hold.pk, actor=musician)
    services.hold_challenge(hold_id=second.pk, actor=rival, window_hours=2)
    services.hold_release(hold_id=first.pk, actor=producer)
    second.refresh_from_db()
    assert second.status == H.CONFIRMED
    assert Booking.objects.get(pk=second.booking_id).status == "accepted"


def test_the_sweep_expires_lapsed_holds_once_and_moves_the_rest_up(producer, rival, musician, profile, venue,
                                                                   rival_venue, start, frozen_clock, now):
    first = pencil(producer, profile, venue=venue, starts_at=start, expires_at=now + timedelta(hours=2))
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    services.hold_accept(hold_id=first.pk, actor=musician)
    frozen_clock.advance(timedelta(hours=2))
    first.refresh_from_db()
    assert first.effective_status(frozen_clock.now()) == H.EXPIRED  # on read, before any sweep
    with pytest.raises(HoldClosed):
        services.hold_confirm(hold_id=first.pk, actor=producer)
    assert services.holds_sweep() == {"challenges": 0, "expired": 1}
    assert services.holds_sweep() == {"challenges": 0, "expired": 0}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.rank) == (H.EXPIRED, 1)
    assert not BusyInterval.objects.filter(source="hold").exists()
    assert kinds(producer).count("hold_expired") == 1
    assert kinds(musician).count("hold_expired") == 1
    assert kinds(rival) == ["hold_promoted"]


def test_a_challenge_whose_window_closes_releases_the_silent_hold_and_confirms_the_challenger(
        producer, rival, make_user, musician, profile, venue, rival_venue, start, frozen_clock):
    third_producer = make_user(producer=True, full_name="Theo Third")
    first = pencil(producer, profile, venue=venue, starts_at=start)
    second = pencil(rival, profile, venue=rival_venue, starts_at=start)
    third = pencil(third_producer, profile, venue=make_venue(third_producer), starts_at=start)
    for hold in (first, second, third):
        services.hold_accept(hold_id=hold.pk, actor=musician)
    services.hold_challenge(hold_id=second.pk, actor=rival)
    assert services.hold_challenge(hold_id=second.pk, actor=rival).pk == second.pk  # a repeat
    with pytest.raises(ChallengeNotPossible) as caught:
        services.hold_challenge(hold_id=third.pk, actor=third_producer)
    assert caught.value.code == "challenge_running"
    frozen_clock.advance(timedelta(hours=23))
    assert services.holds_sweep()["challenges"] == 0
    frozen_clock.advance(timedelta(hours=1))
    assert services.holds_sweep()["challenges"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.end_reason) == (H.RELEASED, Hold.EndReason.CHALLENGE)
    assert second.status == H.CONFIRMED
    assert Booking.objects.get(pk=second.booking_id).producer == rival
    third.refresh_from_db()
    assert (third.status, third.end_reason) == (H.RELEASED, Hold.EndReason.BUMPED)
