"""The producer's live status says "delayed" when an offer has not reached a player in time."""

import socket
from datetime import timedelta

import pytest

from gigbook.notifications import services as notifications
from gigbook.notifications.models import Delivery
from tests.gigrequests.factories import ordered, post

pytestmark = pytest.mark.django_db
NEAR = (51.5300, -0.1700)


def closed_port() -> int:
    """A local port nobody listens on: a provider that refuses every connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offer_is_delayed_when_its_delivery_fails_or_is_overdue_and_delivered_once_sent(
    now, producer, venue, players, client_for, settings
):
    for n in range(3):
        players(lat_lng=(NEAR[0] + n / 1000, NEAR[1]))
    request = post(producer, venue, strategy="broadcast")
    first, second, third = ordered(request)
    api = client_for(producer)

    def states():
        data = api.get(f"/api/gig-requests/{request.pk}/").json()
        by_id = {i["id"]: i["state"] for i in data["invitations"]}
        return [by_id[first.pk], by_id[second.pk], by_id[third.pk]], data["counts"]

    # Just written: nobody's delivery is late yet.
    assert states()[0] == ["sent", "sent", "sent"]

    # The first player's offer goes out (email and text).
    notifications.notification_deliver(notification_id=first.notification_id)
    # Both providers refuse the second player's: each channel is retried later.
    port = closed_port()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}
    settings.SMS_BACKEND = "gigbook.notifications.sms.TwilioSMSBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = "AC1", "secret", "+15005550006"
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{port}"
    assert notifications.notification_deliver(notification_id=second.notification_id) == {
        "email": "pending", "sms": "pending"}
    shown, counts = states()
    assert shown == ["delivered", "delayed", "sent"]
    assert (counts["delivered"], counts["delayed"], counts["sent"]) == (1, 1, 1)

    # Nobody picked up the third player's offer: overdue once the threshold has passed.
    now.advance(timedelta(seconds=settings.NOTIFICATION_DELAYED_SECONDS - 1))
    assert states()[0] == ["delivered", "delayed", "sent"]
    now.advance(timedelta(seconds=2))
    assert states()[0] == ["delivered", "delayed", "delayed"]

    # A worker that died mid-send also leaves it "delayed"; once sent, it is "delivered".
    Delivery.objects.filter(notification_id=third.notification_id).update(status=Delivery.Status.SENDING)
    assert states()[0][2] == "delayed"
    Delivery.objects.filter(notification_id=third.notification_id, channel="sms").update(status=Delivery.Status.SENT)
    assert states()[0] == ["delivered", "delayed", "delivered"]

    # Given up on every channel: still "delayed" (never "delivered"), until the player answers.
    Delivery.objects.filter(notification_id=second.notification_id).update(status=Delivery.Status.FAILED)
    assert states()[0][1] == "delayed"


def test_the_live_page_renders_delayed(now, producer, venue, players, client, settings):
    players(lat_lng=NEAR)
    request = post(producer, venue, strategy="broadcast")
    now.advance(timedelta(seconds=settings.NOTIFICATION_DELAYED_SECONDS + 1))
    client.force_login(producer)
    page = client.get(f"/gig-requests/{request.pk}/").content.decode()
    assert 'data-state="delayed"' in page
