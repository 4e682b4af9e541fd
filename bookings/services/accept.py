"""Accepting an offer: the busiest write, kept short while the musician's row is locked.

What does not depend on the locked state is done before the locks: the booking is read once
(with its parties; that read also answers "may this caller see it"), and the confirmations are
rendered from it as they will read once accepted (bodies, .ics) with their channels looked up.
Under the musician's lock the overlap check runs first, in one statement, so the players who lost
a race for that musician learn it before they wait for any booking row. The booking is then
locked and compared with what was read; only if something changed in between (rare: a venue
edit) are the messages rendered again, under the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists

from bookings import messages
from bookings.models import Booking
from bookings.phone import OFFER_PURPOSE
from bookings.services.common import (
    BookingConflict,
    MusicianUnavailable,
    _already_done,
    _apply,
    _lock_booking,
    _overlapping_accepted,
    _require_role,
    _require_transition,
    musician_lock,
)
from bookings.services.hold_rules import active_holds_on, holds_bump_for_booking
from bookings.services.offers import _set_reminders, _spend
from gigbook.core import clock
from gigbook.core.errors import NotFound
from gigbook.core.tokens import ActionToken
from gigbook.notifications.outbox import outbox_prepare
from gigbook.notifications.services import notify_many
from musicians import cache as search_cache
from musicians import selectors as musician_selectors
from musicians import services as musician_services
from musicians.models import BusyInterval, MusicianProfile

Status = Booking.Status
_RELATED = ("producer", "musician", "instrument", "venue")


def booking_read_for_party(*, booking_id: int, actor) -> Booking:
    """The booking with its parties, instrument and venue, unlocked, if ``actor`` is a party or staff.

    One statement; 404 for anyone else (no existence leak).
    """
    booking = Booking.objects.select_related(*_RELATED).filter(pk=booking_id).first()
    if booking is None or actor is None or not (booking.is_party(actor) or actor.is_staff):
        raise NotFound("No such booking.")
    return booking


def booking_accept_as_party(*, booking_id: int, actor) -> Booking:
    """The API's accept: the producer takes a counter-offer, anyone else accepts as the musician."""
    from bookings.services.lifecycle import booking_accept_counter

    snapshot = booking_read_for_party(booking_id=booking_id, actor=actor)
    if actor.pk == snapshot.producer_id:
        return booking_accept_counter(booking_id=booking_id, actor=actor)
    return booking_accept(booking_id=booking_id, actor=actor, snapshot=snapshot)


@dataclass(frozen=True)
class _Taken:
    booked: bool
    blocked: bool
    holds: bool


def _time_taken(profile: MusicianProfile, booking: Booking) -> _Taken:
    """Accepted bookings, unavailability and open holds on the booking's time: one statement.

    The caller holds the musician's lock, so no accept for this musician can slip in between.
    Weekly blocks past the written horizon (rare) cost one more read.
    """
    window = {"starts_at": booking.starts_at, "ends_at": booking.ends_at}
    row = (
        MusicianProfile.objects.filter(pk=profile.pk)
        .annotate(
            booked=Exists(_overlapping_accepted(musician_id=booking.musician_id, exclude_id=booking.pk, **window)),
            blocked=Exists(musician_selectors.blocks_overlapping(profile_id=profile.pk, **window)),
            weekly=Exists(musician_selectors.weekly_blocks_unexpanded(profile_id=profile.pk, ends_at=booking.ends_at)),
            holds=Exists(active_holds_on(musician_id=booking.musician_id, **window)),
        )
        .values_list("booked", "blocked", "weekly", "holds")
        .get()
    )
    booked, blocked, weekly, holds = row
    if weekly and not blocked:
        conflicts = musician_selectors.musician_conflicts(profile=profile, **window)
        blocked = any(interval.source == BusyInterval.Source.BLOCK for interval in conflicts)
    return _Taken(booked=booked, blocked=blocked, holds=holds)


def _refuse_if_taken(taken: _Taken) -> None:
    if taken.booked:
        raise BookingConflict()
    if taken.blocked:
        raise MusicianUnavailable()


