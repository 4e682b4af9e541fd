"""The accepting process dies between commit and rendering its confirmations: a real process killed
at that point, a real Celery worker and a real SMTP server. The sweep finds the waiting deliveries,
the worker renders each confirmation itself and sends it once, with the text and .ics the accept
would have sent."""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from django.conf import settings as django_settings
from django.db import connection

from bookings import messages
from bookings.models import Booking
from gigbook.notifications.models import Delivery, Notification
from gigbook.notifications.tasks import sweep_pending_deliveries
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
DIES_AFTER_COMMIT = """
import os, sys
import django
django.setup()
from bookings import services
from bookings.services import accept
from gigbook.accounts.models import User

def die(booking, written):
    os._exit(9)  # committed, nothing rendered, nothing enqueued

accept._render_confirmations = die
services.booking_accept(booking_id=int(sys.argv[1]), actor=User.objects.get(pk=int(sys.argv[2])))
"""


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def confirmations(smtp_server) -> list:
    # The musician's offer email is in the same server (the offer was made before the worker ran).
    return [m for m in list(smtp_server.handler.messages) if m["Subject"].startswith("GigBook: Confirmed:")]


def received(smtp_server) -> Counter:
    return Counter(message["To"] for message in confirmations(smtp_server))


def test_accept_killed_after_commit_each_confirmation_arrives_once_rendered_by_the_worker(
    frozen_clock, make_user, smtp_server, celery_worker_process, settings
):
    started_at = frozen_clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    producer = make_user(producer=True, full_name="Pat Producer", email="pat@example.com")
    player = make_user(musician=True, full_name="Mia Musician", email="mia@example.com")
    venue = make_venue(producer)
    booking = offer(producer, make_profile(player), venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=UTC))

    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gigbook.settings_test", "REDIS_URL": settings.REDIS_URL,
           "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    died = subprocess.run([sys.executable, "-c", DIES_AFTER_COMMIT, str(booking.pk), str(player.pk)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr

    accepted = Booking.objects.get(pk=booking.pk)
    assert accepted.status == Booking.Status.ACCEPTED
    waiting = list(Notification.objects.filter(kind="booking_accepted").order_by("recipient_id"))
    assert [(n.body, n.render_args) for n in waiting] == [("", {"booking": booking.pk, "sequence": accepted.sequence})] * 2
    assert set(Delivery.objects.filter(notification__in=waiting).values_list("channel", "status")) == {("email", "pending")}

    celery_worker_process(env={"EMAIL_URL": smtp_server.url})
    # Nothing was enqueued: the beat sweep finds the deliveries once their grace period is over.
    frozen_clock.set(started_at + timedelta(seconds=django_settings.NOTIFICATION_SWEEP_GRACE_SECONDS + 1))
    assert sweep_pending_deliveries() >= 2  # and the offer's email, still pending too
    addresses = {producer.email, player.email}
    assert wait_for(lambda: set(received(smtp_server)) == addresses), received(smtp_server)
    assert wait_for(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"sent"})
    time.sleep(1.5)  # room for any (wrong) second send
    assert sweep_pending_deliveries() == 0
    assert received(smtp_server) == Counter({producer.email: 1, player.email: 1})

    for user in (producer, player):
        row = Notification.objects.get(recipient=user, kind="booking_accepted")
        body, attachments = messages.accepted_content(accepted, user, stamp=row.created_at)
        assert (row.body, row.attachments, row.render_args) == (body, attachments, None)
        [message] = [m for m in confirmations(smtp_server) if m["To"] == user.email]
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
        assert "The booking is confirmed." in text and venue.name in text
        [ics] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert ics.get_param("method") == "REQUEST"
        assert ics.get_payload(decode=True).decode().replace("\r\n", "\n") == attachments[0]["content"].replace("\r\n", "\n")
        [event] = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
        assert event.decoded("DTSTART") == booking.starts_at and int(event["SEQUENCE"]) == accepted.sequence
