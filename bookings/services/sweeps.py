"""Beat sweeps over stored timestamps: expiries, lapsed counters, completions, reminders.
Every run is harmless to repeat."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from bookings import messages
from bookings.models import Booking, OfferIdempotencyKey
from bookings.services.common import IDEMPOTENCY_KEY_TTL
from bookings.services.lifecycle import booking_complete, booking_counter_lapse, booking_expire
from gigbook.core import clock
from gigbook.core.errors import DomainError

logger = logging.getLogger(__name__)
Status = Booking.Status


# --- Sweeps (beat) ------------------------------------------------------------------------------


def _due_ids(qs, limit: int) -> list[int]:
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


@dataclass(frozen=True)
class ExpiryOwner:
    """A part built on bookings that expires some offers itself, all of a group in one go (the dates
    of a multi-date engagement: one message per engagement, not one per date).

    ``leave_out`` narrows a queryset of bookings to those the owner does NOT expire; ``expire_due``
    expires what is due (``now``, ``limit``) and returns how many bookings it expired. Registered at
    app ready, like the answer guards (bookings never imports the parts built on it).
    """

    name: str
    leave_out: Callable[[QuerySet], QuerySet]
    expire_due: Callable[..., int]


_expiry_owners: dict[str, ExpiryOwner] = {}


def booking_expiry_owner_register(owner: ExpiryOwner) -> None:
    _expiry_owners[owner.name] = owner


def _expire_due(now: datetime, limit: int) -> tuple[QuerySet, int]:
    """The offers this sweep expires one by one, after each owner has expired its own groups."""
    due = Booking.objects.filter(status=Status.OFFERED, expires_at__lte=now)
    expired = 0
    for owner in _expiry_owners.values():
        expired += owner.expire_due(now=now, limit=limit)
        due = owner.leave_out(due)
    return due, expired


def bookings_sweep(*, limit: int = 500) -> dict[str, int]:
    """Move what time has made due: expire offers, lapse counters, complete finished bookings.

    Each booking is handled in its own short transaction by the same services the API uses, so
    the sweep is harmless to run twice or concurrently. Offers that belong to a registered group
    (an engagement's dates) are expired by their owner, a group at a time. Returns counts.
    """
    now = clock.now()
    due_offers, grouped = _expire_due(now, limit)
    counts = {"expired": grouped, "counters_lapsed": 0, "completed": 0}
    steps = [
        ("expired", due_offers, booking_expire, Status.EXPIRED),
        ("counters_lapsed", Booking.objects.filter(status=Status.COUNTERED, starts_at__lte=now), booking_counter_lapse,
         Status.DECLINED),
        ("completed", Booking.objects.filter(status=Status.ACCEPTED, ends_at__lte=now),
         lambda booking_id: booking_complete(booking_id=booking_id), Status.COMPLETED),
    ]
    for name, due, step, target in steps:
        for booking_id in _due_ids(due, limit):
            try:
                booking = step(booking_id=booking_id)
            except DomainError:
                # Changed between the scan and the lock (e.g. cancelled), or unexpected: one bad row
                # must not stop the sweep for everyone else.
                logger.warning("booking sweep skipped a booking", extra={"booking": booking_id, "step": name},
                               exc_info=True)
                continue
            counts[name] += booking is not None and booking.status == target
    OfferIdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_KEY_TTL).delete()
    return counts


REMINDERS = {
    "24h": ("remind_24h_at", "reminded_24h_at"),
    "2h": ("remind_2h_at", "reminded_2h_at"),
}


@transaction.atomic
def booking_remind(*, booking_id: int, which: str) -> bool:
    """Send the ``which`` ("24h"/"2h") reminder of an accepted booking if due and not yet sent.

    Claimed with a conditional update of ``reminded_*_at`` in the same transaction as the
    notifications (outbox rows): it is sent once, even with two sweeps or a worker restarting
    halfway. Not sent for a booking no longer accepted, nor once the gig has started; a 24 h
    reminder that is so late the 2 h one is due is skipped (marked, not sent). Returns True if sent.
    """
    due_field, sent_field = REMINDERS[which]
    now = clock.now()
    claimed = Booking.objects.filter(
        **{"pk": booking_id, "status": Status.ACCEPTED, f"{sent_field}__isnull": True, f"{due_field}__lte": now}
    ).update(**{sent_field: now})
    if not claimed:
        return False
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").get(pk=booking_id)
    too_late = now >= booking.starts_at or (
        which == "24h" and booking.remind_2h_at is not None and now >= booking.remind_2h_at
    )
    if too_late:
        return False
    messages.notify_reminder(booking, which=which)
    return True


def reminders_send_due(*, limit: int = 500) -> int:
    """Send every due reminder (beat, every minute). Returns how many were sent."""
    now = clock.now()
    sent = 0
    for which, (due_field, sent_field) in REMINDERS.items():
        qs = Booking.objects.filter(**{"status": Status.ACCEPTED, f"{sent_field}__isnull": True, f"{due_field}__lte": now})
        for booking_id in _due_ids(qs, limit):
            sent += booking_remind(booking_id=booking_id, which=which)
    return sent
