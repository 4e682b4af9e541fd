from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from gigbook.notifications import services
from gigbook.notifications.models import Delivery, Notification
from gigbook.notifications.sms import MemorySMSBackend
from gigbook.notifications.tasks import sweep_pending_deliveries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def reachable_musician(make_user):
    return make_user(musician=True, email="reach@example.com", phone="+447911123456")


def _notify(user, **overrides):
    fields = {
        "recipient": user,
        "kind": "offer",
        "title": "New gig offer",
        "body": "Bass, Fri 10:00 at Abbey Road",
        "url": "/gigs/1/",
        "sms_text": "Bass gig Fri 10:00",
    }
    fields.update(overrides)
    return services.notify(**fields)


def test_notify_writes_outbox_row_and_one_delivery_per_enabled_channel(reachable_musician):
    notification = _notify(reachable_musician)
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"email", "sms"}
    assert set(notification.deliveries.values_list("status", flat=True)) == {"pending"}


def test_channels_follow_user_settings(make_user):
    no_phone = make_user(email="nophone@example.com")
    assert list(_notify(no_phone).deliveries.values_list("channel", flat=True)) == ["email"]
    quiet = make_user(email="quiet@example.com", phone="+447911123456", notify_by_email=False, notify_by_sms=False)
    assert _notify(quiet).deliveries.count() == 0


