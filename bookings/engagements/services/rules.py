"""Shared rules of engagements: limits, errors, locks and the guard the booking lifecycle asks."""

from __future__ import annotations

from datetime import timedelta

from bookings.engagements.models import Engagement, EngagementDate
from bookings.messages import _fmt
from bookings.models import Booking
from gigbook.core.errors import Conflict, Forbidden, NotFound

MAX_DATES = 60
MAX_TRAVEL_DAYS = 14
# Longer than a single offer's 24 h: a run of dates takes more checking of diaries.
DEFAULT_ANSWER_BY = timedelta(hours=48)
OFFER_PURPOSE = "engagement-offer"


class PartialNotAllowed(Conflict):
    default_detail = "These dates are offered together: accept all of them or decline the offer."

    def __init__(self, detail: str | None = None, *, code: str = "partial_not_allowed", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


def date_label(booking: Booking) -> str:
    """A date as people read it, with its zone: "Sat 05 Jun 2027, 19:00 (Europe/London)"."""
    return f"{_fmt(booking.starts_at, booking.zone)} ({booking.time_zone})"


def engagement_answer_guard(booking: Booking, action: str) -> None:
    """Refuse answering one date of an engagement still waiting for its answer (registered at app
    ready, asked under the booking's locks). The engagement's own answer marks it answered first."""
    row = (EngagementDate.objects.filter(booking_id=booking.pk)
           .values_list("engagement__status", "engagement__title").first())
    if row is not None and row[0] == Engagement.Status.OFFERED:
        raise Conflict(f"This date is part of the engagement “{row[1]}”: answer its dates together on the "
                       "engagement's page.", code="engagement_date")


def peek(engagement_id: int, actor) -> Engagement:
    """The engagement, unlocked, only if ``actor`` is a party (404 otherwise: no existence leak)."""
    engagement = Engagement.objects.filter(pk=engagement_id).only("id", "producer_id", "musician_id").first()
    if engagement is None or actor is None or not engagement.is_party(actor):
        raise NotFound("No such engagement.")
    return engagement


def require_musician(engagement: Engagement, actor, action: str) -> None:
    if actor.pk != engagement.musician_id:
        raise Forbidden(f"Only the musician can {action} this engagement.", code="wrong_party")


def require_producer(engagement: Engagement, actor, action: str) -> None:
    if actor.pk != engagement.producer_id:
        raise Forbidden(f"Only the producer can {action} this engagement.", code="wrong_party")


def lock(engagement_id: int) -> Engagement:
    """Lock the engagement row (after the musician's profile, before its bookings: the fixed order)."""
    return (Engagement.objects.select_for_update(of=("self",)).select_related("producer", "musician", "instrument")
            .get(pk=engagement_id))


def lock_dates(engagement: Engagement) -> list[Booking]:
    """Lock every booking of the engagement, in start order."""
    return list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("producer", "musician", "instrument", "venue", "engagement_date")
        .filter(engagement_date__engagement=engagement)
        .order_by("starts_at", "id")
    )
