"""Beat sweeps for reviews. Thin; each run is harmless to repeat (see the services)."""

from celery import shared_task

from trust import services


@shared_task(acks_late=True)
def publish_due_reviews() -> int:
    """Publish reviews whose 30-day window has closed and refresh the ratings they feed."""
    return services.reviews_publish_due()


@shared_task(acks_late=True)
def send_review_invitations() -> int:
    """Ask both sides of newly completed bookings for a review (once each)."""
    return services.review_invitations_send()
