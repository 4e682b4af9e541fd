"""The player's side: the sheet opened, the changes confirmed, or a drop-out under the booking's terms."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from bookings import services as booking_services
from bookings.callsheets import messages
from bookings.callsheets.messages import TOKEN_PURPOSE
from bookings.callsheets.models import CallSheetPlayer, CallSheetRecipient
from bookings.callsheets.services.sheets import booking_for
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, NotFound
from gigbook.core.tokens import ActionToken, action_token_spend


def _check(token: ActionToken | None, booking_id: int, actor) -> None:
    if token is not None and (token.purpose != TOKEN_PURPOSE or token.subject_id != booking_id
                              or token.user_id != actor.pk):
        raise Forbidden("This link is not for this call sheet.", code="token_mismatch")


def _spend(token: ActionToken | None, booking_id: int, actor, *, version: int) -> None:
    """Spend a phone-link token in the confirm's transaction, once per version: the link in an older
    message still confirms a newer change (the player sees it on the page first), never the same twice."""
    _check(token, booking_id, actor)
    if token is not None:
        action_token_spend(dataclasses.replace(token, token_id=f"{token.token_id}:v{version}"[:64]))


def _player_locked(booking_id: int, actor) -> CallSheetPlayer:
    booking = booking_for(booking_id=booking_id, user=actor)
    if actor.pk != booking.musician_id:
        raise Forbidden("Only the booked player can confirm the call sheet.", code="wrong_party")
    player = (CallSheetPlayer.objects.select_for_update(of=("self",)).select_related("booking", "sheet")
              .filter(booking_id=booking_id).first())
    if player is None:
        raise NotFound("This booking has no call sheet yet.")
    return player


def call_sheet_opened(*, booking_id: int, musician_id: int) -> int:
    """The player opened the sheet (its page's script says so; a link scanner runs none): every message
    about it not yet opened is marked opened now. Returns how many. Harmless to repeat."""
    return CallSheetRecipient.objects.filter(
        player__booking_id=booking_id, player__booking__musician_id=musician_id, opened_at__isnull=True
    ).update(opened_at=clock.now())


@transaction.atomic
def call_sheet_confirm(*, booking_id: int, actor, version: int, token: ActionToken | None = None) -> CallSheetPlayer:
    """The player confirms the changes up to ``version`` (the one they were shown).

    Locks the player's row. Clears "re-confirm needed" and the reminders, and stamps the messages
    of those versions confirmed (and opened). A repeat, or a confirm with nothing waiting, returns
    the row unchanged. A newer critical change than the one shown is a 409 (they must see it first).
    """
    player = _player_locked(booking_id, actor)
    if player.reconfirm_version is None:
        return player
    if version < player.reconfirm_version:
        raise Conflict(f"The call sheet changed again (version {player.reconfirm_version}). "
                       "Read the new changes, then confirm.", code="call_sheet_changed")
    if player.booking.status != "accepted" or player.dropped_out_at is not None:
        raise Conflict("This booking is no longer on; there is nothing to confirm.", code="booking_finished")
    _spend(token, booking_id, actor, version=player.reconfirm_version)
    now = clock.now()
    confirmed = player.reconfirm_version
    player.reconfirm_version = None
    player.next_reminder_at = None
    player.confirmed_version = confirmed
    player.confirmed_at = now
    player.save(update_fields=["reconfirm_version", "next_reminder_at", "confirmed_version", "confirmed_at"])
    receipts = CallSheetRecipient.objects.filter(player=player, version__number__lte=confirmed)
    receipts.filter(needs_confirm=True, confirmed_at__isnull=True).update(confirmed_at=now)
    receipts.filter(Q(opened_at__isnull=True)).update(opened_at=now)
    return player


@transaction.atomic
def call_sheet_drop_out(*, booking_id: int, actor, reason: str, expected_fee: Decimal | None = None,
                        token: ActionToken | None = None) -> CallSheetPlayer:
    """The player cannot make the changed gig: the booking is cancelled by them under its terms.

    ``booking_cancel`` does the cancelling (locks, the cancellation terms, freeing the time, the
    cancellation messages with .ics); the player leaves the sheet's waiting list, and the producer
    is told with a link to refill the chair.
    """
    booking = booking_for(booking_id=booking_id, user=actor)
    if actor.pk != booking.musician_id:
        raise Forbidden("Only the booked player can drop out.", code="wrong_party")
    # Not spent: cancelling is final and a repeat changes nothing, and the link that confirmed an
    # earlier change must still let the player drop out of a later one.
    _check(token, booking_id, actor)
    booking = booking_services.booking_cancel(booking_id=booking_id, actor=actor, reason=reason,
                                              expected_fee=expected_fee)
    player = CallSheetPlayer.objects.select_for_update().filter(booking_id=booking_id).first()
    if player is None:
        raise NotFound("This booking has no call sheet yet.")
    if player.dropped_out_at is None:
        player.dropped_out_at = clock.now()
        player.reconfirm_version = None
        player.next_reminder_at = None
        player.save(update_fields=["dropped_out_at", "reconfirm_version", "next_reminder_at"])
        messages.notify_dropped_out(player=player, booking=booking)
    return player
