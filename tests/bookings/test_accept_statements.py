"""Accept's cost: an HTTP accept through the real stack (token auth, DRF, service, response) in a
bounded number of SQL statements, its confirmations complete (rendered after commit) when it answers;
a player who lost the race is told without waiting for the booking's row; the confirmations quote the
booking as committed, also when it changed between the unlocked read and the locks."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Booking, Venue
from bookings.services.common import BookingConflict
from gigbook.notifications.models import Delivery, Notification
from tests.bookings.factories import offer

MAX_STATEMENTS = 16


@pytest.mark.django_db
def test_http_accept_is_at_most_sixteen_statements(now, producer, musician, profile, venue):
    musician.phone, musician.phone_verified_at = "+447911123456", now
    musician.save(update_fields=["phone", "phone_verified_at"])
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=now.tzinfo))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=musician).key}")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/bookings/{booking.pk}/accept/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["allowed_actions"] == ["cancel"]
    assert [event["action"] for event in body["history"]] == ["offer", "accept"], body["history"]
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    # Nothing was skipped to get there: both sides told once, with their channels.
    accepted = Notification.objects.filter(kind="booking_accepted")
    assert sorted(accepted.values_list("recipient_id", flat=True)) == sorted([producer.pk, musician.pk])
    assert set(Delivery.objects.filter(notification__in=accepted, notification__recipient=musician)
               .values_list("channel", flat=True)) == {"email", "sms"}
    # Rendered and stored after commit, before the response.
    for note in accepted:
        assert note.render_args is None and note.body.startswith("The booking is confirmed.")
        assert note.attachments[0]["mimetype"] == "text/calendar; method=REQUEST"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ACCEPTED


@pytest.mark.django_db
def test_confirmations_quote_the_booking_as_committed_when_it_changed_after_the_unlocked_read(
    now, producer, musician, profile, venue
):
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=now.tzinfo))
    snapshot = services.booking_read_for_party(booking_id=booking.pk, actor=musician)
    # The venue is renamed between the unlocked read and the locks.
    Venue.objects.filter(pk=venue.pk).update(name="Studio Two (renamed)")
    services.booking_accept(booking_id=booking.pk, actor=musician, snapshot=snapshot)
    bodies = list(Notification.objects.filter(kind="booking_accepted").values_list("body", flat=True))
    assert len(bodies) == 2 and all("Studio Two (renamed)" in body for body in bodies)


@pytest.mark.django_db(transaction=True)
def test_a_player_who_lost_the_race_is_told_without_waiting_for_the_booking_row(
    frozen_clock, producer, musician, profile, venue
):
    from tests.bookings.conftest import NOW

    frozen_clock.set(NOW)
    start = datetime(2027, 6, 5, 9, 0, tzinfo=NOW.tzinfo)
    won = offer(producer, profile, venue=venue, starts_at=start)
    lost = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    services.booking_accept(booking_id=won.pk, actor=musician)
    holding, release = threading.Event(), threading.Event()

    def hold_the_losers_row():
        from django.db import connection as own
        from django.db import transaction

        with transaction.atomic():
            Booking.objects.select_for_update().filter(pk=lost.pk).first()
            holding.set()
            release.wait(10)
        own.close()

    other = threading.Thread(target=hold_the_losers_row)
    other.start()
    assert holding.wait(10)
    try:
        with connection.cursor() as cursor:
            # Waiting for the row would fail this test, not hang it.
            cursor.execute("SET lock_timeout = '3s'")
        with pytest.raises(BookingConflict):
            services.booking_accept(booking_id=lost.pk, actor=musician)
    finally:
        release.set()
        other.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert Booking.objects.get(pk=lost.pk).status == Booking.Status.OFFERED
