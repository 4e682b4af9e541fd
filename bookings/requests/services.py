"""Every write about short-notice requests: posting, sending, answering, sweeping, favourites, stats.

Locks are always taken in one order: the musician's profile (``bookings.services.musician_lock``),
then the request row, then its chairs, then invitations. Holding the request row serialises
everything that moves one request (accepts, declines, the sweep, cancelling), so a time box can
never end "between" a check and a write; the chair's conditional update and its unique booking
are the guarantee of one winner underneath.

Time is never waited for: deadlines are stored, state is computed from them on read
(``Invitation.effective_status``), and ``gig_requests_sweep`` (beat) advances whatever is due,
idempotently. Messages go through ``notify`` with a dedupe key per invitation and event.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Booking, Venue
from bookings.requests import matching, messages
from bookings.requests.models import Chair, Favourite, GigRequest, Invitation, ResponseStats
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.core.tasks import enqueue_on_commit
from gigbook.core.tokens import ActionToken, action_token_make, action_token_spend
from musicians.currencies import CURRENCIES
from musicians.models import Instrument, MusicianProfile

logger = logging.getLogger(__name__)
RStatus = GigRequest.Status
IStatus = Invitation.Status

TOKEN_PURPOSE = "gig-invitation"  # noqa: S105 - a token purpose label, not a secret
MAX_CHAIR_GROUPS = 10
MAX_CHAIRS_PER_INSTRUMENT = 20
MIN_TIME_BOX_MINUTES = 1
MAX_TIME_BOX_MINUTES = 24 * 60
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
            errors[field] = ["This field is required."]
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


# --- Posting a request ------------------------------------------------------------------------------


def _validate(
    *, producer, data: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[tuple[Instrument, int]], Venue | None]:
    """Check every field of a new request; raise ValidationFailed naming all problems found."""
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers can post short-notice requests.", code="not_producer")
    errors: dict[str, list[str]] = {}

    kind = data.get("kind")
    if kind not in Booking.Kind.values:
        errors["kind"] = ["Choose studio session, live show, rehearsal, tour date or remote recording."]

    chairs: list[tuple[Instrument, int]] = []
    raw_chairs = data.get("chairs") or []
    if not raw_chairs:
        errors["chairs"] = ["Ask for at least one chair, e.g. 1 bass guitar."]
    elif len(raw_chairs) > MAX_CHAIR_GROUPS:
        errors["chairs"] = [f"At most {MAX_CHAIR_GROUPS} different instruments per request."]
    else:
        slugs = [str(c.get("instrument", "")) for c in raw_chairs]
        found = {i.slug: i for i in Instrument.objects.filter(slug__in=slugs)}
        problems = []
        for chair, slug in zip(raw_chairs, slugs, strict=True):
            count = chair.get("count", 1)
            if slug not in found:
                problems.append(f"Unknown instrument “{slug[:40]}”.")
            elif not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CHAIRS_PER_INSTRUMENT:
                problems.append(f"{found[slug].name}: ask for 1 to {MAX_CHAIRS_PER_INSTRUMENT} chairs.")
            else:
                chairs.append((found[slug], count))
        if len(set(slugs)) != len(slugs):
            problems.append("List each instrument once, with how many chairs.")
        if problems:
            errors["chairs"] = problems

    venue: Venue | None = None
    zone_name = data.get("time_zone") or producer.time_zone
    if kind == Booking.Kind.REMOTE_RECORDING:
        if data.get("venue") is not None:
            errors["venue"] = ["A remote recording has no venue."]
        from gigbook.accounts.validators import available_time_zones

        if zone_name not in available_time_zones():
            errors["time_zone"] = [f"“{str(zone_name)[:64]}” is not a known time zone."]
            zone_name = "UTC"
    elif kind in Booking.Kind.values:
        venue_id = data.get("venue")
        venue = Venue.objects.filter(pk=venue_id, owner=producer).first() if isinstance(venue_id, int) else None
        if venue is None:
            errors["venue"] = ["Choose one of your venues." if venue_id is not None else "Choose a venue (or make it a remote recording)."]
        elif venue.latitude is None or venue.longitude is None:
            errors["venue"] = ["This venue has no map position, so nobody nearby can be found. Add its location first."]
        else:
            zone_name = venue.time_zone

    currency = str(data.get("currency") or "GBP").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Use a three-letter ISO 4217 code such as GBP."]
    fee_basis = data.get("fee_basis") or GigRequest.FeeBasis.HOURLY
    if fee_basis not in GigRequest.FeeBasis.values:
        errors["fee_basis"] = ["Choose hourly or flat."]
    rate = _decimal(data.get("rate"), "rate", errors)
    max_rate = _decimal(data.get("max_rate"), "max_rate", errors, required=False)
    if rate is not None and max_rate is not None and max_rate < rate:
        errors["max_rate"] = ["The maximum cannot be below the fee offered."]

    strategy = data.get("strategy")
    if strategy not in GigRequest.Strategy.values:
        errors["strategy"] = ["Choose broadcast, call_list or tightening."]
    time_box_minutes = data.get("time_box_minutes", 10)
    if not isinstance(time_box_minutes, int) or isinstance(time_box_minutes, bool) or not (
        MIN_TIME_BOX_MINUTES <= time_box_minutes <= MAX_TIME_BOX_MINUTES
    ):
        errors["time_box_minutes"] = [f"Between {MIN_TIME_BOX_MINUTES} and {MAX_TIME_BOX_MINUTES} minutes."]
    threshold = _decimal(data.get("broadcast_threshold_hours", 12), "broadcast_threshold_hours", errors)
    if threshold is not None and threshold > MAX_THRESHOLD_HOURS:
        errors["broadcast_threshold_hours"] = ["At most 168 hours (a week)."]
    max_invitees = data.get("max_invitees")
    if max_invitees is not None and (
        not isinstance(max_invitees, int) or isinstance(max_invitees, bool) or not 1 <= max_invitees <= matching.MAX_INVITEES
    ):
        errors["max_invitees"] = [f"Between 1 and {matching.MAX_INVITEES}."]

    text = {
        "title": _clean_text(data.get("title"), "title", 120, errors),
        "brief_style": _clean_text(data.get("brief_style"), "brief_style", 200, errors),
        "brief_notes": _clean_text(data.get("brief_notes"), "brief_notes", 4000, errors),
    }
    approach = data.get("brief_approach") or Booking.Approach.CHART
    if approach not in Booking.Approach.values:
        errors["brief_approach"] = ["Choose chart, improvise or mixed."]
    if errors:
        raise ValidationFailed(fields=errors)

    starts_at = booking_services.resolve_local_time(data["starts_at"], zone_name, "starts_at")
    ends_at = booking_services.resolve_local_time(data["ends_at"], zone_name, "ends_at")
    if starts_at <= now + MIN_ANSWER_WINDOW:
        errors["starts_at"] = ["The start must be at least a few minutes from now."]
    elif starts_at > now + booking_services.MAX_AHEAD:
        errors["starts_at"] = ["Requests can be made up to two years ahead."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["The end must be after the start."]
    elif ends_at - starts_at < booking_services.MIN_DURATION:
        errors["ends_at"] = ["A gig lasts at least 15 minutes."]
    elif ends_at - starts_at > booking_services.MAX_DURATION:
        errors["ends_at"] = ["A gig can last at most 14 days."]
    answer_by = data.get("answer_by")
    if answer_by is None and "starts_at" not in errors:
        answer_by = max(starts_at - DEFAULT_ANSWER_BEFORE_START, min(now + timedelta(minutes=30), starts_at))
    elif answer_by is not None:
        answer_by = booking_services.resolve_local_time(answer_by, zone_name, "answer_by")
        if answer_by < now + MIN_ANSWER_WINDOW:
            errors["answer_by"] = ["Give players at least 5 minutes to answer."]
        elif "starts_at" not in errors and answer_by > starts_at:
            errors["answer_by"] = ["Answers are needed before the gig starts."]
    if errors:
        raise ValidationFailed(fields=errors)

    cleaned = {
        "kind": kind, "venue": venue, "time_zone": zone_name, "starts_at": starts_at, "ends_at": ends_at,
        "answer_by": answer_by, "currency": currency, "fee_basis": fee_basis, "rate": rate, "max_rate": max_rate,
        "strategy": strategy, "time_box_minutes": time_box_minutes, "broadcast_threshold_hours": threshold,
        "max_invitees": max_invitees, "brief_approach": approach, **text,
    }
    return cleaned, chairs, venue


def _list_length(request_like: dict | GigRequest) -> int | None:
    strategy = request_like["strategy"] if isinstance(request_like, dict) else request_like.strategy
    limit = request_like["max_invitees"] if isinstance(request_like, dict) else request_like.max_invitees
    if limit is not None:
        return limit
    return matching.MAX_INVITEES if strategy == GigRequest.Strategy.BROADCAST else matching.DEFAULT_CALL_LIST_LENGTH


def _slot(producer, cleaned: dict, instrument: Instrument) -> matching.Slot:
    venue = cleaned["venue"]
    return matching.Slot(
        producer_id=producer.pk, instrument=instrument, kind=cleaned["kind"], starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"], venue_point=(venue.latitude, venue.longitude) if venue is not None else None,
        currency=cleaned["currency"], fee_basis=cleaned["fee_basis"], rate=cleaned["rate"], max_rate=cleaned["max_rate"],
    )


def gig_request_preview(*, producer, data: dict[str, Any], exclude_musician_ids=()) -> dict[str, Any]:
    """Who would be asked, in which order, per instrument, saving nothing.

    A musician who matches several instruments is listed under the first one only (one chair per
    player per request). Also says why each first-call favourite is missing, if one is.
    """
    now = clock.now()
    cleaned, chairs, _venue = _validate(producer=producer, data=data, now=now)
    groups, taken = [], set(exclude_musician_ids)
    for instrument, count in chairs:
        slot = _slot(producer, cleaned, instrument)
        everyone = matching.match_candidates(slot=slot, now=now, exclude_musician_ids=taken)
        listed = everyone[: _list_length(cleaned)]
        taken.update(c.musician_id for c in listed)
        groups.append({
            "instrument": instrument,
            "count": count,
            "candidates": listed,
            "total_matching": len(everyone),
            "unavailable_favourites": matching.favourite_problems(
                slot=slot, matched_musician_ids={c.musician_id for c in everyone}
            ),
        })
    first_box = None
    probe = GigRequest(**cleaned)
    if not in_broadcast_mode(probe, now):
        first_box = int(time_box(probe, now).total_seconds())
    return {"cleaned": cleaned, "groups": groups, "first_time_box_seconds": first_box}


def _edited_lists(
    *, producer, cleaned: dict, chairs: list[tuple[Instrument, int]], invitees: list[dict], now: datetime
) -> dict[int, list[matching.Candidate]]:
    """The producer's edited lists: only matching players, each once, in the order given."""
    by_slug = {instrument.slug: instrument for instrument, _ in chairs}
    errors: list[str] = []
    result: dict[int, list[matching.Candidate]] = {}
    seen_profiles: set[int] = set()
    for entry in invitees:
        slug = str(entry.get("instrument", ""))
        instrument = by_slug.get(slug)
        if instrument is None:
            errors.append(f"“{slug[:40]}” is not one of the chairs in this request.")
            continue
        if instrument.pk in result:
            errors.append(f"{instrument.name} is listed twice.")
            continue
        profile_ids = list(entry.get("musicians") or [])
        everyone = {c.profile_id: c for c in matching.match_candidates(slot=_slot(producer, cleaned, instrument), now=now)}
        chosen = []
        for profile_id in profile_ids:
            if profile_id in seen_profiles:
                errors.append(f"Musician {profile_id} is listed more than once; a player takes one chair.")
            elif profile_id not in everyone:
                errors.append(
                    f"Musician {profile_id} cannot be asked for {instrument.name}: not free, out of range, "
                    "above your maximum, or not bookable."
                )
            else:
                chosen.append(everyone[profile_id])
            seen_profiles.add(profile_id)
        result[instrument.pk] = chosen
    if errors:
        raise ValidationFailed(fields={"invitees": errors})
    return result


