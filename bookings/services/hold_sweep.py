"""Beat sweep for holds: lapsed challenges and expiries, from stored timestamps (restart-proof).

Expiries go in batches: one transaction locks a batch's musicians (id order) and holds (SKIP
LOCKED: a hold someone is acting on is left for the next run), ends them, moves the holds below up
and writes the messages in a few statements. A hold already ended is not selected again, and every
message has a dedupe key, so a repeated or overlapping run changes and sends nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from bookings.models import Hold
from bookings.services.hold_rules import active_holds_on, holds_end, lock_hold, lock_musicians
from bookings.services.holds import confirm_challengers
from gigbook.core import clock

HStatus = Hold.Status
SWEEP_BATCH = 500


def _resolve_challenge(hold_id: int, now: datetime) -> bool:
    """The window of one challenge has closed: the holds above that did not confirm are released
    and the challenger, now 1st, is confirmed. False when there was nothing (left) to do."""
    with transaction.atomic():
        musician_id = Hold.objects.filter(pk=hold_id).values_list("musician_id", flat=True).first()
        if musician_id is None:
            return False
        lock_musicians([musician_id])
        hold = lock_hold(hold_id)
        if hold.status != HStatus.HELD or hold.challenge_ends_at is None or hold.challenge_ends_at > now:
            return False
        above = list(
            active_holds_on(musician_id=hold.musician_id, starts_at=hold.starts_at, ends_at=hold.ends_at)
            .filter(rank__lt=hold.rank).select_for_update(of=("self",))
            .select_related("producer", "musician", "instrument", "venue")
        )
        ready = holds_end(above, status=HStatus.RELEASED, reason=Hold.EndReason.CHALLENGE, now=now)
        if not above and hold.rank == 1:
            ready = [hold]
        confirm_challengers(ready, now=now)
        return True


def _expire_batch(now: datetime, batch: int) -> tuple[int, int]:
    """Expire up to ``batch`` due holds. Returns (expired, selected): selected 0 means none were due."""
    due = list(
        Hold.objects.filter(status__in=Hold.ACTIVE_STATUSES, expires_at__lte=now)
        .order_by("expires_at", "id").values_list("id", "musician_id")[:batch]
    )
    if not due:
        return 0, 0
    with transaction.atomic():
        lock_musicians([musician_id for _id, musician_id in due])
        holds = list(
            Hold.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=[hold_id for hold_id, _m in due], status__in=Hold.ACTIVE_STATUSES, expires_at__lte=now)
            # Prefetched, not joined: a batch names a few producers and instruments many times over.
            .prefetch_related("producer", "musician", "instrument", "venue")
        )
        confirm_challengers(holds_end(holds, status=HStatus.EXPIRED, reason="", now=now), now=now)
    return len(holds), len(due)


def holds_sweep(*, limit: int = 20_000, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Resolve challenges whose window closed, then expire lapsed holds. Returns the counts."""
    now = clock.now()
    counts = {"challenges": 0, "expired": 0}
    challengers = list(
        Hold.objects.filter(status=HStatus.HELD, challenge_ends_at__lte=now)
        .order_by("challenge_ends_at", "id").values_list("id", flat=True)[:limit]
    )
    for hold_id in challengers:
        counts["challenges"] += _resolve_challenge(hold_id, now)
    while counts["expired"] < limit:
        expired, selected = _expire_batch(now, min(batch, limit - counts["expired"]))
        counts["expired"] += expired
        if selected == 0 or expired == 0:
            break
    return counts
