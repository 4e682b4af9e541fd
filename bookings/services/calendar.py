"""The musician's private calendar feed (ICS) and its token."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from bookings.models import CalendarFeed
from gigbook.core import clock

# --- Calendar feeds -----------------------------------------------------------------------------


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    """The user's feed, created on first use (pages show it on every visit: one read when it exists)."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        with transaction.atomic():
            feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"created_at": clock.now()})
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user) -> CalendarFeed:
    """Revoke the user's feed URL and issue a new one (the old one answers 404 from now on)."""
    from bookings.models import _new_feed_token

    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user, defaults={"created_at": clock.now()})
    if not created:
        feed.token = _new_feed_token()
        feed.created_at = clock.now()
        feed.last_fetched_at = None
        feed.save(update_fields=["token", "created_at", "last_fetched_at"])
    return feed


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Record a fetch, at most once a minute (calendar apps poll often; no write per poll)."""
    now = clock.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lt=now - timedelta(minutes=1))
    ).update(last_fetched_at=now)
