from celery import shared_task
from django.db import DatabaseError

from gigbook.notifications import services
from gigbook.notifications.models import Delivery


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_notification(notification_id: int) -> dict:
    """Send a notification's pending channels. Duplicates and retries are harmless (claim per channel)."""
    results = services.notification_deliver(notification_id=notification_id)
    pending = [channel for channel, status in results.items() if status == "pending"]
    if pending:
        # Transient channel failure: try again after the backoff the failed delivery recorded.
        deliver_notification.apply_async((notification_id,), countdown=services.retry_countdown(notification_id))
    return results


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Send the pending channels of several notifications (one transaction claims them all)."""
    results = services.notifications_deliver(notification_ids=notification_ids)
    for notification_id, channels in results.items():
        if Delivery.Status.PENDING in channels.values():
            deliver_notification.apply_async((notification_id,), countdown=services.retry_countdown(notification_id))
    return len(results)


@shared_task(acks_late=True)
def sweep_pending_deliveries() -> int:
    """Re-enqueue deliveries that are due but were never (or not successfully) sent."""
    notification_ids = services.deliveries_due_notification_ids()
    for start in range(0, len(notification_ids), services.DELIVERY_BATCH_SIZE):
        deliver_notifications.delay(notification_ids[start : start + services.DELIVERY_BATCH_SIZE])
    return len(notification_ids)
