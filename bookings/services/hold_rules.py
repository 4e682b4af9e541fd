"""Rules shared by the hold (pencil) use cases: limits, errors, locks, ranks and ending holds.

Every end of a hold (release, decline, expiry, a lapsed challenge, a firm booking taking the time)
goes through ``holds_end``: one code path for one hold or a sweep's batch of hundreds, so the holds
below always move up and each message is written exactly once (a dedupe key per hold and event).
Locks: the musician's profile first (as every booking write), then hold rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet

from bookings import hold_messages
from bookings.models import Booking, Hold
from gigbook.core.errors import Conflict, InvalidTransition, NotFound
from gigbook.notifications.services import notify_many
from musicians import services as musician_services
from musicians.models import BusyInterval, MusicianProfile

HStatus = Hold.Status
DEFAULT_EXPIRY = timedelta(hours=72)
MIN_EXPIRY = timedelta(hours=1)
MAX_EXPIRY = timedelta(days=30)
DEFAULT_CHALLENGE_HOURS = 24
MIN_CHALLENGE_HOURS = 1
MAX_CHALLENGE_HOURS = 72


class HoldClosed(InvalidTransition):
    default_detail = "This hold is no longer open."

    def __init__(self, detail: str | None = None, *, code: str = "hold_closed", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class HoldNotFirst(Conflict):
    default_detail = "Only the 1st hold can be confirmed. Challenge the holds above yours instead."

    def __init__(self, detail: str | None = None, *, code: str = "hold_not_first", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


class ChallengeNotPossible(Conflict):
    default_detail = "This hold cannot challenge now."

    def __init__(self, detail: str | None = None, *, code: str = "challenge_not_possible", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


def overlapping(qs: QuerySet, starts_at: datetime, ends_at: datetime) -> QuerySet:
    # Half-open, like bookings: back-to-back holds (10-12, 12-13) are not on the same time.
    return qs.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


def active_holds_on(*, musician_id: int, starts_at: datetime, ends_at: datetime) -> QuerySet:
    """Open holds (requested or held) of one musician on any part of [starts_at, ends_at), by rank."""
    qs = Hold.objects.filter(musician_id=musician_id, status__in=Hold.ACTIVE_STATUSES)
    return overlapping(qs, starts_at, ends_at).order_by("rank", "id")


def lock_hold(hold_id: int) -> Hold:
    hold = (
        Hold.objects.select_for_update(of=("self",))
        .select_related("producer", "musician", "instrument", "venue")
        .filter(pk=hold_id)
        .first()
    )
    if hold is None:
        raise NotFound("No such hold.")
    return hold


def peek(hold_id: int, actor) -> Hold:
    """The hold, unlocked, only for its two parties (404 for everyone else: no existence leak)."""
    hold = Hold.objects.filter(pk=hold_id).only("id", "producer_id", "musician_id").first()
    if hold is None or actor is None or not hold.is_party(actor):
        raise NotFound("No such hold.")
    return hold


def lock_musicians(musician_ids) -> None:
    """The first lock of every hold write, in id order so two sweeps cannot deadlock."""
    list(
        MusicianProfile.objects.select_for_update().filter(user_id__in=set(musician_ids))
        .order_by("user_id").values_list("pk", flat=True)
    )


def pencil_in(hold: Hold, profile: MusicianProfile) -> None:
    """Held time shows as pencilled (not free, not booked) in search and the musician's calendar."""
    musician_services.busy_interval_add(
        profile=profile, starts_at=hold.starts_at, ends_at=hold.ends_at,
        source=BusyInterval.Source.HOLD, source_id=hold.pk, label="Pencilled",
    )


def holds_end(holds: list[Hold], *, status: str, reason: str, now: datetime) -> list[Hold]:
    """End open ``holds`` (the caller holds their musicians' locks), move the holds below up and
    write the messages. Returns the challengers that reached the 1st hold: the caller confirms
    them (their producers asked to confirm; ``holds.confirm_challengers``).

    A few statements for any number of holds: the sweep ends hundreds per transaction.
    """
    holds = [hold for hold in holds if hold.status in Hold.ACTIVE_STATUSES]
    if not holds:
        return []
    ids = [hold.pk for hold in holds]
    Hold.objects.filter(pk__in=ids).update(
        status=status, end_reason=reason, ended_at=now, status_changed_at=now, updated_at=now,
        challenge_ends_at=None, challenged_until=None, sequence=F("sequence") + 1,
    )
    for hold in holds:
        hold.status, hold.end_reason, hold.ended_at = status, reason, now
        hold.sequence += 1
    musician_services.busy_intervals_remove(source=BusyInterval.Source.HOLD, source_ids=ids)
    items = [item for hold in holds for item in hold_messages.ended(hold)]
    _clear_lapsed_challenges(holds, now)
    ready, promoted = _promote(holds, now)
    items += [item for hold in promoted for item in hold_messages.promoted(hold)]
    notify_many(items)
    return ready


