"""Web push as an outbox channel, against a local RFC 8030 push service that decrypts what it gets."""

import pytest

from gigbook.notifications import services
from gigbook.notifications.models import Delivery, PushSubscription

pytestmark = pytest.mark.django_db


def subscribe(client_for, user, browser):
    response = client_for(user).post("/api/push-subscriptions/", browser.subscription_json(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_push_is_encrypted_for_the_browser_with_ttl_topic_and_urgency(make_user, client_for, push_service, settings):
    user = make_user(email="pia@example.com")
    phone = push_service.browser("pia-phone")
    subscribe(client_for, user, phone)
    notification = services.notify(recipient=user, kind="booking_offered", title="New offer: keys on Saturday",
                                   body="Pat Producer offers 300.00 GBP.", url="/bookings/7/")

    assert services.notification_deliver(notification_id=notification.id) == {"email": "sent", "push": "sent"}
    assert push_service.refused == []
    [message] = push_service.received
    assert message["endpoint"] == phone.endpoint
    payload = message["payload"]
    assert (payload["title"], payload["body"], payload["url"]) == (
        "New offer: keys on Saturday", "Pat Producer offers 300.00 GBP.", "/bookings/7/")
    headers = {key.lower(): value for key, value in message["headers"].items()}
    assert headers["ttl"] == str(settings.WEBPUSH_TTL_SECONDS)
    assert headers["urgency"] == "normal"
    # RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet; the same page, the same topic.
    assert len(headers["topic"]) <= 32 and headers["topic"].replace("-", "").replace("_", "").isalnum()
    assert headers["topic"] == payload["tag"]
    again = services.notify(recipient=user, kind="booking_countered", title="Counter-offer", body="…", url="/bookings/7/")
    services.notification_deliver(notification_id=again.id)
    assert {key.lower(): v for key, v in push_service.received[1]["headers"].items()}["topic"] == headers["topic"]

    # Delivered once: running the delivery again sends nothing.
    assert services.notification_deliver(notification_id=notification.id) == {"email": "sent", "push": "sent"}
    assert len(push_service.received) == 2


def test_the_pushes_of_a_batch_share_one_connection_to_the_push_service(make_user, client_for, push_service):
    players = [make_user(email=f"push{n}@example.com", notify_by_email=False) for n in range(3)]
    for player in players:
        subscribe(client_for, player, push_service.browser(f"phone-{player.pk}"))
    ids = [services.notify(recipient=player, kind="booking_offered", title="Offer", body="Bass", url=f"/bookings/{n}/").pk
           for n, player in enumerate(players)]

    results = services.notifications_deliver(notification_ids=ids)

    assert all(channels == {"push": "sent"} for channels in results.values()), results
    assert len(push_service.received) == 3
    assert len({message["client"] for message in push_service.received}) == 1  # one TCP (and TLS) handshake


def test_a_subscription_the_push_service_says_is_gone_is_deleted(make_user, client_for, push_service):
    user = make_user(email="gone@example.com", notify_by_email=False)
    old, new = push_service.browser("old-laptop"), push_service.browser("new-phone")
    subscribe(client_for, user, old)
    subscribe(client_for, user, new)
    push_service.answer[old.endpoint] = 410

    first = services.notify(recipient=user, kind="booking_offered", title="Offer", body="Bass", url="/bookings/1/")
    assert services.notification_deliver(notification_id=first.id) == {"push": "sent"}
    assert list(PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True)) == [new.endpoint]
    assert [m["endpoint"] for m in push_service.received] == [new.endpoint]

    push_service.answer[new.endpoint] = 404
    second = services.notify(recipient=user, kind="booking_offered", title="Offer 2", body="Bass", url="/bookings/2/")
    assert services.notification_deliver(notification_id=second.id) == {"push": "failed"}
    assert not PushSubscription.objects.filter(user=user).exists()
    # With no subscription left, later messages have no push channel at all.
    third = services.notify(recipient=user, kind="booking_offered", title="Offer 3", body="Bass", url="/bookings/3/")
    assert not Delivery.objects.filter(notification=third).exists()


def test_bad_subscriptions_get_400_in_plain_words(make_user, client_for, push_service):
    user = make_user()
    api = client_for(user)
    good = push_service.browser().subscription_json()
    cases = [
        ({**good, "endpoint": "not a url"}, "endpoint"),
        ({**good, "endpoint": "http://push.example.com/x"}, "endpoint"),
        ({**good, "endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({**good, "endpoint": "https://" + "a" * 2000}, "endpoint"),
        ({**good, "keys": {**good["keys"], "p256dh": "AAAA"}}, "p256dh"),
        ({**good, "keys": {**good["keys"], "p256dh": "BA" + "A" * 85}}, "p256dh"),  # 65 bytes, not on the curve
        ({**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}}, "auth"),
        ({**good, "keys": {**good["keys"], "auth": "!!!!"}}, "auth"),
        ({"endpoint": good["endpoint"]}, "keys"),
        ({}, "endpoint"),
    ]
    for body, field in cases:
        response = api.post("/api/push-subscriptions/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        errors = response.json()["errors"]
        flat = str(errors)
        assert field in flat, (field, errors)
        messages = [m for m in _messages(errors)]
        assert messages and all(word not in m for m in messages for word in ("p256dh", "endpoint", "base64", "auth")), messages
    assert not PushSubscription.objects.exists()


def _messages(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _messages(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _messages(value)
    else:
        yield str(errors)


def test_subscribe_again_refreshes_unsubscribe_and_strangers_get_404(make_user, client_for, push_service):
    pia, stranger = make_user(), make_user()
    phone = push_service.browser()
    first = subscribe(client_for, pia, phone)
    assert subscribe(client_for, pia, phone)["id"] == first["id"]
    listed = client_for(pia).get("/api/push-subscriptions/").json()
    assert [s["id"] for s in listed["results"]] == [first["id"]]
    assert client_for(stranger).get("/api/push-subscriptions/").json()["results"] == []
    assert client_for(stranger).delete(f"/api/push-subscriptions/{first['id']}/").status_code == 404
    # Turning off is idempotent; a stranger naming Pia's endpoint changes nothing.
    gone = client_for(stranger).post("/api/push-subscriptions/unsubscribe/", {"endpoint": phone.endpoint}, format="json")
    assert gone.status_code == 204 and PushSubscription.objects.filter(user=pia).exists()
    assert client_for(pia).post("/api/push-subscriptions/unsubscribe/", {"endpoint": phone.endpoint},
                                format="json").status_code == 204
    assert not PushSubscription.objects.exists()
    assert client_for(pia).post("/api/push-subscriptions/unsubscribe/", {"endpoint": phone.endpoint},
                                format="json").status_code == 204  # again: still done
    assert client_for(pia).get("/api/push-subscriptions/config/").json()["vapid_public_key"]


def test_opened_needs_a_valid_token(api_client):
    response = api_client.post("/api/push/opened/", {"token": "forged"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["token"] == ["This link is not valid."]
