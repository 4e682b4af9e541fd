from django.apps import AppConfig


class CallSheetsConfig(AppConfig):
    name = "bookings.callsheets"
    label = "callsheets"
    verbose_name = "Call sheets"
