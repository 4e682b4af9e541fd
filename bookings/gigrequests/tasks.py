"""Thin Celery tasks: ids in, one service call, harmless when run twice.

Names are explicit. Until the folder was renamed they were ``bookings.requests.tasks.*``; messages
already queued under those names (a broker survives a deploy) still find a task: the old names
stay registered as aliases of the same functions.
"""

from celery import shared_task
from django.db import DatabaseError

from bookings.gigrequests import services

_DISPATCH_OPTIONS = dict(
    autoretry_for=(DatabaseError,), retry_backoff=2, retry_backoff_max=60, max_retries=10,
    acks_late=True, reject_on_worker_lost=True,
)


def _dispatch_invitations(request_id: int, invitation_ids: list[int]) -> int:
    """Send one chunk of a large broadcast. A repeat finds them sent and sends nothing."""
    return services.invitations_dispatch(request_id=request_id, invitation_ids=list(invitation_ids))


def _sweep_gig_requests() -> int:
    """Beat: time out finished time boxes, ask the next players, expire requests past answer-by."""
    return services.gig_requests_sweep()


dispatch_invitations = shared_task(name="bookings.gigrequests.tasks.dispatch_invitations", **_DISPATCH_OPTIONS)(
    _dispatch_invitations
)
sweep_gig_requests = shared_task(name="bookings.gigrequests.tasks.sweep_gig_requests", acks_late=True)(
    _sweep_gig_requests
)
# Aliases for messages queued before the rename (see the module docstring).
dispatch_invitations_old_name = shared_task(name="bookings.requests.tasks.dispatch_invitations", **_DISPATCH_OPTIONS)(
    _dispatch_invitations
)
sweep_gig_requests_old_name = shared_task(name="bookings.requests.tasks.sweep_gig_requests", acks_late=True)(
    _sweep_gig_requests
)
