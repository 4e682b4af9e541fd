"""What the producer's home shows: one query per section, whatever the number of items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q

from bookings.gigrequests.models import GigRequest, Invitation
from bookings.gigrequests.selectors import gig_request_list_for_producer
from bookings.models import Booking, Hold
from trust.selectors import bookings_to_review

# Each section lists this many; "see all" links to the full page beyond it.
SECTION_SIZE = 6
# A hold lapsing within this long is flagged "expires soon".
HOLD_SOON = timedelta(hours=24)

IStatus = Invitation.Status


@dataclass
class Section:
    items: list
    more: bool = False
    extra: dict = field(default_factory=dict)


def _section(queryset) -> Section:
    # One more than shown tells whether there is more, without a COUNT query.
    rows = list(queryset[: SECTION_SIZE + 1])
    return Section(items=rows[:SECTION_SIZE], more=len(rows) > SECTION_SIZE)


def producer_desk(*, user, now: datetime) -> dict[str, Section]:
    """The producer's desk, five sections, five queries.

    - upcoming: accepted bookings not yet over, soonest first (musician, instrument, venue joined);
    - offers: offers still open (waiting for the musician) and counters (waiting for the producer),
      soonest deadline first;
    - requests: short-notice requests still open and before their deadline, with chair, filled and
      invitation counts by state (correlated subqueries, see gig_request_list_for_producer);
    - holds: the producer's open holds not yet lapsed, soonest expiry first;
    - reviews: completed bookings of theirs still waiting for their review.
    """
    bookings = Booking.objects.filter(producer=user).select_related("musician", "instrument", "venue")
    upcoming = _section(bookings.filter(status=Booking.Status.ACCEPTED, ends_at__gt=now).order_by("starts_at", "id"))
    offers = _section(
        bookings.filter(Q(status=Booking.Status.OFFERED, expires_at__gt=now) | Q(status=Booking.Status.COUNTERED))
        .order_by("expires_at", "id")
    )
    requests = _section(
        gig_request_list_for_producer(user=user)
        .filter(status=GigRequest.Status.OPEN, answer_by__gt=now)
        .annotate(
            asking_count=Count("invitations", filter=Q(invitations__status__in=Invitation.OPEN_STATUSES,
                                                       invitations__deadline__gt=now)),
            seen_count=Count("invitations", filter=Q(invitations__status=IStatus.SEEN)),
            declined_count=Count("invitations", filter=Q(invitations__status=IStatus.DECLINED)),
        )
        .order_by("starts_at", "id")
    )
    holds = _section(
        Hold.objects.filter(producer=user, status__in=Hold.ACTIVE_STATUSES, expires_at__gt=now)
        .select_related("musician", "instrument", "venue")
        .order_by("expires_at", "id")
    )
    for hold in holds.items:
        hold.expires_soon = hold.expires_at - now <= HOLD_SOON
    reviews = _section(bookings_to_review(user=user, now=now).filter(producer=user))
    return {"upcoming": upcoming, "offers": offers, "requests": requests, "holds": holds, "reviews": reviews}
