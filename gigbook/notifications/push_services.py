"""Web push use cases: subscribe, unsubscribe, record that a push was opened.

Sending lives with the other channels in ``services`` (claim → send → record per send).
"""

from __future__ import annotations

import binascii
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from gigbook.core import clock
from gigbook.core.errors import NotFound, ValidationFailed
from gigbook.notifications.models import Delivery, PushSubscription
from gigbook.notifications.push import b64url_decode, opened_token_read

MAX_SUBSCRIPTIONS_PER_USER = 20


def _endpoint_error(endpoint: str) -> str | None:
    if not isinstance(endpoint, str) or not endpoint.strip():
        return "Your browser did not give an address to send notifications to."
    if len(endpoint) > 1000:
        return "The browser's notification address is too long."
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
    except ValueError:
        return "The browser's notification address is not a web address."
    if parts.username or parts.password or not host:
        return "The browser's notification address is not a web address."
    if parts.scheme == "https":
        return None
    loopback = False
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme == "http" and loopback and settings.WEBPUSH_ALLOW_LOOPBACK:
        return None
    return "The browser's notification address must be a secure (https) web address."


def _key_error(p256dh, auth) -> dict[str, list[str]]:
    from cryptography.hazmat.primitives.asymmetric import ec

    errors: dict[str, list[str]] = {}
    try:
        raw = b64url_decode(p256dh) if isinstance(p256dh, str) and len(p256dh) <= 100 else b""
        # An uncompressed point on P-256 (65 bytes, 0x04 first), as browsers give it.
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, binascii.Error):
        errors["p256dh"] = ["The browser's encryption key is not valid. Turn notifications off and on again."]
    try:
        secret = b64url_decode(auth) if isinstance(auth, str) and len(auth) <= 50 else b""
        if len(secret) != 16:
            raise ValueError
    except (ValueError, binascii.Error):
        errors["auth"] = ["The browser's secret for notifications is not valid. Turn notifications off and on again."]
    return errors


@transaction.atomic
def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Keep this browser's subscription for ``user`` (subscribing again refreshes it).

    The endpoint is unique: a browser handed from one account to another (sign out, sign in as
    someone else) moves with it. Raises ValidationFailed with plain-word messages per field.
    """
    errors = {}
    endpoint_error = _endpoint_error(endpoint)
    if endpoint_error:
        errors["endpoint"] = [endpoint_error]
    errors.update(_key_error(p256dh, auth))
    if errors:
        raise ValidationFailed("Notifications could not be turned on for this browser.", fields=errors)
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if existing is None and PushSubscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS_PER_USER:
        raise ValidationFailed(
            "Too many browsers have notifications on.",
            fields={"endpoint": [f"Notifications are on in {MAX_SUBSCRIPTIONS_PER_USER} browsers already: "
                                 "turn them off in one you no longer use."]},
        )
    values = {"user": user, "p256dh": p256dh.strip(), "auth": auth.strip(), "user_agent": (user_agent or "")[:300]}
    if existing is None:
        return PushSubscription.objects.create(endpoint=endpoint, created_at=clock.now(), **values)
    for field, value in values.items():
        setattr(existing, field, value)
    existing.save(update_fields=list(values))
    return existing


def push_subscription_delete(*, user, subscription_id: int) -> None:
    """Turn push off for one of ``user``'s browsers. Strangers' ones are 404."""
    deleted, _ = PushSubscription.objects.filter(user=user, pk=subscription_id).delete()
    if not deleted:
        raise NotFound("Notifications are not on for this browser.")


def push_unsubscribe(*, user, endpoint: str) -> None:
    """Turn push off for the browser with this endpoint, if it is ``user``'s; done either way.

    Idempotent, as a browser's "turn off" must be (it may have been removed as gone already);
    another person's subscription is left alone and nothing tells whether it exists.
    """
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()


def push_opened(*, token: str) -> None:
    """Record that the person tapped a push (from the service worker); stops its SMS fallback.

    The token was signed into the push's payload; it names the notification. Idempotent.
    """
    notification_id = opened_token_read(token) if isinstance(token, str) else None
    if notification_id is None:
        raise ValidationFailed("This notification link is not valid.", fields={"token": ["This link is not valid."]})
    Delivery.objects.filter(
        notification_id=notification_id, channel=Delivery.Channel.PUSH, opened_at__isnull=True
    ).update(opened_at=clock.now())
