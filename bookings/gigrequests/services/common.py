"""Limits, errors, locks and time-box arithmetic shared by the short-notice use cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.urls import reverse

from bookings.gigrequests.models import GigRequest, Invitation
from gigbook.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gigbook.core.tokens import action_token_make

TOKEN_PURPOSE = "gig-invitation"  # noqa: S105 - a token purpose label, not a secret
MAX_CHAIR_GROUPS = 10
MAX_CHAIRS_PER_INSTRUMENT = 20
MIN_TIME_BOX_MINUTES = 1
MAX_TIME_BOX_MINUTES = 24 * 60
# The text behind an unopened push waits at most this long (kept well under the broker's
# visibility timeout: the delivery task waits for it with a countdown).
MAX_PUSH_FALLBACK_MINUTES = 30
MAX_THRESHOLD_HOURS = Decimal("168")
# Tightening: a time box is full length a day or more before the broadcast point, shrinking
# linearly to MIN_TIGHT_BOX at it (docs/short-notice.md).
TIGHTENING_RAMP = timedelta(hours=24)
MIN_TIGHT_BOX = timedelta(minutes=2)
MIN_ANSWER_WINDOW = timedelta(minutes=5)
DEFAULT_ANSWER_BEFORE_START = timedelta(hours=1)
# Up to this many invitations are sent inside the transaction that makes them due; a larger
# broadcast is handed to Celery in chunks, sent by several workers in parallel.
INLINE_SEND_LIMIT = 20
DISPATCH_CHUNK = 100
# A chunk handed to Celery and still unsent after this long (worker died, broker lost it) is
# handed over again by the sweep; the conditional queued -> sent update makes repeats harmless.
DISPATCH_GRACE = timedelta(seconds=60)
STATS_WINDOW = timedelta(days=365)
# Closing notices are written just after the transaction that records them; one still unwritten
# after this long was lost (the process died in between) and the sweep writes it.
NOTICE_GRACE = timedelta(seconds=60)


# --- Errors -------------------------------------------------------------------------------------


class GigFilled(Conflict):
    default_detail = "This gig has just been filled."

    def __init__(self, detail: str | None = None, *, code: str = "gig_filled", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class OfferTimedOut(InvalidTransition):
    default_detail = "Your time to answer this offer has run out; it has moved on."

    def __init__(self, detail: str | None = None, *, code: str = "offer_timed_out", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class RequestClosed(InvalidTransition):
    default_detail = "This request is closed."

    def __init__(self, detail: str | None = None, *, code: str = "request_closed", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class AlreadyAnswered(InvalidTransition):
    def __init__(self, detail: str | None = None, *, code: str = "already_answered", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


# --- Small helpers --------------------------------------------------------------------------------


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def _clean_text(value: Any, field: str, max_length: int, errors: dict) -> str:
    value = "" if value is None else str(value).strip()
    if len(value) > max_length:
        errors[field] = [f"Keep this under {max_length} characters."]
    return value


def _decimal(value: Any, field: str, errors: dict, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors[field] = ["Fill this in."]
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = ["Give an amount such as 60 or 62.50."]
        return None
    if not number.is_finite() or number < 0:
        errors[field] = ["Must be zero or more."]
        return None
    if number >= Decimal("1e9") or -number.as_tuple().exponent > 3:
        errors[field] = ["Use at most 9 digits before the point and 3 after."]
        return None
    return number


def _lock_request(request_id: int) -> GigRequest:
    request = (
        GigRequest.objects.select_for_update(of=("self",))
        .select_related("producer", "venue")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("No such request.")
    return request


def _share_lock_request(request_id: int) -> None:
    """FOR SHARE on the request: parallel dispatch chunks coexist, an accept waits for them.

    SQLite (the demo) has no row locks; it serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM gigrequests_gigrequest WHERE id = %s FOR SHARE", [request_id])


def threshold_at(request: GigRequest) -> datetime:
    return request.starts_at - timedelta(hours=float(request.broadcast_threshold_hours))


def in_broadcast_mode(request: GigRequest, now: datetime) -> bool:
    if request.strategy == GigRequest.Strategy.BROADCAST:
        return True
    return request.strategy == GigRequest.Strategy.TIGHTENING and now >= threshold_at(request)


def time_box(request: GigRequest, now: datetime) -> timedelta:
    """How long the next call-list invitee has, sent at ``now`` (docs/short-notice.md).

    call_list: the producer's time box. tightening: the same box while the broadcast point is a
    day or more away, shrinking linearly with the lead time to 2 minutes (or the box, if shorter)
    at the broadcast point.
    """
    full = timedelta(minutes=request.time_box_minutes)
    if request.strategy != GigRequest.Strategy.TIGHTENING:
        return full
    floor = min(MIN_TIGHT_BOX, full)
    ahead = threshold_at(request) - now
    if ahead >= TIGHTENING_RAMP:
        return full
    scaled = full * max(ahead / TIGHTENING_RAMP, 0.0)
    return max(floor, scaled)


def _deadline_for(request: GigRequest, now: datetime) -> datetime:
    if in_broadcast_mode(request, now):
        return request.answer_by
    # A box running when a tightening list reaches its broadcast point is extended then (see
    # _advance), so the player in the middle of deciding is never cut off by the switch.
    return min(now + time_box(request, now), request.answer_by)


def offer_token(invitation: Invitation, request: GigRequest) -> str:
    # The link stays readable until the gig starts, so a late tap still learns "filled" or
    # "time ran out" instead of a bare "expired"; answering is governed by the deadline.
    return action_token_make(
        purpose=TOKEN_PURPOSE, subject_id=invitation.pk, user_id=invitation.musician_id, expires_at=request.starts_at
    )


def offer_link_path(invitation: Invitation, request: GigRequest) -> str:
    return reverse("gigrequests:offer-link", kwargs={"token": offer_token(invitation, request)})