def gig_request_create(*, producer, data: dict[str, Any], idempotency_key: str = "") -> GigRequest:
    """Post a request and send its first invitations (or hand a big broadcast to Celery).

    ``data`` is the API's validated shape (see api/serializers.py). ``data["invitees"]`` (optional)
    is the producer's edited list per instrument, in order; otherwise the ranked matches are used.
    Returns the request; ``request.replayed`` is True when ``idempotency_key`` was already used.
    Raises ValidationFailed / Forbidden. Locks nothing that exists yet; sends inside the
    transaction through ``notify``.
    """
    if idempotency_key:
        existing = GigRequest.objects.filter(producer=producer, idempotency_key=idempotency_key).first()
        if existing is not None:
            existing.replayed = True
            return existing
    try:
        return _create(producer=producer, data=data, idempotency_key=idempotency_key)
    except IntegrityError:
        # The same Idempotency-Key posted twice at once: the other request won; answer with it.
        existing = None
        if idempotency_key:
            existing = GigRequest.objects.filter(producer=producer, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        existing.replayed = True
        return existing


def _create(*, producer, data: dict[str, Any], idempotency_key: str) -> GigRequest:
    now = clock.now()
    invitees = data.get("invitees")
    with transaction.atomic():
        if invitees is None:
            preview = gig_request_preview(producer=producer, data=data, exclude_musician_ids=data.get("_exclude", ()))
            cleaned = preview["cleaned"]
            chairs = [(group["instrument"], group["count"]) for group in preview["groups"]]
            lists = {group["instrument"].pk: group["candidates"] for group in preview["groups"]}
        else:
            cleaned, chairs, _venue = _validate(producer=producer, data=data, now=now)
            lists = _edited_lists(producer=producer, cleaned=cleaned, chairs=chairs, invitees=invitees, now=now)
        request = GigRequest.objects.create(
            producer=producer, **cleaned, status=RStatus.OPEN, created_at=now, updated_at=now,
            widened_from=data.get("_widened_from"), idempotency_key=idempotency_key[:255],
        )
        Chair.objects.bulk_create([
            Chair(request=request, instrument=instrument, number=number)
            for instrument, count in chairs for number in range(1, count + 1)
        ])
        Invitation.objects.bulk_create([
            Invitation(
                request=request, instrument_id=instrument_id, musician_id=candidate.musician_id, position=position,
                offered_rate=candidate.offered_rate, score=candidate.score, ranking=candidate.ranking(), created_at=now,
            )
            for instrument_id, candidates in lists.items()
            for position, candidate in enumerate(candidates, start=1)
        ])
        request.replayed = False
        _advance(request, now)
    logger.info("gig request posted", extra={"gig_request": request.pk, "strategy": request.strategy})
    return request


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
    sent = []
    for invitation in invitations:
        if invitation.musician_id not in matching_now:
            continue
        invitation.status, invitation.sent_at, invitation.deadline = IStatus.SENT, now, deadline
        invitation.notification = messages.notify_invitation(
            invitation, request, link_path=f"{link_prefix}{offer_token(invitation, request)}/"
        )
        sent.append(invitation)
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


def _dispatch(request: GigRequest, invitation_ids: list[int], now: datetime) -> None:
    """Hand queued invitations to Celery in chunks, after commit; stamps ``released_at``."""
    from bookings.requests.tasks import dispatch_invitations

    Invitation.objects.filter(pk__in=invitation_ids, status=IStatus.QUEUED).update(released_at=now)
    for start in range(0, len(invitation_ids), DISPATCH_CHUNK):
        enqueue_on_commit(dispatch_invitations, request.pk, invitation_ids[start : start + DISPATCH_CHUNK])


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


def gig_request_advance(*, request_id: int) -> None:
    """Bring one request up to date now (the sweep's unit of work). Skips a request someone holds."""
    with transaction.atomic():
        request = (
            GigRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("producer", "venue")
            .filter(pk=request_id, status=RStatus.OPEN)
            .first()
        )
        if request is not None:
            _advance(request, clock.now())


def gig_requests_sweep(*, limit: int = 200) -> int:
    """Advance every open request with something due (beat). Returns how many were looked at.

    Each request is its own transaction, so one failure does not hold back the others, and a
    request locked by an accept right now is simply picked up by the next run.
    """
    now = clock.now()
    due = list(
        GigRequest.objects.filter(status=RStatus.OPEN, next_step_at__lte=now)
        .order_by("next_step_at", "id").values_list("id", flat=True)[:limit]
    )
    # Closing notices recorded but not written (the process died between the two transactions).
    unannounced = list(
        Invitation.objects.filter(notice_sent_at__isnull=True, closed_at__lte=now - NOTICE_GRACE)
        .exclude(notice="").order_by().values_list("request_id", flat=True).distinct()[:limit]
    )
    for request_id in due:
        try:
            gig_request_advance(request_id=request_id)
        except Exception:  # one broken request must not stop the sweep for the others
            logger.exception("gig request sweep failed", extra={"gig_request": request_id})
    for request_id in unannounced:
        try:
            announce_notices(request_id=request_id)
        except Exception:
            logger.exception("gig request notices failed", extra={"gig_request": request_id})
    return len(due) + len(unannounced)


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
            "max_invitees": old.max_invitees,
            "chairs": [{"instrument": row["instrument__slug"], "count": row["n"]} for row in unfilled],
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


# --- Favourites -----------------------------------------------------------------------------------


def favourite_add(*, producer, musician_profile_id: int, instrument: str, note: str = "") -> Favourite:
    """Put a player on the producer's first-call list for an instrument (at the end). Idempotent."""
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers keep first-call lists.", code="not_producer")
    errors: dict[str, list[str]] = {}
    note = _clean_text(note, "note", 200, errors)
    instrument_obj = Instrument.objects.filter(slug=str(instrument)).first()
    if instrument_obj is None:
        errors["instrument"] = ["Unknown instrument."]
    profile = (
        MusicianProfile.objects.select_related("user")
        .filter(pk=musician_profile_id, status=MusicianProfile.Status.APPROVED, user__is_active=True)
        .first()
    )
    if profile is None:
        errors["musician_profile"] = ["No such musician."]
    elif profile.user_id == producer.pk:
        errors["musician_profile"] = ["You cannot add yourself."]
    elif instrument_obj is not None and not profile.instruments.filter(instrument=instrument_obj).exists():
        errors["instrument"] = [f"{profile.display_name} does not list {instrument_obj.name}."]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        existing = Favourite.objects.filter(producer=producer, instrument=instrument_obj, musician=profile.user).first()
        if existing is not None:
            return existing
        last = Favourite.objects.filter(producer=producer, instrument=instrument_obj).aggregate(m=Max("position"))["m"]
        return Favourite.objects.create(
            producer=producer, instrument=instrument_obj, musician=profile.user,
            position=(last or 0) + 1, note=note, created_at=clock.now(),
        )


def favourite_remove(*, producer, favourite_id: int) -> None:
    deleted, _ = Favourite.objects.filter(pk=favourite_id, producer=producer).delete()
    if not deleted:
        raise NotFound("No such favourite.")


def favourite_move(*, producer, favourite_id: int, position: int) -> Favourite:
    """Move a favourite to ``position`` (1 = first call) within its instrument's list."""
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise _field_error("position", "A position from 1.")
    with transaction.atomic():
        favourite = Favourite.objects.select_for_update().filter(pk=favourite_id, producer=producer).first()
        if favourite is None:
            raise NotFound("No such favourite.")
        siblings = list(
            Favourite.objects.select_for_update()
            .filter(producer=producer, instrument_id=favourite.instrument_id)
            .exclude(pk=favourite.pk).order_by("position", "id")
        )
        siblings.insert(min(position, len(siblings) + 1) - 1, favourite)
        for index, item in enumerate(siblings, start=1):
            if item.position != index:
                item.position = index
                item.save(update_fields=["position"])
    favourite.refresh_from_db()
    return favourite


# --- Response stats -----------------------------------------------------------------------------------


def response_stats_refresh(*, musician_ids, now: datetime | None = None) -> None:
    """Recompute answer rate and median answer time for these musicians (last 12 months).

    Writes ``ResponseStats`` (with the counts) and the two figures on ``MusicianProfile``.

    Counted: offers that were sent and then accepted, declined or timed out. Withdrawn offers
    (filled or cancelled before the player's time was up) are left out: the player had no fair
    chance to answer. Median answer time is over accepted and declined offers.
    """
    now = now or clock.now()
    ids = sorted(set(musician_ids))
    if not ids:
        return
    rows = Invitation.objects.filter(
        musician_id__in=ids, sent_at__gte=now - STATS_WINDOW,
        status__in=[IStatus.ACCEPTED, IStatus.DECLINED, IStatus.TIMED_OUT],
    ).values_list("musician_id", "status", "sent_at", "answered_at")
    counted: dict[int, int] = defaultdict(int)
    durations: dict[int, list[float]] = defaultdict(list)
    for musician_id, status, sent_at, answered_at in rows:
        counted[musician_id] += 1
        if status != IStatus.TIMED_OUT and answered_at is not None:
            durations[musician_id].append(max((answered_at - sent_at).total_seconds(), 0.0))
    stats = []
    for musician_id in ids:
        total, answered = counted.get(musician_id, 0), durations.get(musician_id, [])
        stats.append(ResponseStats(
            musician_id=musician_id, offers_counted=total, answered=len(answered),
            response_rate=(len(answered) / total) if total else None,
            median_response_seconds=int(statistics.median(answered)) if answered else None,
            updated_at=now,
        ))
    ResponseStats.objects.bulk_create(
        stats, update_conflicts=True, unique_fields=["musician"],
        update_fields=["offers_counted", "answered", "response_rate", "median_response_seconds", "updated_at"],
    )
    # Denormalised onto the profile: the public page shows them and the ranking reads them with
    # the search row, at no extra query.
    by_musician = {stat.musician_id: stat for stat in stats}
    profiles = list(MusicianProfile.objects.filter(user_id__in=ids).only("id", "user_id"))
    for profile in profiles:
        profile.response_rate = by_musician[profile.user_id].response_rate
        profile.median_response_seconds = by_musician[profile.user_id].median_response_seconds
    MusicianProfile.objects.bulk_update(profiles, ["response_rate", "median_response_seconds"])
