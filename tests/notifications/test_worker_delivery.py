"""Delivery through a real Celery worker, the real Redis broker and a real SMTP server."""

import json
import time
from datetime import timedelta

import pytest
from django.db import transaction

from gigbook.notifications import services
from gigbook.notifications.models import Delivery
from gigbook.notifications.tasks import deliver_notification, sweep_pending_deliveries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(predicate, timeout=20.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def statuses(notification):
    return dict(Delivery.objects.filter(notification=notification).values_list("channel", "status"))


def test_notification_sent_twice_to_the_worker_is_delivered_once_per_channel(
    make_user, smtp_server, celery_worker_process, tmp_path
):
    sms_dir = tmp_path / "sms"
    celery_worker_process(
        env={
            "EMAIL_URL": smtp_server.url,
            "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
            "SMS_FILE_PATH": str(sms_dir),
        }
    )
    user = make_user(email="twice@example.com", phone="+447911123456")
    with transaction.atomic():
        notification = services.notify(
            recipient=user, kind="offer", title="Gig offer", body="Keys, Sat", url="/gigs/3/", sms_text="Keys gig Sat"
        )
    # The commit already enqueued one task; send two more copies as a duplicated/retried message would.
    deliver_notification.delay(notification.id)
    deliver_notification.delay(notification.id)

    assert wait_for(lambda: statuses(notification) == {"email": "sent", "sms": "sent"}), statuses(notification)
    time.sleep(1.5)  # give any duplicate a chance to (wrongly) send again
    assert len(smtp_server.handler.messages) == 1
    assert smtp_server.handler.messages[0]["To"] == "twice@example.com"
    sms_files = sorted(sms_dir.glob("*.json"))
    assert len(sms_files) == 1
    assert json.loads(sms_files[0].read_text())["text"] == (
        "Keys gig Sat http://127.0.0.1:8000/gigs/3/ Settings: http://127.0.0.1:8000/account/"
    )


def test_worker_killed_mid_delivery_then_restarted_delivers_once(
    make_user, smtp_server, celery_worker_process, frozen_clock, settings
):
    worker_env = {"EMAIL_URL": smtp_server.url}
    frozen_clock.set(frozen_clock.now())
    smtp_server.handler.delay = 30  # the SMTP server is slow: the worker is mid-send when it dies
    worker = celery_worker_process(env=worker_env, name="doomed")
    user = make_user(email="killed@example.com")
    with transaction.atomic():
        notification = services.notify(recipient=user, kind="confirmed", title="Booking confirmed", body="See you there")

    assert smtp_server.handler.data_started.wait(20), worker.log()
    assert statuses(notification) == {"email": "sending"}
    worker.kill()  # SIGKILL to the whole worker: no chance to finish, ack or clean up
    time.sleep(0.5)
    assert smtp_server.handler.messages == []

    smtp_server.handler.delay = 0
    celery_worker_process(env=worker_env, name="restarted")
    # The sweep (run by beat every minute) finds the delivery whose lease ran out and re-enqueues it.
    frozen_clock.advance(timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1))
    assert sweep_pending_deliveries() == 1
    assert wait_for(lambda: statuses(notification) == {"email": "sent"}), statuses(notification)
    time.sleep(1.0)
    assert len(smtp_server.handler.messages) == 1
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.attempts == 2
    assert sweep_pending_deliveries() == 0


def test_worker_survives_its_database_connections_being_cut(make_user, smtp_server, celery_worker_process):
    """As after a PostgreSQL restart: every server-side connection of the worker is terminated."""
    from django.db import connection

    celery_worker_process(env={"EMAIL_URL": smtp_server.url}, concurrency=1)
    user = make_user(email="restart@example.com")
    with transaction.atomic():
        first = services.notify(recipient=user, kind="k", title="Before restart", body="one")
    assert wait_for(lambda: statuses(first) == {"email": "sent"}), statuses(first)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1

    with transaction.atomic():
        second = services.notify(recipient=user, kind="k", title="After restart", body="two")
    assert wait_for(lambda: statuses(second) == {"email": "sent"}), statuses(second)
    assert [m["Subject"] for m in smtp_server.handler.messages] == ["GigBook: Before restart", "GigBook: After restart"]
