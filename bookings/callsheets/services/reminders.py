"""Reminders to confirm a critical change: from the stored due time, swept by beat, each sent once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from bookings.callsheets import messages, rules
from bookings.callsheets.models import CallSheetPlayer
from bookings.models import Booking
from gigbook.core import clock


@transaction.atomic
def call_sheet_remind(*, player_id: int) -> bool:
    """Send the next reminder to confirm if it is due and not sent yet. Returns True if sent.

    Claimed by a conditional update (``reminders_sent`` and the due time as read) in the same
    transaction as the outbox row, whose dedupe key names the version and the reminder's number:
    two sweeps, or a worker dying halfway, still send it once. No reminder once the gig started.
    """
    now = clock.now()
    row = (CallSheetPlayer.objects.select_related("booking__musician", "booking__instrument", "booking__venue",
                                                  "booking__producer", "sheet")
           .filter(pk=player_id, reconfirm_version__isnull=False, next_reminder_at__lte=now,
                   dropped_out_at__isnull=True).first())
    if row is None:
        return False
    number = row.reminders_sent
    following = rules.reminder_due(number + 1, since=row.reconfirm_since or now, starts_at=row.booking.starts_at)
    claimed = CallSheetPlayer.objects.filter(
        pk=row.pk, reminders_sent=number, next_reminder_at=row.next_reminder_at, reconfirm_version=row.reconfirm_version,
    ).update(reminders_sent=F("reminders_sent") + 1, next_reminder_at=following)
    if not claimed or row.booking.status != Booking.Status.ACCEPTED or now >= row.booking.starts_at:
        return False
    messages.notify_reminder(player=row, number=number + 1)
    return True


def call_sheet_reminders_send_due(*, limit: int = 500) -> int:
    """Every due reminder (beat, every minute), each in its own short transaction. Returns how many went."""
    due = list(
        CallSheetPlayer.objects.filter(reconfirm_version__isnull=False, next_reminder_at__lte=clock.now(),
                                       dropped_out_at__isnull=True)
        .order_by("next_reminder_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(call_sheet_remind(player_id=pk) for pk in due)
