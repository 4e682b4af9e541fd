from celery import shared_task

from bookings.callsheets import services


@shared_task(acks_late=True)
def send_due_call_sheet_reminders() -> int:
    """Beat: reminders to confirm a critical call-sheet change, from stored due times (each once)."""
    return services.call_sheet_reminders_send_due()
