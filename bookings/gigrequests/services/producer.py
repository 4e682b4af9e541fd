"""The producer's moves on a posted request: cancel it, widen it into a new one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from bookings.gigrequests.models import Chair, GigRequest, Invitation
from bookings.gigrequests.services.answers import _announce_after_commit, _close_pending
from bookings.gigrequests.services.common import _field_error, _lock_request
from bookings.gigrequests.services.create import gig_request_create
from bookings.gigrequests.services.dispatch import _expire, _time_out_due
from bookings.gigrequests.services.stats import response_stats_refresh
from gigbook.core import clock
from gigbook.core.errors import Forbidden, InvalidTransition, NotFound

RStatus = GigRequest.Status
IStatus = Invitation.Status


# --- Producer actions --------------------------------------------------------------------------------


def _producer_request(request_id: int, actor) -> None:
    owner = GigRequest.objects.filter(pk=request_id).values_list("producer_id", flat=True).first()
    if owner is None or actor is None or not (owner == actor.pk or actor.is_staff):
        raise NotFound("No such request.")
    # Staff act on someone else's request only with the edit permission: moderators may look, not act.
    if owner != actor.pk and not actor.has_perm("gigrequests.change_gigrequest"):
        raise Forbidden("Only the producer, or staff allowed to edit gig requests, can do this.")


def gig_request_cancel(*, request_id: int, actor, reason: str = "") -> GigRequest:
    """Stop an open request: nobody else is asked; invitees who were asked hear it is cancelled.

    Chairs already filled keep their bookings (cancel those from the booking). Idempotent.
    Raises NotFound (not the producer's), InvalidTransition (already filled or expired).
    """
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise _field_error("reason", "Keep this under 500 characters.")
    _producer_request(request_id, actor)
    with transaction.atomic():
        request = _lock_request(request_id)
        now = clock.now()
        if request.status == RStatus.CANCELLED:
            return request
        status = request.effective_status(now)
        if status != RStatus.OPEN:
            raise InvalidTransition(f"A {status} request cannot be cancelled.", code="invalid_transition")
        timed_out = _close_pending(request, Invitation.Reason.CANCELLED, now)
        response_stats_refresh(musician_ids=timed_out, now=now)
        request.status = RStatus.CANCELLED
        request.cancelled_at = now
        request.cancel_reason = reason
        request.next_step_at = None
        request.updated_at = now
        request.save(update_fields=["status", "cancelled_at", "cancel_reason", "next_step_at", "updated_at"])
    _announce_after_commit(request.pk)
    return request


def gig_request_widen(*, request_id: int, actor, data: dict[str, Any]) -> GigRequest:
    """Continue an expired (or exhausted) request as a new one for its unfilled chairs.

    ``data`` may change ``answer_by`` (required), ``max_rate``, ``strategy``, ``time_box_minutes``
    and ``max_invitees``. Players who declined are not asked again. The old request is closed
    (expired) and points to the new one. Raises NotFound, InvalidTransition, ValidationFailed.
    """
    _producer_request(request_id, actor)
    with transaction.atomic():
        old = _lock_request(request_id)
        now = clock.now()
        status = old.effective_status(now)
        pending = Invitation.objects.filter(request=old, status__in=Invitation.PENDING_STATUSES)
        exhausted = status == RStatus.OPEN and not pending.filter(
            ~Q(status__in=Invitation.OPEN_STATUSES) | Q(deadline__gt=now)
        ).exists()
        if GigRequest.objects.filter(widened_from=old).exists():
            raise InvalidTransition("This request was already widened.", code="already_widened")
        if status != RStatus.EXPIRED and not exhausted:
            raise InvalidTransition(
                "Only a request that expired, or has nobody left to ask, can be widened.", code="invalid_transition"
            )
        if old.status == RStatus.OPEN:
            if now >= old.answer_by:
                _expire(old, now)
            else:
                _time_out_due(old, now)
                old.status = RStatus.EXPIRED
                old.expired_at = now
                old.next_step_at = None
                old.updated_at = now
                old.save(update_fields=["status", "expired_at", "next_step_at", "updated_at"])
        unfilled = (
            Chair.objects.filter(request=old, booking__isnull=True)
            .values("instrument__slug").annotate(n=Count("id")).order_by("instrument__slug")
        )
        declined = Invitation.objects.filter(request=old, status=IStatus.DECLINED).values_list("musician_id", flat=True)
        new_data = {
            "kind": old.kind, "venue": old.venue_id, "time_zone": old.time_zone, "starts_at": old.starts_at,
            "ends_at": old.ends_at, "title": old.title, "brief_style": old.brief_style,
            "brief_approach": old.brief_approach, "brief_notes": old.brief_notes, "currency": old.currency,
            "fee_basis": old.fee_basis, "rate": old.rate, "max_rate": old.max_rate, "strategy": old.strategy,
            "time_box_minutes": old.time_box_minutes, "broadcast_threshold_hours": old.broadcast_threshold_hours,
            "max_invitees": old.max_invitees, "push_fallback_minutes": old.push_fallback_minutes,
            "chairs": [{"instrument": row["instrument__slug"], "count": row["n"]} for row in unfilled],
            "confirm_long": True,  # confirmed when the request was first posted
        }
        for key in ("answer_by", "max_rate", "strategy", "time_box_minutes", "max_invitees"):
            # Leaving a field out (or sending null for the ceiling) keeps the old value.
            if key in data and not (key == "max_rate" and data[key] is None):
                new_data[key] = data[key]
        if "answer_by" not in data:
            raise _field_error("answer_by", "Give a new answer-by time.")
        if new_data["max_rate"] is not None and old.max_rate is not None and Decimal(str(new_data["max_rate"])) < old.max_rate:
            raise _field_error("max_rate", "Widening cannot lower the maximum.")
        new_data["_exclude"] = list(declined)
        new_data["_widened_from"] = old
        return gig_request_create(producer=old.producer, data=new_data)
