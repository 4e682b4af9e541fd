"""The musician's answers (accept, decline, seen) and the closing notices they cause."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F

from bookings import services as booking_services
from bookings.gigrequests import messages
from bookings.gigrequests.models import Chair, GigRequest, Invitation
from bookings.gigrequests.services.common import (
    TOKEN_PURPOSE,
    AlreadyAnswered,
    GigFilled,
    OfferTimedOut,
    RequestClosed,
    _field_error,
    _lock_request,
)
from bookings.gigrequests.services.dispatch import _advance, _open_chairs
from bookings.gigrequests.services.stats import response_stats_refresh
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import Forbidden, InvalidTransition, NotFound
from gigbook.core.tokens import ActionToken, action_token_spend

logger = logging.getLogger(__name__)
RStatus = GigRequest.Status
IStatus = Invitation.Status


# --- Answering ------------------------------------------------------------------------------------------


def _peek_invitation(invitation_id: int, actor, token: ActionToken | None) -> dict:
    row = Invitation.objects.filter(pk=invitation_id).values("musician_id", "request_id").first()
    if token is not None:
        if token.purpose != TOKEN_PURPOSE or token.subject_id != invitation_id:
            raise Forbidden("This link is not for this offer.", code="token_mismatch")
        if row is None:
            raise NotFound("No such offer.")
        if token.user_id != row["musician_id"] or (actor is not None and actor.pk != row["musician_id"]):
            raise Forbidden("This link was sent to another musician.", code="token_mismatch")
        return row
    if row is None or actor is None or row["musician_id"] != actor.pk:
        raise NotFound("No such offer.")
    return row


def _require_answerable(invitation: Invitation, request: GigRequest, now: datetime) -> None:
    if request.status == RStatus.CANCELLED or invitation.reason == Invitation.Reason.CANCELLED:
        raise RequestClosed("The producer cancelled this request.", code="request_cancelled")
    if invitation.status in (IStatus.ACCEPTED, IStatus.DECLINED):
        raise AlreadyAnswered(f"You already {invitation.get_status_display().lower()} this offer.")
    if request.status == RStatus.FILLED or invitation.reason == Invitation.Reason.FILLED:
        raise GigFilled()
    if invitation.status == IStatus.QUEUED:
        raise InvalidTransition("This offer has not been sent to you yet.", code="not_sent")
    if invitation.status == IStatus.WITHDRAWN:
        raise RequestClosed("This offer was withdrawn.", code="offer_withdrawn")
    if request.effective_status(now) == RStatus.EXPIRED:
        raise RequestClosed("This request has expired.", code="request_expired")
    if invitation.effective_status(now) == IStatus.TIMED_OUT:
        raise OfferTimedOut()


def _lock_invitation(invitation_id: int) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("musician", "instrument")
        .get(pk=invitation_id)
    )


def _spend(token: ActionToken | None) -> None:
    if token is not None:
        action_token_spend(token)


def invitation_accept(*, invitation_id: int, actor=None, token: ActionToken | None = None) -> Invitation:
    """Take the chair: create the accepted booking and mark the chair filled, in one transaction.

    ``actor`` is the signed-in musician (API) or None with a phone-link ``token``. Locks: the
    musician's profile, the request, its chairs for the instrument, the invitation. Exactly one
    concurrent accept per chair wins (conditional update on the chair, unique booking); the
    others get GigFilled (409). A retry of the same accept returns the invitation unchanged.
    Raises NotFound, Forbidden (token for someone else), GigFilled, OfferTimedOut, RequestClosed,
    AlreadyAnswered, TokenUsed, and the booking's Conflict when the musician is no longer free.
    Side effects: the booking's confirmations (winner and producer), "filled" messages to the
    others, response stats.
    """
    peek = _peek_invitation(invitation_id, actor, token)
    with transaction.atomic():
        booking_services.musician_lock(musician_id=peek["musician_id"])
        request = _lock_request(peek["request_id"])
        invitation = Invitation.objects.only("instrument_id").get(pk=invitation_id)
        chairs = list(
            Chair.objects.select_for_update().filter(request=request, instrument_id=invitation.instrument_id).order_by("id")
        )
        invitation = _lock_invitation(invitation_id)
        now = clock.now()
        if invitation.status == IStatus.ACCEPTED:
            return invitation
        _require_answerable(invitation, request, now)
        chair = next((c for c in chairs if c.booking_id is None), None)
        if chair is None:
            raise GigFilled()
        _spend(token)
        booking = booking_services.booking_create_accepted(
            producer=request.producer, musician=invitation.musician, instrument=invitation.instrument,
            kind=request.kind, starts_at=request.starts_at, ends_at=request.ends_at, venue=request.venue,
            time_zone=request.time_zone, title=request.title, brief_style=request.brief_style,
            brief_approach=request.brief_approach, brief_notes=request.brief_notes,
            source=Booking.Source.SHORT_NOTICE, note=f"Short-notice request {request.pk}",
            fee_basis=request.fee_basis, rate=invitation.offered_rate,
        )
        # The guarantee of one winner: only a still-empty chair takes a booking.
        if Chair.objects.filter(pk=chair.pk, booking__isnull=True).update(
            booking=booking, filled_by=invitation.musician, filled_at=now
        ) != 1:
            raise GigFilled()
        chair.booking, chair.filled_by, chair.filled_at = booking, invitation.musician, now
        invitation.status = IStatus.ACCEPTED
        invitation.answered_at = now
        invitation.seen_at = invitation.seen_at or now
        invitation.closed_at = now
        invitation.chair = chair
        invitation.save(update_fields=["status", "answered_at", "seen_at", "closed_at", "chair"])
        _after_fill(request, invitation.instrument_id, now)
        response_stats_refresh(musician_ids=[invitation.musician_id], now=now)
    logger.info("gig chair filled", extra={"gig_request": request.pk, "invitation": invitation.pk})
    _announce_after_commit(request.pk)
    return invitation


def _close_pending(request: GigRequest, reason: str, now: datetime, *, instrument_id: int | None = None) -> list[int]:
    """Close what is still pending (of one instrument, or all) and record the closing notices owed.

    Pending offers already past their deadline become timed out, the rest withdrawn. Everyone who
    was sent an offer and did not answer is owed one notice (``reason``: filled or cancelled), sent
    by ``announce_notices`` after this transaction, so the lock this runs under is not held while
    dozens of messages are written. A handful of statements, however many invitees. Returns the
    musicians whose offer timed out (their response stats change).
    """
    scope = Invitation.objects.filter(request=request)
    if instrument_id is not None:
        scope = scope.filter(instrument_id=instrument_id)
    scope.filter(sent_at__isnull=False, answered_at__isnull=True, notice="").exclude(
        status__in=[IStatus.ACCEPTED, IStatus.DECLINED]
    ).update(notice=reason)
    late = scope.filter(status__in=Invitation.OPEN_STATUSES, deadline__lte=now)
    timed_out = list(late.values_list("musician_id", flat=True))
    late.update(status=IStatus.TIMED_OUT, closed_at=F("deadline"))
    scope.filter(status__in=Invitation.PENDING_STATUSES).update(status=IStatus.WITHDRAWN, reason=reason, closed_at=now)
    return timed_out


def announce_notices(*, request_id: int) -> int:
    """Write the closing notices owed for one request to the outbox (once each). Returns how many.

    Runs in its own short transaction right after the one that recorded them. Rows are locked in
    id order and re-read: a second announcer (the sweep) waits, then finds them sent. Not
    SKIP LOCKED: a rival's accept briefly locks its own invitation, and its notice is owed now.
    """
    with transaction.atomic():
        owed = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(request_id=request_id, notice_sent_at__isnull=True)
            .exclude(notice="")
            .select_related("musician", "instrument", "request__producer", "request__venue")
            .order_by("id")
        )
        for invitation in owed:
            if invitation.notice == Invitation.Reason.FILLED:
                messages.notify_filled(invitation, invitation.request)
            else:
                messages.notify_cancelled(invitation, invitation.request)
        Invitation.objects.filter(pk__in=[i.pk for i in owed]).update(notice_sent_at=clock.now())
    return len(owed)


def _announce_after_commit(request_id: int) -> None:
    # The answer already committed; a failure here must not turn it into an error for the caller.
    # The sweep writes whatever is still owed a minute later.
    try:
        announce_notices(request_id=request_id)
    except Exception:
        logger.exception("gig request notices deferred to the sweep", extra={"gig_request": request_id})


def _after_fill(request: GigRequest, instrument_id: int, now: datetime) -> None:
    open_chairs = _open_chairs(request)
    if instrument_id not in open_chairs:
        # Everyone else asked for this instrument hears it is filled; nobody else is asked.
        timed_out = _close_pending(request, Invitation.Reason.FILLED, now, instrument_id=instrument_id)
        response_stats_refresh(musician_ids=timed_out, now=now)
    if not open_chairs:
        request.status = RStatus.FILLED
        request.filled_at = now
        request.next_step_at = None
        request.updated_at = now
        request.save(update_fields=["status", "filled_at", "next_step_at", "updated_at"])
    else:
        _advance(request, now)


def invitation_decline(*, invitation_id: int, actor=None, token: ActionToken | None = None, note: str = "") -> Invitation:
    """Say no. A call list moves on to the next player at once (in this transaction).

    Locks the request, then the invitation. A retry of the same decline returns it unchanged.
    Raises like ``invitation_accept`` (except the booking conflicts).
    """
    note = (note or "").strip()
    if len(note) > 500:
        raise _field_error("note", "Keep this under 500 characters.")
    peek = _peek_invitation(invitation_id, actor, token)
    with transaction.atomic():
        request = _lock_request(peek["request_id"])
        invitation = _lock_invitation(invitation_id)
        now = clock.now()
        if invitation.status == IStatus.DECLINED:
            return invitation
        _require_answerable(invitation, request, now)
        _spend(token)
        invitation.status = IStatus.DECLINED
        invitation.answered_at = now
        invitation.seen_at = invitation.seen_at or now
        invitation.closed_at = now
        invitation.note = note
        invitation.save(update_fields=["status", "answered_at", "seen_at", "closed_at", "note"])
        _advance(request, now)
        response_stats_refresh(musician_ids=[invitation.musician_id], now=now)
    return invitation


def invitation_mark_seen(*, invitation_id: int, musician_id: int) -> bool:
    """Record that the invitee opened the offer (sent -> seen). No lock: a conditional update."""
    now = clock.now()
    updated = Invitation.objects.filter(
        pk=invitation_id, musician_id=musician_id, status=IStatus.SENT, deadline__gt=now
    ).update(status=IStatus.SEEN, seen_at=now)
    return bool(updated)
