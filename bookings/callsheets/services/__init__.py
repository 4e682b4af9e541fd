"""Every write about call sheets, one module per use case; the public names are re-exported here.

``sheets`` (a booking's sheet, made on first use), ``edit`` (the producer's new version),
``confirm`` (opened, confirmed, dropped out), ``reminders`` (beat). The rules of what is critical
and whom a change concerns live in ``bookings.callsheets.rules``, nowhere else.
"""

from bookings.callsheets.services.confirm import (
    TOKEN_PURPOSE,
    call_sheet_confirm,
    call_sheet_drop_out,
    call_sheet_opened,
)
from bookings.callsheets.services.edit import call_sheet_edit
from bookings.callsheets.services.reminders import call_sheet_remind, call_sheet_reminders_send_due
from bookings.callsheets.services.sheets import booking_for, sheet_get_or_create

__all__ = [
    "TOKEN_PURPOSE",
    "booking_for",
    "call_sheet_confirm",
    "call_sheet_drop_out",
    "call_sheet_edit",
    "call_sheet_opened",
    "call_sheet_remind",
    "call_sheet_reminders_send_due",
    "sheet_get_or_create",
]
