"""Welcome messages in the demo users' inboxes (written through the real outbox)."""

from gigbook.accounts.models import User
from gigbook.notifications.services import notify

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
    for email, (title, body, url) in WELCOME.items():
        user = User.objects.filter(email=email).first()
        if user is not None:
            notify(recipient=user, kind="welcome", title=title, body=body, url=url, dedupe_key="demo-welcome")
    if stdout:
        stdout.write("notifications: welcome messages")
