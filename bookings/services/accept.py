"""Accepting an offer: the busiest write, kept short while the musician's row is locked.

Before the locks, one read: the booking with its parties (it also answers "may this caller see
it") and, in the same statement, the parties' channel choices for confirmations. Under the
musician's lock the overlap check runs first, in one statement, so the players who lost a race for
that musician learn it there and leave: no booking row waited for, nothing rendered, the search
cache left alone. The winner then locks the booking, writes it, its history and busy time, and the
two confirmations with only their cheap parts (title, text, link) and their delivery rows; the
bodies and .ics files are rendered after commit, from the booking as committed, and stored before
delivery is enqueued. If the process dies in between, the worker (or the inbox) renders them with
the same function before they are sent or shown (``gigbook.notifications.rendering``).
"""

from __future__ import annotations

import logging
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
from gigbook.notifications import outbox, preferences
from musicians import cache as search_cache
from musicians import selectors as musician_selectors
from musicians import services as musician_services
from musicians.models import BusyInterval, MusicianProfile

logger = logging.getLogger(__name__)

Status = Booking.Status
_RELATED = ("producer", "musician", "instrument", "venue")
_PARTIES = ("producer_id", "musician_id")
_CONFIRMATIONS = preferences.kind_group(messages.ACCEPTED)


def booking_read_for_party(*, booking_id: int, actor) -> Booking:
    """The booking with its parties, instrument and venue, unlocked, if ``actor`` is a party or staff.

    One statement, which also reads the parties' channel choices for a confirmation (see
    ``_confirmation_facts``); 404 for anyone else (no existence leak).
    """
    booking = (
        Booking.objects.select_related(*_RELATED)
        .annotate(**outbox.channel_facts_annotations(user_fields=_PARTIES, group=_CONFIRMATIONS))
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or actor is None or not (booking.is_party(actor) or actor.is_staff):
        raise NotFound("No such booking.")
    return booking


def _confirmation_facts(snapshot: Booking | None, booking: Booking) -> outbox.ChannelFacts | None:
    """The channel choices read with the snapshot, if it was read for the same two parties."""
    if snapshot is None or not hasattr(snapshot, f"_cf_{_PARTIES[0]}_push"):
        return None
    if (snapshot.producer_id, snapshot.musician_id) != (booking.producer_id, booking.musician_id):
        return None
    return outbox.channel_facts_from_row(snapshot, user_fields=_PARTIES, group=_CONFIRMATIONS)


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
    times, releases open holds on that time, notifies both sides (confirmation with .ics: written
    under the lock without body and .ics, rendered and stored right after commit, then delivery
    enqueued). A repeat by the musician returns the booking unchanged. ``snapshot``: the booking as
    ``booking_read_for_party`` returned it, when the caller has read it already.
    """
    now = clock.now()
    snapshot = snapshot or booking_read_for_party(booking_id=booking_id, actor=actor)
    early = _may_accept(snapshot, actor, token, now)
    written: list = []
    with transaction.atomic():
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
        if taken is None or (booking.starts_at, booking.ends_at) != (snapshot.starts_at, snapshot.ends_at):
            taken = _time_taken(profile, booking)
            _refuse_if_taken(taken)
        # Bumped now and again after commit: a search page computed meanwhile is never served.
        # Only by the accept that goes ahead: a player who lost the race changed nothing.
        search_cache.invalidate()
        booking.accepted_at = now
        _set_reminders(booking, now)
        _apply(booking, action="accept", actor=actor, now=now, fields=("accepted_at", "remind_24h_at", "remind_2h_at"))
        musician_services.busy_interval_take(
            profile=profile, starts_at=booking.starts_at, ends_at=booking.ends_at,
            source=BusyInterval.Source.BOOKING, source_id=booking.pk, label="Booked",
        )
        if taken.holds:
            holds_bump_for_booking(booking=booking, now=now)
        written = outbox.outbox_write(outbox.outbox_prepare(
            messages.accepted_items_to_render(booking), now=now, facts=_confirmation_facts(snapshot, booking)
        ))
    _render_confirmations(booking, written)
    return booking


def _render_confirmations(booking: Booking, written: list) -> None:
    """Render the confirmations just committed (body, .ics), store them, then enqueue their delivery.

    From the booking as committed, so a venue edited between the unlocked read and the locks is
    quoted as it is now. A failure here must not turn a committed accept into an error: the rows
    stay waiting and the worker renders them before sending. (Inside a caller's transaction this
    runs before that commits: still right, only no longer outside the musician's lock.)
    """
    rendered = {}
    try:
        for pk, message in written:
            rendered[pk] = messages.accepted_content(booking, message.recipient, stamp=message.created_at)
    except Exception:
        logger.exception("rendering the confirmations after the accept failed", extra={"booking": booking.pk})
        rendered = {}
    outbox.outbox_fill(written, rendered)
