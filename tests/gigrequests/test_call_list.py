"""A call list moves on: one player at a time, a decline at once, a time box by the clock."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.gigrequests import services
from bookings.gigrequests.models import GigRequest, Invitation
from bookings.models import Booking
from gigbook.core import clock
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import GIG_START, ordered, post

pytestmark = pytest.mark.django_db

S = Invitation.Status


def states(request):
    now = clock.now()
    return [i.effective_status(now) for i in ordered(request)]


@pytest.fixture
def three(players):
    # Nearest first, so the ranked order is predictable.
    return [players("Ann Bass", lat_lng=(51.5330, -0.1790)), players("Ben Bass", lat_lng=(51.5200, -0.1500)),
            players("Cat Bass", lat_lng=(51.5000, -0.1000))]


def test_only_the_first_player_is_asked_and_sees_a_deadline(now, producer, venue, three):
    request = post(producer, venue)

    assert states(request) == [S.SENT, S.QUEUED, S.QUEUED]
    first = ordered(request)[0]
    assert first.musician == three[0].user
    assert first.deadline == clock.now() + timedelta(minutes=10)
    offer = Notification.objects.get(recipient=three[0].user, kind="gig_request_offer")
    assert "Answer by 21:10" in offer.sms_text
    assert offer.url.startswith("/gig-requests/o/")
    assert not Notification.objects.filter(recipient__in=[three[1].user, three[2].user]).exists()
    request.refresh_from_db()
    assert request.next_step_at == first.deadline


def test_a_decline_moves_on_at_once(now, producer, venue, three):
    request = post(producer, venue)
    first = ordered(request)[0]

    services.invitation_decline(invitation_id=first.pk, actor=three[0].user, note="Away tomorrow")

    assert states(request) == [S.DECLINED, S.SENT, S.QUEUED]
    assert Notification.objects.filter(recipient=three[1].user, kind="gig_request_offer").count() == 1


def test_a_time_box_runs_out_by_the_clock_and_the_sweep_asks_the_next(now, producer, venue, three):
    request = post(producer, venue)
    now.advance(timedelta(minutes=10))
    # Computed on read before any sweep: the first player is timed out already.
    assert states(request) == [S.TIMED_OUT, S.QUEUED, S.QUEUED]
    assert Invitation.objects.get(pk=ordered(request)[0].pk).status == S.SENT

    assert services.gig_requests_sweep() == 1

    assert states(request) == [S.TIMED_OUT, S.SENT, S.QUEUED]
    assert [i.status for i in ordered(request)] == [S.TIMED_OUT, S.SENT, S.QUEUED]
    assert services.gig_requests_sweep() == 0  # nothing due until the second box ends


def test_sweeping_twice_sends_nothing_twice(now, producer, venue, three):
    request = post(producer, venue)
    now.advance(timedelta(minutes=10, seconds=1))
    services.gig_requests_sweep()
    services.gig_request_advance(request_id=request.pk)
    services.gig_request_advance(request_id=request.pk)
    assert Notification.objects.filter(kind="gig_request_offer").count() == 2


def test_a_worker_down_for_half_an_hour_catches_up_one_step_per_sweep_without_losing_anyone(now, producer, venue, three):
    request = post(producer, venue)
    now.advance(timedelta(minutes=35))
    services.gig_requests_sweep()
    # The second player gets a full box from when they are actually asked, not a retroactive one.
    second = ordered(request)[1]
    assert second.status == S.SENT
    assert second.deadline == clock.now() + timedelta(minutes=10)


def test_accept_books_the_player_and_closes_the_list(now, producer, venue, three):
    request = post(producer, venue)
    services.invitation_decline(invitation_id=ordered(request)[0].pk, actor=three[0].user)
    second = ordered(request)[1]

    accepted = services.invitation_accept(invitation_id=second.pk, actor=three[1].user)

    booking = accepted.chair.booking
    assert booking.status == Booking.Status.ACCEPTED
    assert booking.musician == three[1].user and booking.producer == producer
    assert booking.source == Booking.Source.SHORT_NOTICE
    assert booking.rate == Decimal("50.000") and booking.starts_at == GIG_START
    request.refresh_from_db()
    assert request.status == GigRequest.Status.FILLED
    assert states(request) == [S.DECLINED, S.ACCEPTED, S.WITHDRAWN]
    # The third was never asked: no message. The first declined: nothing more to say.
    assert not Notification.objects.filter(recipient=three[2].user).exists()
    assert not Notification.objects.filter(recipient=three[0].user, kind="gig_request_filled").exists()
    assert Notification.objects.filter(recipient=three[1].user, kind="booking_accepted").count() == 1
    assert Notification.objects.filter(recipient=producer, kind="booking_accepted").count() == 1


def test_filled_thanks_goes_to_everyone_asked_who_did_not_answer(now, producer, venue, three):
    request = post(producer, venue)
    now.advance(timedelta(minutes=10))
    services.gig_requests_sweep()  # first timed out, second asked
    services.invitation_accept(invitation_id=ordered(request)[1].pk, actor=three[1].user)
    assert Notification.objects.filter(recipient=three[0].user, kind="gig_request_filled").count() == 1
    assert not Notification.objects.filter(recipient=three[2].user).exists()


def test_a_player_who_stopped_being_free_is_skipped(now, producer, venue, three, players):
    from musicians import services as musician_services

    request = post(producer, venue)
    musician_services.busy_interval_add(
        profile=three[1], starts_at=GIG_START, ends_at=GIG_START + timedelta(hours=1), source="block", source_id="x1"
    )
    services.invitation_decline(invitation_id=ordered(request)[0].pk, actor=three[0].user)
    second, third = ordered(request)[1:]
    assert (second.status, second.reason) == (S.WITHDRAWN, Invitation.Reason.NOT_FREE)
    assert third.status == S.SENT


def test_nobody_left_tells_the_producer_once(now, producer, venue, three):
    request = post(producer, venue)
    for index in range(3):
        invitation = ordered(request)[index]
        services.invitation_decline(invitation_id=invitation.pk, actor=invitation.musician)
    services.gig_request_advance(request_id=request.pk)
    assert Notification.objects.filter(recipient=producer, kind="gig_request_exhausted").count() == 1
    request.refresh_from_db()
    assert request.status == GigRequest.Status.OPEN
    assert request.next_step_at == request.answer_by


def test_the_answer_by_deadline_expires_the_request_and_tells_the_producer(now, producer, venue, three):
    request = post(producer, venue, answer_by=clock.now() + timedelta(minutes=15))
    now.advance(timedelta(minutes=15))
    assert GigRequest.objects.get(pk=request.pk).effective_status(clock.now()) == GigRequest.Status.EXPIRED
    services.gig_requests_sweep()
    request.refresh_from_db()
    assert request.status == GigRequest.Status.EXPIRED
    # Nobody is asked after the answer-by time, even if a sweep was missed before it.
    assert [i.status for i in ordered(request)] == [S.TIMED_OUT, S.WITHDRAWN, S.WITHDRAWN]
    assert Notification.objects.filter(recipient=producer, kind="gig_request_expired").count() == 1
    services.gig_requests_sweep()
    assert Notification.objects.filter(recipient=producer, kind="gig_request_expired").count() == 1


def test_an_expired_offer_cannot_be_accepted_before_any_sweep(now, producer, venue, three):
    request = post(producer, venue)
    now.advance(timedelta(minutes=10))
    with pytest.raises(services.OfferTimedOut):
        services.invitation_accept(invitation_id=ordered(request)[0].pk, actor=three[0].user)
    assert not Booking.objects.exists()


def test_cancel_tells_the_player_who_was_asked_and_stops_the_list(now, producer, venue, three):
    request = post(producer, venue)
    services.gig_request_cancel(request_id=request.pk, actor=producer, reason="Bassist is better")
    assert states(request) == [S.WITHDRAWN, S.WITHDRAWN, S.WITHDRAWN]
    assert Notification.objects.filter(recipient=three[0].user, kind="gig_request_cancelled").count() == 1
    with pytest.raises(services.RequestClosed):
        services.invitation_accept(invitation_id=ordered(request)[0].pk, actor=three[0].user)
    request.refresh_from_db()
    assert request.status == GigRequest.Status.CANCELLED and request.next_step_at is None


def test_a_closing_notice_lost_between_transactions_is_written_by_the_sweep_once(now, producer, venue, three):
    request = post(producer, venue, strategy="broadcast")
    winner, other, third = ordered(request)
    services.invitation_accept(invitation_id=winner.pk, actor=winner.musician)
    assert Notification.objects.filter(recipient=other.musician, kind="gig_request_filled").count() == 1
    # As if the process died after the accept committed and before its notices were written:
    Notification.objects.filter(recipient=third.musician, kind="gig_request_filled").delete()
    Invitation.objects.filter(pk=third.pk).update(notice_sent_at=None)

    services.gig_requests_sweep()  # too early: the answerer's own process may still be writing it
    assert not Notification.objects.filter(recipient=third.musician, kind="gig_request_filled").exists()
    now.advance(services.NOTICE_GRACE)
    services.gig_requests_sweep()
    services.gig_requests_sweep()
    assert Notification.objects.filter(recipient=third.musician, kind="gig_request_filled").count() == 1
    assert Notification.objects.filter(recipient=other.musician, kind="gig_request_filled").count() == 1


def test_staff_cancel_needs_the_edit_permission_and_strangers_get_404(now, producer, venue, three, make_user):
    from django.contrib.auth.models import Group, Permission

    from gigbook.core.errors import Forbidden, NotFound

    request = post(producer, venue)
    with pytest.raises(NotFound):
        services.gig_request_cancel(request_id=request.pk, actor=make_user(producer=True, email="other@example.com"))
    moderator = make_user(staff=True, email="mod@example.com")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    with pytest.raises(Forbidden):
        services.gig_request_cancel(request_id=request.pk, actor=moderator)
    request.refresh_from_db()
    assert request.status == GigRequest.Status.OPEN

    operator = make_user(staff=True, email="ops@example.com")
    operator.user_permissions.add(Permission.objects.get(codename="change_gigrequest"))
    services.gig_request_cancel(request_id=request.pk, actor=operator, reason="Duplicate request")
    request.refresh_from_db()
    assert request.status == GigRequest.Status.CANCELLED