def test_notification_rolls_back_with_the_event(reachable_musician):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(reachable_musician)
        raise RuntimeError("the event failed")
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_delivery_is_enqueued_only_after_commit(reachable_musician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(reachable_musician)
    assert len(callbacks) == 1


def test_same_dedupe_key_writes_once(reachable_musician):
    first = _notify(reachable_musician, dedupe_key="reminder-24h:booking-7")
    second = _notify(reachable_musician, dedupe_key="reminder-24h:booking-7")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_deliver_sends_each_channel_once_even_when_run_twice(reachable_musician):
    notification = _notify(reachable_musician, attachments=[{"filename": "gig.ics", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "mimetype": "text/calendar"}])
    assert services.notification_deliver(notification_id=notification.id) == {"email": "sent", "sms": "sent"}
    assert services.notification_deliver(notification_id=notification.id) == {"email": "sent", "sms": "sent"}
    assert len(mail.outbox) == 1
    assert len(MemorySMSBackend.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reach@example.com"]
    assert "http://127.0.0.1:8000/gigs/1/" in message.body
    assert message.attachments[0][0] == "gig.ics"
    assert MemorySMSBackend.outbox[0]["to"] == "+447911123456"
    assert MemorySMSBackend.outbox[0]["text"] == (
        "Bass gig Fri 10:00 http://127.0.0.1:8000/gigs/1/ Settings: http://127.0.0.1:8000/account/"
    )


def test_user_text_is_escaped_in_html_email(make_user):
    user = make_user(email="x@example.com")
    notification = _notify(user, body="<script>alert(1)</script>")
    services.notification_deliver(notification_id=notification.id)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


class _FlakySMS:
    failures_left = 2

    def send(self, *, to, text):
        from gigbook.notifications.sms import SMSError

        if _FlakySMS.failures_left > 0:
            _FlakySMS.failures_left -= 1
            raise SMSError("provider timeout")
        MemorySMSBackend.outbox.append({"to": to, "text": text})
        return "ok"


class _RejectingSMS:
    def send(self, *, to, text):
        from gigbook.notifications.sms import SMSError

        raise SMSError("invalid number", transient=False)


def test_failed_channel_is_recorded_and_retried_with_backoff(reachable_musician, settings, frozen_clock):
    # The SMS provider is outside our machine, so a stand-in for it is fair game here.
    settings.SMS_BACKEND = f"{__name__}._FlakySMS"
    _FlakySMS.failures_left = 2
    start = frozen_clock.set(frozen_clock.now())
    notification = _notify(reachable_musician)
    results = services.notification_deliver(notification_id=notification.id)
    assert results == {"email": "sent", "sms": "pending"}
    sms = notification.deliveries.get(channel="sms")
    assert sms.attempts == 1
    assert "provider timeout" in sms.last_error
    assert sms.next_attempt_at == start + timedelta(seconds=30)
    # Not due yet: nothing happens, nothing is sent twice.
    assert services.notification_deliver(notification_id=notification.id)["sms"] == "pending"
    sms.refresh_from_db()
    assert sms.attempts == 1
    frozen_clock.advance(timedelta(seconds=31))
    assert services.notification_deliver(notification_id=notification.id)["sms"] == "pending"
    sms.refresh_from_db()
    assert sms.next_attempt_at == frozen_clock.now() + timedelta(seconds=60)
    frozen_clock.advance(timedelta(seconds=61))
    assert services.notification_deliver(notification_id=notification.id)["sms"] == "sent"
    assert len(MemorySMSBackend.outbox) == 1
    assert len(mail.outbox) == 1


def test_permanent_failure_is_recorded_not_retried(reachable_musician, settings):
    settings.SMS_BACKEND = f"{__name__}._RejectingSMS"
    notification = _notify(reachable_musician)
    assert services.notification_deliver(notification_id=notification.id)["sms"] == "failed"
    sms = notification.deliveries.get(channel="sms")
    assert sms.status == "failed"
    assert "invalid number" in sms.last_error


def test_sweep_requeues_only_what_is_overdue(reachable_musician, frozen_clock, settings, eager_celery):
    frozen_clock.set(frozen_clock.now())
    fresh = _notify(reachable_musician, title="fresh")
    assert services.deliveries_due_notification_ids() == []
    frozen_clock.advance(timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS + 1))
    assert services.deliveries_due_notification_ids() == [fresh.id]
    assert sweep_pending_deliveries() == 1
    assert len(mail.outbox) == 1
    assert services.deliveries_due_notification_ids() == []


def test_a_delivery_stuck_in_sending_is_reclaimed_after_the_lease(reachable_musician, frozen_clock, settings):
    frozen_clock.set(frozen_clock.now())
    notification = _notify(reachable_musician)
    email = notification.deliveries.get(channel="email")
    assert services.delivery_claim(delivery_id=email.id)  # a worker claimed it, then died
    assert not services.delivery_claim(delivery_id=email.id)
    frozen_clock.advance(timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1))
    assert notification.id in services.deliveries_due_notification_ids()
    assert services.notification_deliver(notification_id=notification.id)["email"] == "sent"
    email.refresh_from_db()
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_notifications_of_one_transaction_are_enqueued_together(make_user, django_capture_on_commit_callbacks, eager_celery):
    users = [make_user(email=f"batch{n}@example.com") for n in range(30)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for user in users:
            _notify(user)
    callbacks[0]()  # the first callback after the commit sends every id gathered (in batches of 25)
    assert len(mail.outbox) == 30
    for callback in callbacks[1:]:
        callback()  # the others find nothing left to send
    assert len(mail.outbox) == 30
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_rolled_back_savepoint_does_not_strand_later_notifications(
    make_user, django_capture_on_commit_callbacks, eager_celery
):
    first, second = make_user(email="first@example.com"), make_user(email="second@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify(first)
            raise RuntimeError("inner work failed")
        _notify(second)
    assert [message.to for message in mail.outbox] == [["second@example.com"]]


def test_batch_delivery_reports_each_notification(reachable_musician, make_user):
    other = make_user(email="other@example.com")
    a, b = _notify(reachable_musician), _notify(other)
    results = services.notifications_deliver(notification_ids=[a.id, b.id, 999999])
    assert results == {a.id: {"email": "sent", "sms": "sent"}, b.id: {"email": "sent"}, 999999: {}}
    assert services.notifications_deliver(notification_ids=[a.id]) == {a.id: {"email": "sent", "sms": "sent"}}
    assert len(mail.outbox) == 2
