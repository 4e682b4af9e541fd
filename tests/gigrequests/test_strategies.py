"""Broadcast, tightening, several chairs, big broadcasts handed to Celery, and response stats."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings.gigrequests import services
from bookings.gigrequests.models import GigRequest, Invitation, ResponseStats
from bookings.gigrequests.services import dispatch
from bookings.models import Booking
from gigbook.core import clock
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import GIG_START, ordered, post

pytestmark = pytest.mark.django_db
S = Invitation.Status


def near(n):
    return (51.5300 + n / 1000, -0.1700)


def test_broadcast_asks_everyone_at_once_until_the_answer_by_time(now, producer, venue, players):
    for n in range(4):
        players(lat_lng=near(n))
    request = post(producer, venue, strategy="broadcast")
    assert {i.status for i in ordered(request)} == {S.SENT}
    assert {i.deadline for i in ordered(request)} == {request.answer_by}


def test_broadcast_best_n(now, producer, venue, players):
    for n in range(4):
        players(lat_lng=near(n))
    request = post(producer, venue, strategy="broadcast", max_invitees=2)
    assert len(ordered(request)) == 2


def test_first_accept_of_a_broadcast_wins_and_the_rest_hear_filled_once(now, producer, venue, players):
    for n in range(4):
        players(lat_lng=near(n))
    request = post(producer, venue, strategy="broadcast")
    invitations = ordered(request)
    services.invitation_decline(invitation_id=invitations[3].pk, actor=invitations[3].musician)
    services.invitation_accept(invitation_id=invitations[1].pk, actor=invitations[1].musician)
    assert [i.status for i in ordered(request)] == [S.WITHDRAWN, S.ACCEPTED, S.WITHDRAWN, S.DECLINED]
    filled = Notification.objects.filter(kind="gig_request_filled")
    assert sorted(filled.values_list("recipient_id", flat=True)) == sorted([invitations[0].musician_id,
                                                                           invitations[2].musician_id])


def test_tightening_boxes_shrink_with_lead_time():
    request = GigRequest(strategy="tightening", time_box_minutes=20, starts_at=GIG_START,
                         broadcast_threshold_hours=Decimal("12"), answer_by=GIG_START)
    threshold = GIG_START - timedelta(hours=12)
    assert services.time_box(request, threshold - timedelta(hours=30)) == timedelta(minutes=20)
    assert services.time_box(request, threshold - timedelta(hours=24)) == timedelta(minutes=20)
    assert services.time_box(request, threshold - timedelta(hours=12)) == timedelta(minutes=10)
    assert services.time_box(request, threshold - timedelta(hours=3)) == timedelta(minutes=2, seconds=30)
    assert services.time_box(request, threshold - timedelta(minutes=10)) == timedelta(minutes=2)
    assert services.in_broadcast_mode(request, threshold)
    assert not services.in_broadcast_mode(request, threshold - timedelta(seconds=1))
    call_list = GigRequest(strategy="call_list", time_box_minutes=20, starts_at=GIG_START,
                           broadcast_threshold_hours=Decimal("12"), answer_by=GIG_START)
    assert services.time_box(call_list, threshold - timedelta(minutes=10)) == timedelta(minutes=20)
    assert not services.in_broadcast_mode(call_list, GIG_START - timedelta(minutes=1))


def test_tightening_turns_into_a_broadcast_at_the_threshold(now, producer, venue, players):
    for n in range(4):
        players(lat_lng=near(n))
    # 13 hours before the start, threshold 12 h: a call list for one hour, then everyone left at once.
    request = post(producer, venue, strategy="tightening", time_box_minutes=30)
    first = ordered(request)[0]
    # One hour before the threshold: 30 min x 1 h / 24 h = 75 s, at least 2 minutes.
    assert first.deadline - first.sent_at == timedelta(minutes=2)
    services.invitation_decline(invitation_id=first.pk, actor=first.musician)
    second = ordered(request)[1]
    assert second.status == S.SENT

    now.set(GIG_START - timedelta(hours=12))
    services.gig_requests_sweep()

    request.refresh_from_db()
    assert request.broadcast_started_at == GIG_START - timedelta(hours=12)
    statuses = [i.status for i in ordered(request)]
    assert statuses[0] == S.DECLINED and statuses[2:] == [S.SENT, S.SENT]
    # The one whose box had already ended timed out; nobody is cut off mid-box by the switch.
    assert statuses[1] == S.TIMED_OUT
    assert {i.deadline for i in ordered(request)[2:]} == {request.answer_by}


def test_tightening_keeps_a_running_box_open_into_the_broadcast(now, producer, venue, players):
    for n in range(3):
        players(lat_lng=near(n))
    threshold = GIG_START - timedelta(hours=12.98)  # 72 seconds from now
    request = post(producer, venue, strategy="tightening", time_box_minutes=30, broadcast_threshold_hours=Decimal("12.98"))
    first = ordered(request)[0]
    assert first.deadline == clock.now() + timedelta(minutes=2)
    request.refresh_from_db()
    assert request.next_step_at == threshold
    now.set(threshold + timedelta(seconds=30))
    services.gig_requests_sweep()
    assert [i.status for i in ordered(request)] == [S.SENT, S.SENT, S.SENT]
    assert {i.deadline for i in ordered(request)} == {request.answer_by}


def test_several_chairs_ask_as_many_players_at_a_time(now, producer, venue, players):
    violins = [players(instruments=("violin",), lat_lng=near(n)) for n in range(4)]
    viola = players(instruments=("viola",), lat_lng=near(9))
    request = post(producer, venue, chairs=[{"instrument": "violin", "count": 2}, {"instrument": "viola", "count": 1}])
    assert [i.status for i in ordered(request, "violin")] == [S.SENT, S.SENT, S.QUEUED, S.QUEUED]
    first, second = ordered(request, "violin")[:2]
    services.invitation_accept(invitation_id=first.pk, actor=first.musician)
    # One violin chair left, one player still on it: nobody new asked yet.
    assert [i.status for i in ordered(request, "violin")] == [S.ACCEPTED, S.SENT, S.QUEUED, S.QUEUED]
    services.invitation_decline(invitation_id=second.pk, actor=second.musician)
    assert [i.status for i in ordered(request, "violin")] == [S.ACCEPTED, S.DECLINED, S.SENT, S.QUEUED]
    third = ordered(request, "violin")[2]
    services.invitation_accept(invitation_id=third.pk, actor=third.musician)
    assert [i.status for i in ordered(request, "violin")] == [S.ACCEPTED, S.DECLINED, S.ACCEPTED, S.WITHDRAWN]
    request.refresh_from_db()
    assert request.status == GigRequest.Status.OPEN  # the viola chair is still open
    [viola_invitation] = ordered(request, "viola")
    services.invitation_accept(invitation_id=viola_invitation.pk, actor=viola.user)
    request.refresh_from_db()
    assert request.status == GigRequest.Status.FILLED
    assert Booking.objects.filter(status="accepted").count() == 3
    assert sorted(request.chairs.values_list("filled_by_id", flat=True)) == sorted(
        [first.musician_id, third.musician_id, viola.user_id])
    assert len(violins) == 4


def test_a_big_broadcast_is_handed_to_celery_in_chunks(now, producer, venue, players, eager_celery,
                                                        django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(dispatch, "DISPATCH_CHUNK", 10)
    for n in range(25):
        players(lat_lng=near(n))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = post(producer, venue, strategy="broadcast")
    assert {i.status for i in ordered(request)} == {S.QUEUED}
    assert len(callbacks) == 3  # 10 + 10 + 5
    for callback in callbacks:
        callback()
    assert {i.status for i in ordered(request)} == {S.SENT}
    assert Notification.objects.filter(kind="gig_request_offer").count() == 25
    # A lost chunk re-sent by the sweep, or a duplicated one, sends nothing twice.
    services.invitations_dispatch(request_id=request.pk, invitation_ids=[i.pk for i in ordered(request)])
    assert Notification.objects.filter(kind="gig_request_offer").count() == 25


def test_a_lost_dispatch_is_handed_over_again_by_the_sweep(now, producer, venue, players, eager_celery,
                                                            django_capture_on_commit_callbacks):
    for n in range(25):
        players(lat_lng=near(n))
    with django_capture_on_commit_callbacks(execute=False):
        request = post(producer, venue, strategy="broadcast")  # the broker "loses" the chunk tasks
    request.refresh_from_db()
    assert request.next_step_at == clock.now() + services.DISPATCH_GRACE
    now.advance(services.DISPATCH_GRACE)
    with django_capture_on_commit_callbacks(execute=True):
        services.gig_requests_sweep()
    assert {i.status for i in ordered(request)} == {S.SENT}
    assert Notification.objects.filter(kind="gig_request_offer").count() == 25


def test_response_stats_count_answers_and_misses(now, producer, venue, players):
    players(lat_lng=near(0)), players(lat_lng=near(1))
    request = post(producer, venue)
    quick, slow = (i.musician.musician_profile for i in ordered(request))
    now.advance(timedelta(seconds=90))
    services.invitation_decline(invitation_id=ordered(request)[0].pk, actor=quick.user)
    now.advance(timedelta(minutes=10))
    services.gig_requests_sweep()  # Slow's box ran out
    stats = {s.musician_id: s for s in ResponseStats.objects.all()}
    assert (stats[quick.user_id].response_rate, stats[quick.user_id].median_response_seconds) == (1.0, 90)
    assert (stats[slow.user_id].response_rate, stats[slow.user_id].median_response_seconds) == (0.0, None)
    assert stats[slow.user_id].offers_counted == 1
    quick.refresh_from_db()
    slow.refresh_from_db()
    assert (quick.response_rate, quick.median_response_seconds) == (1.0, 90)
    assert (slow.response_rate, slow.median_response_seconds) == (0.0, None)


def test_withdrawn_offers_do_not_count_against_a_player(now, producer, venue, players):
    players(lat_lng=near(0)), players(lat_lng=near(1))
    request = post(producer, venue, strategy="broadcast")
    winner, other = ordered(request)
    services.invitation_accept(invitation_id=winner.pk, actor=winner.musician)
    assert ResponseStats.objects.get(musician=winner.musician).response_rate == 1.0
    assert not ResponseStats.objects.filter(musician=other.musician, offers_counted__gt=0).exists()
