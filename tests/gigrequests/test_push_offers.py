"""Short-notice offers by web push, end to end: a real Celery worker over Redis sends them with
pywebpush to a local RFC 8030 push service that decrypts them with each browser's keys; texts are
held back and go out only for pushes nobody opened in time."""

import time
from datetime import timedelta

import pytest
from django.db import transaction

from bookings.gigrequests.models import Invitation
from gigbook.notifications.models import Delivery
from gigbook.notifications.tasks import deliver_notification, sweep_pending_deliveries
from tests.gigrequests.factories import ordered, post
from tests.gigrequests.story import sms_to, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
NEAR = (51.5300, -0.1700)


def statuses(invitation: Invitation) -> dict[str, str]:
    return dict(Delivery.objects.filter(notification_id=invitation.notification_id).values_list("channel", "status"))


def test_offers_arrive_once_by_push_and_only_the_unopened_one_falls_back_to_sms_once(
    now, producer, venue, players, client_for, push_service, vapid_keys, celery_worker_process, tmp_path, api_client
):
    sms_dir = tmp_path / "sms"
    celery_worker_process(env={**vapid_keys["env"], "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
                               "SMS_FILE_PATH": str(sms_dir)})
    ann, ben, cat = (players(name, lat_lng=(NEAR[0] + n / 1000, NEAR[1])) for n, name in
                     enumerate(["Ann Bass", "Ben Bass", "Cat Bass"]))
    phones = {}
    for player in (ann, ben):  # Cat has no push: her text goes at once
        phones[player.user.pk] = push_service.browser(f"phone-{player.pk}")
        response = client_for(player.user).post("/api/push-subscriptions/", phones[player.user.pk].subscription_json(),
                                                format="json")
        assert response.status_code == 201

    with transaction.atomic():
        request = post(producer, venue, strategy="broadcast", push_fallback_minutes=3)
    invitations = {i.musician_id: i for i in ordered(request)}
    assert set(invitations) == {ann.user.pk, ben.user.pk, cat.user.pk}

    wait_for(lambda: len(push_service.received) == 2, message="two pushes")
    wait_for(lambda: len(sms_to(sms_dir, cat.user.phone)) == 1, message="Cat's text at once")
    assert push_service.refused == []
    by_endpoint = {m["endpoint"]: m for m in push_service.received}
    for player in (ann, ben):
        message = by_endpoint[phones[player.user.pk].endpoint]
        payload = message["payload"]
        assert payload["title"].startswith("Short notice: ") and "Pat Producer" in payload["title"]
        assert "/o/" in payload["url"]  # the one-tap offer page
        assert payload["urgent"] is True
        assert {k.lower(): v for k, v in message["headers"].items()}["urgency"] == "high"
        wait_for(lambda p=player: statuses(invitations[p.user.pk])["push"] == "sent", message="push recorded")
        assert statuses(invitations[player.user.pk])["sms"] == "pending"  # held back behind the push
    assert sms_to(sms_dir, ann.user.phone) == [] and sms_to(sms_dir, ben.user.phone) == []

    # Ann taps the notification: the service worker reports it with the token in the payload.
    token = by_endpoint[phones[ann.user.pk].endpoint]["payload"]["opened"]
    assert api_client.post("/api/push/opened/", {"token": token}, format="json").status_code == 204

    # Before the request's 3 minutes nothing more happens, however often beat sweeps.
    now.advance(timedelta(minutes=2, seconds=50))
    sweep_pending_deliveries.delay()
    time.sleep(1.5)
    assert sms_to(sms_dir, ann.user.phone) == [] and sms_to(sms_dir, ben.user.phone) == []

    # Past it: Ben (unopened) gets the text, once, however many sweeps and duplicate tasks run.
    now.advance(timedelta(seconds=15))
    for _ in range(3):
        sweep_pending_deliveries.delay()
    for player in (ann, ben):
        deliver_notification.delay(invitations[player.user.pk].notification_id)
    wait_for(lambda: statuses(invitations[ben.user.pk])["sms"] == "sent", message="Ben's fallback text")
    wait_for(lambda: statuses(invitations[ann.user.pk])["sms"] == "skipped", message="Ann's text not needed")
    time.sleep(1.5)
    assert len(sms_to(sms_dir, ben.user.phone)) == 1
    assert "Answer by" in sms_to(sms_dir, ben.user.phone)[0]
    assert sms_to(sms_dir, ann.user.phone) == []
    assert len(sms_to(sms_dir, cat.user.phone)) == 1
    assert len(push_service.received) == 2  # each push once


def test_a_gone_push_sends_the_held_back_text_at_once(
    now, producer, venue, players, client_for, push_service, vapid_keys, celery_worker_process, tmp_path
):
    sms_dir = tmp_path / "sms"
    celery_worker_process(env={**vapid_keys["env"], "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
                               "SMS_FILE_PATH": str(sms_dir)})
    dan = players("Dan Bass", lat_lng=NEAR)
    phone = push_service.browser("dan")
    assert client_for(dan.user).post("/api/push-subscriptions/", phone.subscription_json(), format="json").status_code == 201
    push_service.answer[phone.endpoint] = 410  # the browser dropped the subscription

    with transaction.atomic():
        request = post(producer, venue, strategy="broadcast")
    [invitation] = ordered(request)
    # No waiting out the 2 minutes: the text goes as soon as the push is known to be undeliverable.
    wait_for(lambda: len(sms_to(sms_dir, dan.user.phone)) == 1, timeout=20, message="Dan's text")
    assert statuses(invitation) == {"email": "sent", "sms": "sent", "push": "failed"}
    assert not dan.user.push_subscriptions.exists()