def _clear_lapsed_challenges(ended: list[Hold], now: datetime) -> None:
    """A challenger that ended stops its challenge: the holds above it no longer owe an answer."""
    for challenger in ended:
        if challenger.challenge_ends_at is None:
            continue
        above = active_holds_on(musician_id=challenger.musician_id, starts_at=challenger.starts_at,
                                ends_at=challenger.ends_at).filter(rank__lt=challenger.rank)
        above.update(challenged_until=None, updated_at=now)
        challenger.challenge_ends_at = None


def _promote(ended: list[Hold], now: datetime) -> tuple[list[Hold], list[Hold]]:
    """Move up every open hold that had an ended hold above it on the same time.

    Returns (challengers now 1st, other holds that moved). A hold moves up by the number of
    ended holds that were above it and overlap it: one UPDATE per distinct shift (almost always 1).
    """
    by_musician: dict[int, list[Hold]] = {}
    for hold in ended:
        by_musician.setdefault(hold.musician_id, []).append(hold)
    candidates = (
        Hold.objects.filter(musician_id__in=list(by_musician), status__in=Hold.ACTIVE_STATUSES,
                            starts_at__lt=max(h.ends_at for h in ended), ends_at__gt=min(h.starts_at for h in ended))
        .prefetch_related("producer", "musician", "instrument", "venue")
    )
    moved: list[Hold] = []
    by_shift: dict[int, list[int]] = {}
    for hold in candidates:
        shift = sum(
            1 for gone in by_musician[hold.musician_id]
            if gone.rank < hold.rank and gone.starts_at < hold.ends_at and gone.ends_at > hold.starts_at
        )
        if shift:
            shift = min(shift, hold.rank - 1)
            hold.rank -= shift
            hold.updated_at = now
            hold.sequence += 1
            moved.append(hold)
            by_shift.setdefault(shift, []).append(hold.pk)
    for shift, ids in by_shift.items():
        Hold.objects.filter(pk__in=ids).update(rank=F("rank") - shift, updated_at=now, sequence=F("sequence") + 1)
    ready = [h for h in moved if h.rank == 1 and h.status == HStatus.HELD and h.challenge_ends_at is not None]
    return ready, [h for h in moved if h not in ready]


def holds_bump_for_booking(*, booking: Booking, now: datetime) -> int:
    """A firm booking took the time: every open hold on it is released (the caller holds the
    musician's lock). Returns how many. Called from the one place bookings take time."""
    holds = list(
        active_holds_on(musician_id=booking.musician_id, starts_at=booking.starts_at, ends_at=booking.ends_at)
        .select_for_update(of=("self",)).select_related("producer", "musician", "instrument", "venue")
    )
    holds_end(holds, status=HStatus.RELEASED, reason=Hold.EndReason.BUMPED, now=now)
    return len(holds)


def holds_bump_for_bookings(*, bookings: list[Booking], now: datetime) -> int:
    """``holds_bump_for_booking`` for many bookings of one musician at once (one select, then
    ``holds_end``'s few statements for all of them)."""
    if not bookings:
        return 0
    windows = Q()
    for booking in bookings:
        windows |= Q(starts_at__lt=booking.ends_at, ends_at__gt=booking.starts_at)
    holds = list(
        Hold.objects.filter(windows, musician_id=bookings[0].musician_id, status__in=Hold.ACTIVE_STATUSES)
        .order_by("rank", "id").select_for_update(of=("self",))
        .select_related("producer", "musician", "instrument", "venue")
    )
    holds_end(holds, status=HStatus.RELEASED, reason=Hold.EndReason.BUMPED, now=now)
    return len(holds)


def holds_would_bump(*, musician_id: int, starts_at: datetime, ends_at: datetime, producer) -> list[dict]:
    """The open holds a firm booking of this time would release: rank, until when, and whether
    the asking producer placed it. Other producers' names are not shown."""
    return [
        {"rank": hold.rank, "rank_label": hold.rank_label, "expires_at": hold.expires_at,
         "yours": hold.producer_id == producer.pk}
        for hold in active_holds_on(musician_id=musician_id, starts_at=starts_at, ends_at=ends_at)
    ]


def expire_lapsed_on(*, musician_id: int, starts_at: datetime, ends_at: datetime, now: datetime) -> list[Hold]:
    """Expire the open holds on this time whose ``expires_at`` has passed, before a rank is read
    (the sweep would do the same within a minute; the messages are the same, once). The caller
    holds the musician's lock. Returns challengers that became 1st, as ``holds_end``."""
    lapsed = list(
        active_holds_on(musician_id=musician_id, starts_at=starts_at, ends_at=ends_at)
        .filter(expires_at__lte=now).select_for_update(of=("self",))
        .select_related("producer", "musician", "instrument", "venue")
    )
    return holds_end(lapsed, status=HStatus.EXPIRED, reason="", now=now)
