"""The demo seed: venues in a few cities, bookings in every state, the open offer the demo musician answers.

Runs the accounts seeder and this app's seeder with small hand-made profiles for the demo players
(the full ``seed_demo``, with 200 musicians, is exercised by tests/core)."""

import pytest

from bookings import demo
from bookings.models import Booking, BookingEvent, Venue
from gigbook.accounts import demo as accounts_demo
from gigbook.accounts.models import User
from gigbook.notifications.models import Notification
from musicians.models import BusyInterval
from tests.bookings.factories import make_profile

pytestmark = pytest.mark.django_db


def test_demo_seed_has_every_state_and_is_idempotent():
    accounts_demo.seed()
    for email in ("musician@gigbook.test", "bass@gigbook.test", "drums@gigbook.test"):
        make_profile(User.objects.get(email=email))
    demo.seed()

    assert {v.city for v in Venue.objects.all()} >= {"London", "Berlin", "Los Angeles", "Nashville"}
    assert set(Booking.objects.values_list("status", flat=True)) == set(Booking.Status.values)
    open_offer = Booking.objects.get(producer__email="producer@gigbook.test", musician__email="musician@gigbook.test",
                                     status="offered")
    link = Notification.objects.get(recipient__email="musician@gigbook.test", kind="booking_offered").url
    assert link.startswith("/o/")
    assert BookingEvent.objects.filter(booking=open_offer).count() == 1
    holding = Booking.objects.filter(status__in=["accepted", "completed"]).count()
    assert BusyInterval.objects.filter(source="booking").count() == holding
    for booking in Booking.objects.all():  # every history ends in the booking's current state
        assert booking.events.order_by("at", "id").last().to_status == booking.status

    counts = (Venue.objects.count(), Booking.objects.count(), BookingEvent.objects.count())
    demo.seed()
    assert (Venue.objects.count(), Booking.objects.count(), BookingEvent.objects.count()) == counts


def test_demo_seed_without_musician_profiles_only_adds_venues():
    accounts_demo.seed()
    demo.seed()
    assert Venue.objects.exists()
    assert not Booking.objects.exists()


def test_demo_seed_pencils_the_demo_musician_twice_on_one_date_once(settings):
    from django.core.management import call_command

    from bookings.models import Hold

    settings.DEBUG = True
    import io

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    holds = list(Hold.objects.filter(musician__email="musician@gigbook.test").order_by("rank"))
    assert [(h.rank, h.status) for h in holds] == [(1, "held"), (2, "held")]
    assert holds[0].starts_at.date() == holds[1].starts_at.date()
    assert holds[0].producer != holds[1].producer
