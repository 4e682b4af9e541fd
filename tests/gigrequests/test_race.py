"""Many musicians accept the same chair at the same moment, on real PostgreSQL: exactly one wins."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from bookings.gigrequests import services
from bookings.gigrequests.models import Chair, GigRequest, Invitation
from bookings.models import Booking
from gigbook.core.errors import DomainError
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import ordered, post

# Reference data (instruments) removed by a transactional test's flush is restored by tests/conftest.py;
# Django's serialized_rollback is not used: its snapshot clashes with content types recreated by an
# earlier flush (duplicate key on django_content_type) depending on test order.
pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 24


def race(invitations, *, via_token=False):
    """Start every accept at once (threads, each with its own database connection)."""
    barrier = threading.Barrier(len(invitations))
    outcomes: dict[int, str] = {}

    def accept(invitation):
        try:
            barrier.wait(timeout=30)
            services.invitation_accept(invitation_id=invitation.pk, actor=invitation.musician)
            outcomes[invitation.pk] = "won"
        except DomainError as exc:
            outcomes[invitation.pk] = exc.code
        except Exception as exc:  # anything else is a bug the assertion below shows
            outcomes[invitation.pk] = f"crash: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(i,)) for i in invitations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_accepts_of_one_chair_make_exactly_one_booking(now, producer, venue, players, eager_celery):
    assert connection.vendor == "postgresql"
    for n in range(RACERS):
        players(lat_lng=(51.5300 + n / 2000, -0.1700))
    request = post(producer, venue, strategy="broadcast")
    invitations = ordered(request)
    assert len(invitations) == RACERS and {i.status for i in invitations} == {Invitation.Status.SENT}

    outcomes = race(invitations)

    assert Counter(outcomes.values()) == {"won": 1, "gig_filled": RACERS - 1}, outcomes
    assert Booking.objects.count() == 1
    [winner_id] = [pk for pk, outcome in outcomes.items() if outcome == "won"]
    winner = Invitation.objects.get(pk=winner_id)
    booking = Booking.objects.get()
    assert booking.musician_id == winner.musician_id and booking.status == Booking.Status.ACCEPTED
    assert Chair.objects.get(request=request).booking == booking
    assert GigRequest.objects.get(pk=request.pk).status == GigRequest.Status.FILLED
    statuses = Counter(Invitation.objects.filter(request=request).values_list("status", flat=True))
    assert statuses == {"accepted": 1, "withdrawn": RACERS - 1}
    # Each loser hears "filled" exactly once; the winner and the producer one confirmation each.
    filled = Counter(Notification.objects.filter(kind="gig_request_filled").values_list("recipient_id", flat=True))
    assert len(filled) == RACERS - 1 and set(filled.values()) == {1}
    assert winner.musician_id not in filled
    assert Notification.objects.filter(kind="booking_accepted").count() == 2


def test_two_chairs_two_winners(now, producer, venue, players, eager_celery):
    for n in range(RACERS):
        players(instruments=("violin",), lat_lng=(51.5300 + n / 2000, -0.1700))
    request = post(producer, venue, strategy="broadcast", chairs=[{"instrument": "violin", "count": 2}])

    outcomes = race(ordered(request, "violin"))

    assert Counter(outcomes.values()) == {"won": 2, "gig_filled": RACERS - 2}, outcomes
    assert Booking.objects.count() == 2
    assert Chair.objects.filter(request=request, booking__isnull=False).count() == 2


def test_the_same_idempotency_key_posted_twice_at_once_makes_one_request(now, producer, venue, players):
    from tests.gigrequests.factories import gig_data

    players(lat_lng=(51.5300, -0.1700))
    barrier = threading.Barrier(2)
    made = []

    def create():
        try:
            barrier.wait(timeout=30)
            made.append(services.gig_request_create(producer=producer, data=gig_data(venue), idempotency_key="k-1").pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(made) == 2 and made[0] == made[1]
    assert GigRequest.objects.count() == 1
    assert Notification.objects.filter(kind="gig_request_offer").count() == 1
