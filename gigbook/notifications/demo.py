"""Welcome messages in the demo users' inboxes (written through the real outbox), and push on for the
demo musician: with the demo's file backend every push they are sent is written to var/push/."""

from gigbook.accounts.models import User
from gigbook.notifications.models import PushSubscription
from gigbook.notifications.push import b64url_encode
from gigbook.notifications.push_services import push_subscription_save
from gigbook.notifications.services import notify

DEMO_PUSH_ENDPOINT = "https://push.demo.invalid/gigbook/musician"


def _demo_push_subscription(user) -> None:
    """A subscription as a browser would make it (a fresh P-256 key pair and auth secret)."""
    import os

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if PushSubscription.objects.filter(endpoint=DEMO_PUSH_ENDPOINT).exists():
        return
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    push_subscription_save(user=user, endpoint=DEMO_PUSH_ENDPOINT, p256dh=b64url_encode(key),
                           auth=b64url_encode(os.urandom(16)), user_agent="GigBook demo (pushes go to var/push/)")

WELCOME = {
    "producer@gigbook.test": (
        "Welcome to GigBook",
        "Find players under Find musicians, or send a short-notice request to several at once.",
        "/musicians/",
    ),
    "musician@gigbook.test": (
        "Welcome to GigBook",
        "Keep your profile, rates and availability up to date: producers book from search.",
        "/me/profile/",
    ),
    "admin@gigbook.test": (
        "Welcome, admin",
        "Profiles waiting for review are in the admin's moderation queue.",
        "/admin/",
    ),
}


def seed(*, stdout=None) -> None:
    musician = User.objects.filter(email="musician@gigbook.test").first()
    if musician is not None:
        _demo_push_subscription(musician)
    for email, (title, body, url) in WELCOME.items():
        user = User.objects.filter(email=email).first()
        if user is not None:
            notify(recipient=user, kind="welcome", title=title, body=body, url=url, dedupe_key="demo-welcome")
    if stdout:
        stdout.write("notifications: welcome messages")
