"""Periodic musician jobs: thin wrappers around services."""

from celery import shared_task

from musicians import services


@shared_task(name="musicians.tasks.extend_busy_horizon", ignore_result=True)
def extend_busy_horizon() -> int:
    """Daily: write weekly unavailability BUSY_HORIZON_DAYS ahead and purge old block rows.

    Safe to run twice or concurrently: each block is extended under its profile lock from its
    stored ``expanded_until``, and interval rows are unique per (source, source_id, start).
    """
    return services.busy_horizon_extend()
