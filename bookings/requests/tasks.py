"""Thin Celery tasks: ids in, one service call, harmless when run twice."""

from celery import shared_task
from django.db import DatabaseError

from bookings.requests import services


@shared_task(
    autoretry_for=(DatabaseError,), retry_backoff=2, retry_backoff_max=60, max_retries=10,
    acks_late=True, reject_on_worker_lost=True,
)
def dispatch_invitations(request_id: int, invitation_ids: list[int]) -> int:
    """Send one chunk of a large broadcast. A repeat finds them sent and sends nothing."""
    return services.invitations_dispatch(request_id=request_id, invitation_ids=list(invitation_ids))


@shared_task(acks_late=True)
def sweep_gig_requests() -> int:
    """Beat: time out finished time boxes, ask the next players, expire requests past answer-by."""
    return services.gig_requests_sweep()
