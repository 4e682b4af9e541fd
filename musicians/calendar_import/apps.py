from django.apps import AppConfig


class CalendarImportConfig(AppConfig):
    """Musicians' own calendars (Google, iCloud, Outlook) read as busy time: musicians/calendar_import."""

    name = "musicians.calendar_import"
    label = "calendar_import"
    verbose_name = "Calendar import"
