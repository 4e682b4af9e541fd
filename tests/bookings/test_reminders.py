"""Reminders 24 h and 2 h before an accepted booking: from stored times, swept, sent once each."""

import time
from datetime import timedelta

import pytest

from bookings import services
from bookings.models import Booking
from bookings.tasks import send_due_reminders
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue, offer


def reminders(which=None):
    qs = Notification.objects.filter(kind__startswith="booking_reminder")
    if which:
        qs = qs.filter(kind=f"booking_reminder_{which}")
    return list(qs.order_by("recipient_id"))


@pytest.fixture
def accepted(now, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    return services.booking_accept(booking_id=booking.pk, actor=musician)


@pytest.mark.django_db
def test_each_reminder_fires_once_at_its_time(accepted, producer, musician, frozen_clock):
    start = accepted.starts_at
    frozen_clock.set(start - timedelta(hours=24, seconds=1))
    assert services.reminders_send_due() == 0

    frozen_clock.set(start - timedelta(hours=24))
    assert services.reminders_send_due() == 1
    sent = reminders("24h")
    assert [n.recipient_id for n in sent] == sorted([producer.pk, musician.pk])
    assert "tomorrow" in sent[0].title
    assert all(n.created_at == start - timedelta(hours=24) for n in sent)

    frozen_clock.advance(timedelta(minutes=1))
    assert services.reminders_send_due() == 0  # a second sweep, a restarted worker: nothing again
    frozen_clock.set(start - timedelta(hours=2, minutes=1))
    assert services.reminders_send_due() == 0

    frozen_clock.set(start - timedelta(hours=2))
    assert services.reminders_send_due() == 1
    assert len(reminders("2h")) == 2
    assert "in 2 hours" in reminders("2h")[0].title
    frozen_clock.advance(timedelta(minutes=30))
    assert services.reminders_send_due() == 0
    assert len(reminders()) == 4


@pytest.mark.django_db
def test_no_reminders_for_a_cancelled_booking(accepted, producer, frozen_clock):
    services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="Off")
    for moment in (timedelta(hours=24), timedelta(hours=2)):
        frozen_clock.set(accepted.starts_at - moment)
        assert services.reminders_send_due() == 0
    assert reminders() == []


@pytest.mark.django_db
def test_booking_accepted_inside_24_hours_gets_only_the_2_hour_reminder(now, producer, musician, profile, venue,
                                                                         frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(hours=10))
    booking = services.booking_accept(booking_id=booking.pk, actor=musician)
    assert booking.remind_24h_at is None
    frozen_clock.set(booking.starts_at - timedelta(hours=2))
    assert services.reminders_send_due() == 1
    assert reminders("24h") == [] and len(reminders("2h")) == 2


@pytest.mark.django_db
def test_a_late_sweep_skips_the_stale_24_hour_reminder(accepted, frozen_clock):
    # Beat was down for a day: at 90 minutes before the start only the 2 h reminder still makes sense.
    frozen_clock.set(accepted.starts_at - timedelta(minutes=90))
    assert services.reminders_send_due() == 1
    assert reminders("24h") == [] and len(reminders("2h")) == 2
    stored = Booking.objects.get(pk=accepted.pk)
    assert stored.reminded_24h_at is not None  # marked, so it is never sent later either


@pytest.mark.django_db
def test_no_reminder_once_the_gig_has_started(accepted, frozen_clock):
    frozen_clock.set(accepted.starts_at + timedelta(minutes=1))
    assert services.reminders_send_due() == 0
    assert reminders() == []


@pytest.mark.django_db
def test_the_same_reminder_claimed_twice_sends_once(accepted, frozen_clock):
    frozen_clock.set(accepted.starts_at - timedelta(hours=24))
    assert services.booking_remind(booking_id=accepted.pk, which="24h") is True
    assert services.booking_remind(booking_id=accepted.pk, which="24h") is False
    assert len(reminders("24h")) == 2


@pytest.mark.django_db
def test_reminders_for_several_bookings_and_time_zones(now, producer, musician, profile, venue, make_user,
                                                        frozen_clock):
    tokyo = make_venue(producer, name="Sony Tokyo", time_zone="Asia/Tokyo", latitude=35.66, longitude=139.7)
    other = make_user(musician=True, time_zone="Asia/Tokyo")
    other_profile = make_profile(other)
    london = services.booking_accept(
        booking_id=offer(producer, profile, venue=venue, starts_at=now + timedelta(days=2)).pk, actor=musician)
    japan = services.booking_accept(
        booking_id=offer(producer, other_profile, venue=tokyo, starts_at=now + timedelta(days=2)).pk, actor=other)
    frozen_clock.set(now + timedelta(days=1))
    assert services.reminders_send_due() == 2
    assert {n.recipient_id for n in reminders("24h")} == {producer.pk, musician.pk, other.pk}
    tokyo_note = Notification.objects.get(recipient=other, kind="booking_reminder_24h")
    assert "(Asia/Tokyo)" in tokyo_note.body
    assert london.remind_2h_at == japan.remind_2h_at


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminder_sweep_run_by_a_real_worker_twice_sends_once(make_user, celery_worker_process, frozen_clock):
    from datetime import UTC, datetime

    start_now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    frozen_clock.set(start_now)
    producer = make_user(producer=True, email="p@example.com")
    musician = make_user(musician=True, email="m@example.com")
    profile = make_profile(musician)
    venue = make_venue(producer)
    booking = offer(producer, profile, venue=venue, starts_at=start_now + timedelta(days=2))
    services.booking_accept(booking_id=booking.pk, actor=musician)

    celery_worker_process()
    # The worker process reads the same moved clock through Redis.
    frozen_clock.set(booking.starts_at - timedelta(hours=24))
    send_due_reminders.delay()
    send_due_reminders.delay()  # beat firing twice, or a redelivered message
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(reminders("24h")) < 2:
        time.sleep(0.1)
    time.sleep(1.0)
    assert len(reminders("24h")) == 2
    assert Booking.objects.get(pk=booking.pk).reminded_24h_at == booking.starts_at - timedelta(hours=24)
