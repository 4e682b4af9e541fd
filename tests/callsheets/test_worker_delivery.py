"""A real Celery worker sends the call-sheet messages and reminders to a real SMTP server, each once."""

import time
from datetime import timedelta

import pytest

from bookings.callsheets import services
from gigbook.notifications import services as notification_services
from gigbook.notifications.models import Delivery, Notification
from tests.callsheets.factories import later

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def subjects(smtp_server, address, word):
    return [m["Subject"] for m in smtp_server.handler.messages if m["To"] == address and word in m["Subject"]]


def test_the_change_and_its_reminders_arrive_once_each(session, producer, frozen_clock, now, smtp_server,
                                                       celery_worker_process):
    celery_worker_process(env={"EMAIL_URL": smtp_server.url})
    sax = session.bookings["alto-sax"]
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, materials=[
        {"title": "Alto part", "instruments": ["alto-sax"]}], **later(session, timedelta(hours=1)))
    addresses = {slug: m.email for slug, m in session.musicians.items()}
    assert wait_for(lambda: all(subjects(smtp_server, a, "call sheet changed") for a in addresses.values()))
    services.call_sheet_confirm(booking_id=sax.pk, actor=session.musicians["alto-sax"], version=2)

    frozen_clock.set(now + timedelta(hours=6))
    assert services.call_sheet_reminders_send_due() == 2
    assert services.call_sheet_reminders_send_due() == 0  # a second beat tick: nothing more
    assert wait_for(lambda: all(subjects(smtp_server, addresses[s], "Reminder: please confirm") for s in ("drums",
                                                                                                        "double-bass")))
    # Re-enqueue everything the sweep would, as a restarted beat would: still nothing twice.
    for ids in [notification_services.deliveries_due_notification_ids()]:
        notification_services.notifications_deliver(notification_ids=ids)
    time.sleep(2)
    for slug, address in addresses.items():
        assert len(subjects(smtp_server, address, "call sheet changed")) == 1, slug
        assert len(subjects(smtp_server, address, "Reminder: please confirm")) == (0 if slug == "alto-sax" else 1)
    sheet_mail = Delivery.objects.filter(notification__kind__startswith="callsheet_", channel="email")
    assert sheet_mail.count() == 5 and set(sheet_mail.values_list("status", flat=True)) == {"sent"}
    def mail(slug):
        return next(m for m in smtp_server.handler.messages
                    if m["To"] == addresses[slug] and "call sheet changed" in m["Subject"])

    def text(message):
        return "".join(p.get_payload(decode=True).decode() for p in message.walk()
                       if p.get_content_type() == "text/plain")

    drummer_mail = mail("drums")
    assert "Alto part" in text(mail("alto-sax")) and "Alto part" not in text(drummer_mail)
    assert any(p.get_content_type() == "text/calendar" for p in drummer_mail.walk())
    assert Notification.objects.filter(kind="callsheet_reminder").count() == 2