def _fingerprint(booking: Booking) -> tuple:
    """Every stored value of the booking and of the rows its messages quote."""
    rows = [booking, *(getattr(booking, name) for name in _RELATED)]
    return tuple(
        tuple(getattr(row, f.attname) for f in row._meta.concrete_fields) if row is not None else None for row in rows
    )


def _as_accepted(booking: Booking, actor, now: datetime) -> Booking:
    """A copy of ``booking`` as accepting it at ``now`` leaves it (for rendering its messages)."""
    draft = Booking(**{f.attname: getattr(booking, f.attname) for f in Booking._meta.concrete_fields})
    for name in _RELATED:
        setattr(draft, name, getattr(booking, name))
    draft.status, draft.status_changed_at, draft.status_changed_by = Status.ACCEPTED, now, actor
    draft.updated_at, draft.sequence, draft.accepted_at = now, booking.sequence + 1, now
    _set_reminders(draft, now)
    return draft


def _may_accept(booking: Booking, actor, token: ActionToken | None, now: datetime) -> bool:
    """Whether the unlocked read says this accept can go ahead (else the locked path finds out why)."""
    token_fits = token is None or (
        token.purpose == OFFER_PURPOSE and token.subject_id == booking.pk and token.user_id == actor.pk
    )
    return booking.status == Status.OFFERED and actor.pk == booking.musician_id and now < booking.expires_at and token_fits


def booking_accept(
    *, booking_id: int, actor, token: ActionToken | None = None, snapshot: Booking | None = None
) -> Booking:
    """The musician accepts an offer: offered -> accepted; the fee is frozen.

    Locks the musician's profile, then the booking. Refuses (409) an expired offer (compared
    with the clock under the lock, whether or not the sweep has run), a time that overlaps
    another accepted booking (BookingConflict; the exclusion constraint backs this up) or an
    unavailability block (MusicianUnavailable). Writes busy time, sets the 24 h / 2 h reminder
    times, releases open holds on that time, notifies both sides (confirmation with .ics). A
    repeat by the musician returns the booking unchanged. ``snapshot``: the booking as
    ``booking_read_for_party`` returned it, when the caller has read it already.
    """
    now = clock.now()
    snapshot = snapshot or booking_read_for_party(booking_id=booking_id, actor=actor)
    early = _may_accept(snapshot, actor, token, now)
    prepared = outbox_prepare(messages.accepted_items(_as_accepted(snapshot, actor, now)), now=now) if early else None
    with transaction.atomic():
        # Bumped now and again after commit: a search page computed meanwhile is never served.
        search_cache.invalidate()
        profile = musician_lock(musician_id=snapshot.musician_id)
        taken = None
        if early:
            # Straight after the musician's lock: a player who lost the race is told before
            # waiting for the booking's row.
            taken = _time_taken(profile, snapshot)
            _refuse_if_taken(taken)
        booking = _lock_booking(booking_id)
        _require_role(booking, actor, "musician", "accept")
        if _already_done(booking, "accept", actor):
            return booking
        _require_transition(booking, "accept", clock.now())
        _spend(token, booking, actor)
        unchanged = early and _fingerprint(booking) == _fingerprint(snapshot)
        if taken is None or (booking.starts_at, booking.ends_at) != (snapshot.starts_at, snapshot.ends_at):
            taken = _time_taken(profile, booking)
            _refuse_if_taken(taken)
        booking.accepted_at = now
        _set_reminders(booking, now)
        _apply(booking, action="accept", actor=actor, now=now, fields=("accepted_at", "remind_24h_at", "remind_2h_at"))
        musician_services.busy_interval_take(
            profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at,
            source=BusyInterval.Source.BOOKING, source_id=booking.pk, label="Booked",
        )
        if taken.holds:
            holds_bump_for_booking(booking=booking, now=now)
        if unchanged:
            notify_many([], prepared=prepared)
        else:
            messages.notify_accepted(booking)
    return booking
