"""How an unanswered engagement ends without the musician: the producer withdraws it (all its open
dates, or some of them), or its answer-by time passes and the sweep expires it.

Both are one transaction in the fixed lock order (the musician's profile, the engagement, its
bookings); each date moves through the booking state machine's own steps (``_require_transition``,
``_apply``: history per date), and the engagement sends ONE message per side listing the dates, not
one per date. Re-read under the locks, so a retry, a second sweep or two sweeps at once change
nothing and send nothing more (the dedupe keys are the guarantee underneath).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from bookings.engagements import messages
from bookings.engagements.models import Engagement
from bookings.engagements.services.rules import date_label, lock, lock_dates, peek, require_producer
from bookings.models import Booking
from bookings.services.common import (
    OfferExpired,
    _apply,
    _clean_text,
    _field_error,
    _require_transition,
    _system_lock,
)
from gigbook.core import clock
from gigbook.core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)
Status = Booking.Status
EStatus = Engagement.Status


def _withdraw_date(booking: Booking, actor, now: datetime, note: str) -> None:
    """offered -> withdrawn, as ``booking_withdraw`` does it, minus its per-booking message."""
    _require_transition(booking, "withdraw", now)
    booking.response_note = note
    _apply(booking, action="withdraw", actor=actor, now=now, note=note, fields=("response_note",))


def _closed_status(dates: list[Booking]) -> str:
    """What an unanswered engagement with no open date left is: withdrawn if every date was taken
    back, expired otherwise."""
    return EStatus.WITHDRAWN if all(b.status == Status.WITHDRAWN for b in dates) else EStatus.EXPIRED


@transaction.atomic
def engagement_withdraw(*, engagement_id: int, actor, bookings: list[int] | None = None,
                        note: str = "") -> Engagement:
    """The producer takes back an engagement the musician has not answered: every open date
    (``bookings`` None) or the dates whose booking ids are listed. Each goes offered -> withdrawn;
    with no open date left the engagement is withdrawn (its link then says so), otherwise the rest
    stay offered until the same answer-by time.

    Locks the musician's profile, the engagement, its bookings. Raises NotFound (not a party: 404),
    Forbidden (the musician), ValidationFailed (no dates, or dates of another engagement), Conflict
    ``already_answered`` / ``date_not_open`` and OfferExpired (nothing is saved). A retry of the same
    withdrawal returns the current state. Message: one to the musician naming every withdrawn date.
    """
    note = _clean_text(note, "note", 2000)
    peeked = peek(engagement_id, actor)
    require_producer(peeked, actor, "withdraw")
    # The time-driven lock: a musician whose profile an admin removed still gets their offer withdrawn.
    _system_lock(peeked.musician_id)
    engagement = lock(engagement_id)
    dates = lock_dates(engagement)
    now = clock.now()
    by_id = {booking.pk: booking for booking in dates}
    if bookings is not None:
        if not bookings:
            raise _field_error("bookings", "Choose at least one date to withdraw.")
        if set(bookings) - set(by_id):
            raise _field_error("bookings", "Choose dates of this engagement.")
    chosen = [by_id[pk] for pk in by_id if bookings is None or pk in bookings]
    mine = [b for b in chosen if b.status == Status.WITHDRAWN and b.status_changed_by_id == actor.pk]
    if engagement.status == EStatus.WITHDRAWN or (bookings is not None and len(mine) == len(chosen)):
        return engagement  # a retried withdrawal: already done, nothing more to send
    if engagement.status == EStatus.ANSWERED:
        raise Conflict(f"{engagement.musician.greeting_name} already answered this engagement: cancel a "
                       "confirmed date instead (its cancellation terms apply).", code="already_answered")
    if engagement.status == EStatus.EXPIRED or now >= engagement.expires_at:
        raise OfferExpired("This engagement offer has expired unanswered: there is nothing left to withdraw.")
    open_dates = [b for b in dates if b.status == Status.OFFERED]
    take = [b for b in chosen if b.status == Status.OFFERED]
    # A date this producer withdrew before is skipped (a retry that overlaps); any other closed date refuses.
    closed = [date_label(b) for b in chosen if b.status != Status.OFFERED and b not in mine]
    if bookings is not None and closed:
        raise Conflict(f"Only dates still waiting for an answer can be withdrawn; {' and '.join(closed)} "
                       f"{'is' if len(closed) == 1 else 'are'} not.", code="date_not_open")
    for booking in take:
        _withdraw_date(booking, actor, now, note)
    remaining = [b for b in open_dates if b not in take]
    engagement.updated_at = now
    if not remaining:
        engagement.status = _closed_status(dates)
    engagement.save(update_fields=["status", "updated_at"])
    if take:
        messages.notify_withdrawn(engagement, withdrawn=take, remaining=remaining, note=note)
    return engagement


@transaction.atomic
def engagement_expire(*, engagement_id: int) -> int:
    """Expire an unanswered engagement whose answer-by time has passed (the sweep): each open date
    offered -> expired, the engagement expired, one message to each side listing the dates.

    A no-op (0) unless it is still offered and due, so two sweeps, or two at once, expire and tell
    once. Locks the musician's profile (if any), the engagement, its bookings. Returns how many
    dates it expired.
    """
    musician_id = Engagement.objects.filter(pk=engagement_id).values_list("musician_id", flat=True).first()
    if musician_id is None:
        return 0
    _system_lock(musician_id)
    engagement = lock(engagement_id)
    now = clock.now()
    if engagement.status != EStatus.OFFERED or now < engagement.expires_at:
        return 0
    dates = lock_dates(engagement)
    expired = []
    for booking in dates:
        if booking.status == Status.OFFERED:
            _require_transition(booking, "expire", now)
            _apply(booking, action="expire", actor=None, now=now)
            expired.append(booking)
    engagement.status = _closed_status(dates)
    engagement.updated_at = now
    engagement.save(update_fields=["status", "updated_at"])
    if expired:
        messages.notify_expired(engagement, expired=expired)
    return len(expired)


def engagements_expire_due(*, now: datetime, limit: int = 500) -> int:
    """Expire every engagement due at ``now`` (the bookings sweep calls this first, see apps.py).
    Each in its own short transaction; one bad row does not stop the others. Returns dates expired."""
    due = (Engagement.objects.filter(status=EStatus.OFFERED, expires_at__lte=now)
           .order_by("expires_at", "pk").values_list("pk", flat=True)[:limit])
    count = 0
    for engagement_id in list(due):
        try:
            count += engagement_expire(engagement_id=engagement_id)
        except DomainError:
            logger.warning("engagement expiry skipped", extra={"engagement": engagement_id}, exc_info=True)
    return count


def leave_out_engagement_dates(bookings: QuerySet) -> QuerySet:
    """The bookings sweep expires single offers one by one; an engagement's dates expire together here."""
    return bookings.filter(engagement_date__isnull=True)
