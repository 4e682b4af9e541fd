"""Beat-driven sweeps. Thin: each calls one service; every run is harmless to repeat.

Nothing is scheduled with countdowns or ETAs (Redis' visibility timeout would redeliver long
ones): expiries, reminders and completions are stored timestamps these sweeps pick up.
"""

from celery import shared_task

from bookings import services


@shared_task(acks_late=True)
def sweep_bookings() -> dict:
    """Expire unanswered offers, lapse counters whose gig started, complete finished bookings."""
    return services.bookings_sweep()


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Send the 24 h and 2 h reminders that are due (each exactly once)."""
    return services.reminders_send_due()


@shared_task(acks_late=True)
def sweep_holds() -> dict:
    """Release holds whose challenge window closed (confirming the challenger), expire lapsed holds."""
    return services.holds_sweep()
