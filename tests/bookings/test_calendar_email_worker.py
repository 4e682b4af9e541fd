"""Calendar invitations as they arrive: a real Celery worker sends them to a real SMTP server.

A London booking that ends in the repeated hour of the fall-back night is confirmed, then cancelled;
the two emails each party receives carry ``text/calendar; method=REQUEST`` and then ``method=CANCEL``
parts, read back with every parser of test_calendar_dst.
"""

import time
from datetime import UTC, datetime

import icalendar
import pytest

from bookings import services
from tests.bookings.factories import make_profile, make_venue, offer
from tests.bookings.test_calendar_dst import READERS, expected_instants

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def calendar_parts(smtp_server, address):
    parts = []
    for message in smtp_server.handler.messages:
        if message["To"] == address:
            parts.extend(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return parts


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_confirmation_and_cancellation_arrive_as_itip_request_then_cancel(now, make_user, smtp_server,
                                                                          celery_worker_process):
    celery_worker_process(env={"EMAIL_URL": smtp_server.url})
    producer = make_user(producer=True, full_name="Pat Producer", email="pat@example.com")
    player = make_user(musician=True, full_name="Mia Musician", email="mia@example.com")
    venue = make_venue(producer)
    booking = offer(producer, make_profile(player), venue=venue, starts_at=datetime(2027, 10, 30, 23, 0, tzinfo=UTC),
                    ends_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC))  # ends 01:30 GMT, the second 01:30
    services.booking_accept(booking_id=booking.pk, actor=player)
    services.booking_cancel(booking_id=booking.pk, actor=producer, reason="Studio flooded")

    addresses = (producer.email, player.email)
    assert wait_for(lambda: all(len(calendar_parts(smtp_server, a)) == 2 for a in addresses)), [
        len(calendar_parts(smtp_server, a)) for a in addresses]
    booking.refresh_from_db()
    for address in addresses:
        request, cancel = sorted(calendar_parts(smtp_server, address), key=lambda p: p.get_param("method") != "REQUEST")
        assert (request.get_param("method"), cancel.get_param("method")) == ("REQUEST", "CANCEL")
        events = []
        for part in (request, cancel):
            text = part.get_payload(decode=True).decode()
            for name, read in READERS.items():
                assert read(text) == expected_instants([booking]), (address, part.get_param("method"), name)
            cal = icalendar.Calendar.from_ical(text)
            assert str(cal["METHOD"]) == part.get_param("method")
            [event] = cal.walk("VEVENT")
            events.append(event)
        assert str(events[0]["UID"]) == str(events[1]["UID"])
        assert int(events[1]["SEQUENCE"]) > int(events[0]["SEQUENCE"])
        assert (str(events[0]["STATUS"]), str(events[1]["STATUS"])) == ("CONFIRMED", "CANCELLED")
