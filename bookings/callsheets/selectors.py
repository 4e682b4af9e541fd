"""Reads about call sheets: the per-player delivery state for the producer, the player's own view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from bookings.callsheets import rules
from bookings.callsheets.models import CallSheet, CallSheetPlayer, CallSheetRecipient, CallSheetVersion
from bookings.models import Booking
from gigbook.notifications.models import Delivery


@dataclass
class PlayerState:
    """One player's row on the producer's page: where the latest message about the sheet got to.

    sent: written to the outbox (in their inbox at once); delivered: the first channel (email, text,
    push) handed it to its provider; opened: the sheet's page opened by them (its script), the message
    read in the inbox or the push tapped, whichever came first; confirmed: they confirmed the changes.
    """

    player: CallSheetPlayer
    booking: Booking
    state: str  # confirmed | waiting | informed | dropped_out | cancelled | nothing_sent
    label: str
    version: int | None
    needs_confirm: bool
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    confirmed_at: datetime | None
    reminders_sent: int
    channels: list[str]


def _earliest(*moments):
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _state(player: CallSheetPlayer, receipt: CallSheetRecipient | None) -> tuple[str, str]:
    if player.dropped_out_at is not None:
        return "dropped_out", "Dropped out"
    if player.booking.status != Booking.Status.ACCEPTED:
        return "cancelled", player.booking.get_status_display()
    if player.reconfirm_version is not None:
        return "waiting", "Not confirmed yet"
    if receipt is None:
        return "nothing_sent", "No changes sent"
    if receipt.needs_confirm or player.confirmed_at is not None and player.confirmed_version == receipt.version.number:
        return "confirmed", "Confirmed"
    return "informed", "Informed"


def call_sheet_player_states(*, sheet: CallSheet) -> list[PlayerState]:
    """Every player of the sheet (dropped out too) with the state of the latest message they got.

    Three queries: players (booking, musician, instrument), their receipts (version, notification),
    the notifications' deliveries.
    """
    players = list(
        CallSheetPlayer.objects.filter(sheet=sheet)
        .select_related("booking__musician", "booking__instrument")
        .prefetch_related(Prefetch(
            "receipts",
            queryset=CallSheetRecipient.objects.select_related("version", "notification")
            .prefetch_related(Prefetch("notification__deliveries", queryset=Delivery.objects.order_by("id")))
            .order_by("-version__number"),
        ))
        .order_by("booking__instrument__name", "id")
    )
    rows = []
    for player in players:
        receipts = list(player.receipts.all())
        receipt = receipts[0] if receipts else None
        pending = next((r for r in receipts if r.needs_confirm and r.version.number == player.reconfirm_version), None)
        shown = pending or receipt
        state, label = _state(player, receipt)
        notification = shown.notification if shown else None
        deliveries = list(notification.deliveries.all()) if notification else []
        sent_ok = [d for d in deliveries if d.status == Delivery.Status.SENT and d.sent_at]
        rows.append(PlayerState(
            player=player, booking=player.booking, state=state, label=label,
            version=shown.version.number if shown else None,
            needs_confirm=bool(shown and shown.needs_confirm),
            sent_at=notification.created_at if notification else (shown.created_at if shown else None),
            delivered_at=_earliest(*(d.sent_at for d in sent_ok)),
            opened_at=_earliest(shown.opened_at if shown else None, notification.read_at if notification else None,
                                *(d.opened_at for d in deliveries)),
            confirmed_at=shown.confirmed_at if shown and shown.needs_confirm else None,
            reminders_sent=player.reminders_sent if player.reconfirm_version is not None else 0,
            channels=[d.get_channel_display() for d in sent_ok],
        ))
    return rows


def call_sheet_versions(*, sheet: CallSheet) -> list[CallSheetVersion]:
    return list(CallSheetVersion.objects.filter(sheet=sheet).select_related("author").order_by("-number"))


def changes_for_player(*, versions: list[CallSheetVersion], booking_id: int, since: int) -> list[dict]:
    """The changes after version ``since`` that concern one player, oldest first, each with its version."""
    found = []
    for version in sorted(versions, key=lambda v: v.number):
        if version.number <= since:
            continue
        found += [{**change, "version": version.number} for change in version.changes if booking_id in change["bookings"]]
    return found


def player_view(*, sheet: CallSheet, player: CallSheetPlayer, players: list[dict], content: dict) -> dict:
    """What a player's page shows: the sheet with only their materials."""
    info = next((p for p in players if p["booking"] == player.booking_id), None)
    materials = rules.materials_for(content, info, players) if info else []
    return {**content, "materials": materials}
