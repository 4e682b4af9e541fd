"""Moving a request along: time boxes, asking the next players, broadcast chunks for Celery,
expiry at answer-by."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse

from bookings.gigrequests import matching, messages
from bookings.gigrequests.models import Chair, GigRequest, Invitation
from bookings.gigrequests.services.common import (
    DISPATCH_CHUNK,
    DISPATCH_GRACE,
    INLINE_SEND_LIMIT,
    _deadline_for,
    _share_lock_request,
    in_broadcast_mode,
    offer_token,
    threshold_at,
)
from bookings.gigrequests.services.stats import response_stats_refresh
from gigbook.core import clock
from gigbook.core.shortlinks import short_links_make
from gigbook.core.tasks import enqueue_on_commit
from gigbook.notifications.models import Notification
from gigbook.notifications.services import notify_many
from musicians.models import Instrument

logger = logging.getLogger(__name__)
RStatus = GigRequest.Status
IStatus = Invitation.Status


# --- Moving a request along ----------------------------------------------------------------------------


def _open_chairs(request: GigRequest) -> dict[int, int]:
    rows = Chair.objects.filter(request=request, booking__isnull=True).values("instrument_id").annotate(n=Count("id"))
    return {row["instrument_id"]: row["n"] for row in rows}


def _time_out_due(request: GigRequest, now: datetime) -> list[int]:
    """Write timed_out for sent/seen invitations past their deadline; returns their musicians."""
    due = list(
        Invitation.objects.filter(request=request, status__in=Invitation.OPEN_STATUSES, deadline__lte=now)
        .values_list("id", "musician_id")
    )
    if due:
        Invitation.objects.filter(pk__in=[i for i, _ in due], status__in=Invitation.OPEN_STATUSES).update(
            status=IStatus.TIMED_OUT, closed_at=F("deadline")
        )
    return [musician_id for _, musician_id in due]


def _still_matching(request: GigRequest, invitations: list[Invitation]) -> set[int]:
    """Musicians (of ``invitations``) who can still take the slot: one search query per instrument."""
    by_instrument: dict[int, list[int]] = defaultdict(list)
    for invitation in invitations:
        by_instrument[invitation.instrument_id].append(invitation.musician_id)
    instruments = {i.pk: i for i in Instrument.objects.filter(pk__in=list(by_instrument))}
    ok: set[int] = set()
    for instrument_id, musician_ids in by_instrument.items():
        slot = matching.slot_for(request, instruments[instrument_id])
        # Same rules as matching, minus the fee (the offer was fixed when the list was made).
        qs = matching.musician_selectors.musician_search(
            instrument_ids=[instrument_id], available_from=slot.starts_at, available_to=slot.ends_at,
            near=slot.venue_point if not slot.remote else None, remote=slot.remote,
        )
        ok.update(qs.filter(user_id__in=musician_ids).prefetch_related(None).order_by().values_list("user_id", flat=True))
    return ok


def _send(request: GigRequest, invitations: list[Invitation], now: datetime) -> int:
    """Send queued invitations (caller holds the request lock, shared or exclusive). Returns how many went.

    Players who stopped matching (booked elsewhere, blocked the time, suspended) are withdrawn
    instead, so a call list skips them. The rows are locked and re-read as still queued first, so
    a duplicated dispatch (or a sweep racing a chunk) finds them sent and sends nothing.
    """
    if not invitations:
        return 0
    queued = set(
        Invitation.objects.select_for_update(of=("self",))
        .filter(pk__in=[i.pk for i in invitations], status=IStatus.QUEUED)
        .values_list("id", flat=True)
    )
    invitations = [i for i in invitations if i.pk in queued]
    if not invitations:
        return 0
    matching_now = _still_matching(request, invitations)
    skipped = [i.pk for i in invitations if i.musician_id not in matching_now]
    if skipped:
        Invitation.objects.filter(pk__in=skipped).update(
            status=IStatus.WITHDRAWN, reason=Invitation.Reason.NOT_FREE, closed_at=now
        )
    deadline = _deadline_for(request, now)
    link_prefix = reverse("gigrequests:offer-link", kwargs={"token": "T"})[:-2]
    sent = [i for i in invitations if i.musician_id in matching_now]
    links = []
    for invitation in sent:
        invitation.status, invitation.sent_at, invitation.deadline = IStatus.SENT, now, deadline
        links.append(f"{link_prefix}{offer_token(invitation, request)}/")
    # The text message carries a ~40-character alias; the email and inbox keep the full link.
    short_paths = short_links_make(targets=links, expires_at=request.starts_at)
    items = [messages.invitation_item(invitation, request, link_path=link_path, sms_link_path=short_path)
             for invitation, link_path, short_path in zip(sent, links, short_paths, strict=True)]
    # The offers in two statements whatever their number (channels, then the rows and deliveries).
    written = {(row.recipient_id, row.dedupe_key): row.id for row in notify_many(items)}
    missing = [item for item in items if (item["recipient"].pk, item["dedupe_key"]) not in written]
    if missing:
        # Written before (a dispatch repeated after a crash): point at the message that exists.
        for row in Notification.objects.filter(
            recipient_id__in={item["recipient"].pk for item in missing},
            dedupe_key__in={item["dedupe_key"] for item in missing},
        ).values_list("id", "recipient_id", "dedupe_key"):
            written[(row[1], row[2])] = row[0]
    for invitation, item in zip(sent, items, strict=True):
        invitation.notification_id = written[(item["recipient"].pk, item["dedupe_key"])]
    # Two statements for the whole batch (the rows are locked above).
    Invitation.objects.filter(pk__in=[i.pk for i in sent]).update(status=IStatus.SENT, sent_at=now, deadline=deadline)
    Invitation.objects.bulk_update(sent, ["notification"])
    return len(sent)


def _advance(request: GigRequest, now: datetime) -> None:
    """Bring an open request up to date at ``now``. Caller holds the request lock (exclusive).

    Times out invitations past their deadline, expires the request past ``answer_by``, switches a
    tightening call list to broadcast at its threshold, sends whoever is due next, tells the
    producer when nobody is left to ask, and stores ``next_step_at``. Idempotent.
    """
    if request.status != RStatus.OPEN:
        return
    if now >= request.answer_by:
        _expire(request, now)
        return
    timed_out = _time_out_due(request, now)
    broadcast = in_broadcast_mode(request, now)
    if broadcast and request.strategy == GigRequest.Strategy.TIGHTENING and request.broadcast_started_at is None:
        request.broadcast_started_at = now
        # Whoever is mid-time-box joins the broadcast instead of being cut off at the threshold.
        Invitation.objects.filter(request=request, status__in=Invitation.OPEN_STATUSES, deadline__gt=now).update(
            deadline=request.answer_by
        )
    open_chairs = _open_chairs(request)
    pending = list(
        Invitation.objects.filter(request=request, status__in=Invitation.PENDING_STATUSES)
        .select_related("musician", "instrument")
        .order_by("instrument_id", "position", "id")
    )
    by_instrument: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in pending:
        by_instrument[invitation.instrument_id].append(invitation)

    released_stale: list[int] = []
    exhausted: list[int] = []
    for instrument_id, open_count in open_chairs.items():
        rows = by_instrument.get(instrument_id, [])
        active = [i for i in rows if i.status in Invitation.OPEN_STATUSES]
        released = [i for i in rows if i.status == IStatus.QUEUED and i.released_at is not None]
        queued = [i for i in rows if i.status == IStatus.QUEUED and i.released_at is None]
        released_stale += [i.pk for i in released if i.released_at <= now - DISPATCH_GRACE]
        wanted = len(queued) if broadcast else open_count - len(active) - len(released)
        if wanted > INLINE_SEND_LIMIT:
            _release(request, queued[:wanted], now)
        else:
            while wanted > 0 and queued:
                batch, queued = queued[:wanted], queued[wanted:]
                # A call list asks the next player in place of anyone skipped as no longer free.
                wanted -= _send(request, batch, now)
        still_pending = Invitation.objects.filter(
            request=request, instrument_id=instrument_id, status__in=Invitation.PENDING_STATUSES
        ).exists()
        if not still_pending:
            exhausted.append(instrument_id)
    if released_stale:
        _dispatch(request, released_stale, now)
    if exhausted:
        for instrument in Instrument.objects.filter(pk__in=exhausted):
            messages.notify_exhausted(request, instrument)
    if timed_out:
        response_stats_refresh(musician_ids=timed_out, now=now)
    request.next_step_at = _next_step(request, now)
    request.updated_at = now
    request.save(update_fields=["next_step_at", "updated_at", "broadcast_started_at"])


def _next_step(request: GigRequest, now: datetime) -> datetime:
    moments = [request.answer_by]
    deadline = (
        Invitation.objects.filter(request=request, status__in=Invitation.OPEN_STATUSES)
        .order_by("deadline").values_list("deadline", flat=True).first()
    )
    if deadline is not None:
        moments.append(deadline)
    if request.strategy == GigRequest.Strategy.TIGHTENING and request.broadcast_started_at is None:
        moments.append(threshold_at(request))
    if Invitation.objects.filter(request=request, status=IStatus.QUEUED, released_at__isnull=False).exists():
        moments.append(now + DISPATCH_GRACE)
    return min(moments)


def _release(request: GigRequest, invitations: list[Invitation], now: datetime) -> None:
    _dispatch(request, [i.pk for i in invitations], now)


DISPATCH_TASK = "bookings.gigrequests.tasks.dispatch_invitations"


def _dispatch(request: GigRequest, invitation_ids: list[int], now: datetime) -> None:
    """Hand queued invitations to Celery in chunks, after commit; stamps ``released_at``."""
    Invitation.objects.filter(pk__in=invitation_ids, status=IStatus.QUEUED).update(released_at=now)
    for start in range(0, len(invitation_ids), DISPATCH_CHUNK):
        enqueue_on_commit(DISPATCH_TASK, request.pk, invitation_ids[start : start + DISPATCH_CHUNK])


def invitations_dispatch(*, request_id: int, invitation_ids: list[int]) -> int:
    """Send a chunk of a big broadcast (Celery). Harmless when repeated. Returns how many went.

    Takes a shared lock on the request (chunks run in parallel; an accept, which needs the
    exclusive lock, waits for them), then the invitations.
    """
    with transaction.atomic():
        _share_lock_request(request_id)
        request = GigRequest.objects.select_related("producer", "venue").filter(pk=request_id).first()
        now = clock.now()
        if request is None or request.effective_status(now) != RStatus.OPEN:
            return 0  # the sweep (or whoever closed it) deals with what is left
        open_instruments = set(_open_chairs(request))
        invitations = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(pk__in=invitation_ids, request=request, status=IStatus.QUEUED, released_at__isnull=False,
                    instrument_id__in=open_instruments)
            .select_related("musician", "instrument")
            .order_by("id")
        )
        return _send(request, invitations, now)


def _expire(request: GigRequest, now: datetime) -> None:
    """``answer_by`` has passed: close what is pending and tell the producer (once)."""
    timed_out = list(
        Invitation.objects.filter(request=request, status__in=Invitation.OPEN_STATUSES).values_list("musician_id", flat=True)
    )
    Invitation.objects.filter(request=request, status__in=Invitation.OPEN_STATUSES).update(
        status=IStatus.TIMED_OUT, closed_at=F("deadline")
    )
    Invitation.objects.filter(request=request, status=IStatus.QUEUED).update(
        status=IStatus.WITHDRAWN, reason=Invitation.Reason.EXPIRED, closed_at=now
    )
    unfilled = Chair.objects.filter(request=request, booking__isnull=True).count()
    request.status = RStatus.EXPIRED
    request.expired_at = request.answer_by
    request.next_step_at = None
    request.updated_at = now
    request.save(update_fields=["status", "expired_at", "next_step_at", "updated_at"])
    messages.notify_expired(request, unfilled=unfilled)
    if timed_out:
        response_stats_refresh(musician_ids=timed_out, now=now)
    logger.info("gig request expired", extra={"gig_request": request.pk, "unfilled": unfilled})
