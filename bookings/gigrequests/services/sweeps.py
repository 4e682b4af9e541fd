"""Beat: bring due requests up to date. Harmless to repeat."""

from __future__ import annotations

import logging

from django.db import transaction

from bookings.gigrequests.models import GigRequest, Invitation
from bookings.gigrequests.services.answers import announce_notices
from bookings.gigrequests.services.common import NOTICE_GRACE
from bookings.gigrequests.services.dispatch import _advance
from gigbook.core import clock

logger = logging.getLogger(__name__)
RStatus = GigRequest.Status


def gig_request_advance(*, request_id: int) -> None:
    """Bring one request up to date now (the sweep's unit of work). Skips a request someone holds."""
    with transaction.atomic():
        request = (
            GigRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("producer", "venue")
            .filter(pk=request_id, status=RStatus.OPEN)
            .first()
        )
        if request is not None:
            _advance(request, clock.now())


def gig_requests_sweep(*, limit: int = 200) -> int:
    """Advance every open request with something due (beat). Returns how many were looked at.

    Each request is its own transaction, so one failure does not hold back the others, and a
    request locked by an accept right now is simply picked up by the next run.
    """
    now = clock.now()
    due = list(
        GigRequest.objects.filter(status=RStatus.OPEN, next_step_at__lte=now)
        .order_by("next_step_at", "id").values_list("id", flat=True)[:limit]
    )
    # Closing notices recorded but not written (the process died between the two transactions).
    unannounced = list(
        Invitation.objects.filter(notice_sent_at__isnull=True, closed_at__lte=now - NOTICE_GRACE)
        .exclude(notice="").order_by().values_list("request_id", flat=True).distinct()[:limit]
    )
    for request_id in due:
        try:
            gig_request_advance(request_id=request_id)
        except Exception:  # one broken request must not stop the sweep for the others
            logger.exception("gig request sweep failed", extra={"gig_request": request_id})
    for request_id in unannounced:
        try:
            announce_notices(request_id=request_id)
        except Exception:
            logger.exception("gig request notices failed", extra={"gig_request": request_id})
    return len(due) + len(unannounced)
