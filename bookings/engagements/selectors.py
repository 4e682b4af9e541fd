"""Reads about engagements, scoped to the asking user: strangers get NotFound (404), never 403."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from bookings.engagements.models import Engagement, EngagementDate
from gigbook.core.errors import NotFound

_DATES = Prefetch(
    "dates",
    queryset=EngagementDate.objects.select_related("booking", "booking__venue", "booking__instrument",
                                                   "booking__musician", "booking__producer")
    .order_by("booking__starts_at", "position"),
)


def engagement_list_for_user(*, user, role: str | None = None) -> QuerySet:
    """The user's engagements (as producer, musician or both), newest first.

    select_related: producer, musician, instrument; prefetch: dates with their bookings and venues
    (three queries per page, whatever its size)."""
    if role == "producer":
        qs = Engagement.objects.filter(producer=user)
    elif role == "musician":
        qs = Engagement.objects.filter(musician=user)
    else:
        qs = Engagement.objects.filter(Q(producer=user) | Q(musician=user))
    return qs.select_related("producer", "musician", "instrument").prefetch_related(_DATES).order_by("-created_at", "-id")


def engagement_get_for_user(*, user, engagement_id: int) -> Engagement:
    """One engagement with its dates, if ``user`` is a party (404 otherwise)."""
    engagement = (engagement_list_for_user(user=user).filter(pk=engagement_id).first()
                  if user.is_authenticated else None)
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement
