"""Engagement messages as they arrive: a real Celery worker sends them to a real SMTP server, once.

The offer reaches the musician as one email listing every date with its zone; the partial answer
reaches each side as one email carrying one calendar invitation per confirmed date, each read back
with every parser of test_calendar_dst. The feed shows each date as its own event, for every parser.
"""

from __future__ import annotations

import time

import pytest

from bookings.engagements import services
from tests.bookings.engagement_helpers import date_bookings, offer_engagement
from tests.bookings.factories import make_profile, make_venue
from tests.bookings.test_calendar_dst import READERS, expected_instants, feed_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def mails(smtp_server, address, subject_part):
    return [m for m in smtp_server.handler.messages if m["To"] == address and subject_part in m["Subject"]]


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_offer_and_partial_answer_arrive_once_with_one_invitation_per_confirmed_date(
        now, make_user, smtp_server, celery_worker_process, client_for, api_client):
    celery_worker_process(env={"EMAIL_URL": smtp_server.url})
    producer = make_user(producer=True, full_name="Pat Producer", email="pat@example.com")
    player = make_user(musician=True, full_name="Mia Musician", email="mia@example.com")
    engagement = offer_engagement(producer, make_profile(player), make_venue(producer), allow_partial=True)
    first, second, third = date_bookings(engagement)

    assert wait_for(lambda: mails(smtp_server, player.email, "offers you 3 dates"))
    [offered] = mails(smtp_server, player.email, "offers you 3 dates")
    text = next(p.get_payload(decode=True).decode() for p in offered.walk() if p.get_content_type() == "text/plain")
    for day in ("Sat 05 Jun 2027, 19:00", "Sun 06 Jun 2027, 19:00", "Sat 12 Jun 2027, 19:00"):
        assert day in text
    assert "(Europe/London)" in text and "/engagements/o/" in text

    services.engagement_accept(engagement_id=engagement.pk, actor=player, bookings=[first.pk, third.pk])
    for address in (producer.email, player.email):
        assert wait_for(lambda a=address: mails(smtp_server, a, "2 of 3 dates confirmed")), address
    time.sleep(2)  # a duplicate delivery would have arrived by now
    for address in (producer.email, player.email):
        [answered] = mails(smtp_server, address, "2 of 3 dates confirmed")
        parts = [p for p in answered.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 2
        for part, booking in zip(parts, (first, third), strict=True):
            ics = part.get_payload(decode=True).decode()
            for name, read in READERS.items():
                assert read(ics) == expected_instants([booking]), (address, name)
    assert len(mails(smtp_server, player.email, "offers you 3 dates")) == 1

    feed = feed_text(client_for, api_client, player)
    for name, read in READERS.items():
        assert read(feed) == expected_instants([first, third]), name
