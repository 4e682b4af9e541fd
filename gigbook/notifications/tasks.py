from celery import shared_task
from celery.signals import worker_init, worker_ready
from django.db import DatabaseError

from gigbook.core import clock
from gigbook.notifications import services
from gigbook.notifications.models import Delivery

# acks_late + reject_on_worker_lost: the broker keeps the message until the task has finished, and
# gives it again when the process running it dies; the redelivered task keeps its id, which is the
# claim token, so it takes back its own claims at once (see services.notifications_deliver).
_DELIVERY_TASK = dict(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    acks_late=True,
    reject_on_worker_lost=True,
)


def _claimer(task) -> dict:
    return {"claim_token": task.request.id or "", "node": task.request.hostname or ""}


@shared_task(**_DELIVERY_TASK)
def deliver_notification(self, notification_id: int) -> dict:
    """Send a notification's pending channels. Duplicates and retries are harmless (claim per channel)."""
    results = services.notification_deliver(notification_id=notification_id, **_claimer(self))
    pending = [channel for channel, status in results.items() if status == "pending"]
    if pending:
        # Transient channel failure: try again after the backoff the failed delivery recorded.
        deliver_notification.apply_async((notification_id,), countdown=services.retry_countdown(notification_id))
    return results


@shared_task(**_DELIVERY_TASK)
def deliver_notifications(self, notification_ids: list[int]) -> int:
    """Send the pending channels of several notifications (one transaction claims them all)."""
    results = services.notifications_deliver(notification_ids=notification_ids, **_claimer(self))
    for notification_id, channels in results.items():
        if Delivery.Status.PENDING in channels.values():
            deliver_notification.apply_async((notification_id,), countdown=services.retry_countdown(notification_id))
    return len(results)


def _enqueue(notification_ids: list[int]) -> None:
    for start in range(0, len(notification_ids), services.DELIVERY_BATCH_SIZE):
        deliver_notifications.delay(notification_ids[start : start + services.DELIVERY_BATCH_SIZE])


@shared_task(acks_late=True)
def fan_out_deliveries(notification_ids: list[int]) -> int:
    """Split a large set of committed notifications into delivery batches (see _PendingDeliveries).

    Run twice (redelivered after a crash), it enqueues the batches twice: harmless, each delivery
    is claimed once."""
    _enqueue(notification_ids)
    return len(notification_ids)


@shared_task(acks_late=True)
def sweep_pending_deliveries() -> int:
    """Re-enqueue deliveries that are due but were never (or not successfully) sent."""
    notification_ids = services.deliveries_due_notification_ids()
    _enqueue(notification_ids)
    return len(notification_ids)


_worker_started_at = None


@worker_init.connect
def _remember_worker_start(**_kwargs) -> None:
    global _worker_started_at
    _worker_started_at = clock.now()


@worker_ready.connect
def _release_claims_of_previous_life(sender=None, **_kwargs) -> None:
    # A worker killed mid-batch leaves its claims 'sending'; its task message only comes back after
    # the broker's visibility timeout (an hour on Redis). When the worker comes back under the same
    # name, what it left is handed back and sent now rather than after the lease and a sweep.
    from django.db import connection

    node = getattr(sender, "hostname", "") or ""
    if _worker_started_at is None or not node:
        return
    try:
        _enqueue(services.deliveries_release_for_restarted_worker(node=node, started_at=_worker_started_at))
    finally:
        connection.close()  # the main process forks pool children: leave no connection to inherit
