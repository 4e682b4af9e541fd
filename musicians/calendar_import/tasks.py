"""Calendar import jobs: thin wrappers around services."""

from celery import shared_task

from musicians.calendar_import import services


@shared_task(name="musicians.calendar_import.tasks.sync_calendar", ignore_result=True)
def sync_calendar(calendar_id: int) -> str:
    """Fetch and read one calendar. Failures are recorded on the calendar, not retried here:
    the next due time (every CALENDAR_IMPORT_INTERVAL_MINUTES) is the retry."""
    return services.calendar_sync(calendar_id=calendar_id)


@shared_task(name="musicians.calendar_import.tasks.sweep_calendars", ignore_result=True)
def sweep_calendars() -> int:
    """Every minute: enqueue the calendars that are due, warn about out-of-date ones."""
    services.calendars_warn_stale()
    return services.calendars_enqueue_due()
