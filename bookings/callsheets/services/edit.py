"""The producer edits a call sheet: a new immutable version, the bookings moved, the right players told."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from bookings import services as booking_services
from bookings.callsheets import messages, rules
from bookings.callsheets.models import CallSheet, CallSheetPlayer, CallSheetRecipient, CallSheetVersion
from bookings.callsheets.services.sheets import (
    active_players,
    booking_for,
    current_version,
    fee_text,
    player_infos,
    sheet_get_or_create,
)
from bookings.models import Booking, Venue
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from musicians.models import Instrument

Status = Booking.Status
_CALL_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def _clean_materials(items: list[dict], previous: list[dict], players: list[CallSheetPlayer]) -> list[dict]:
    if len(items) > rules.MAX_MATERIALS:
        raise _fail("materials", f"A call sheet can list at most {rules.MAX_MATERIALS} materials.")
    on_sheet = {p.booking_id for p in players}
    known_slugs = set(Instrument.objects.filter(slug__in={s for i in items for s in i.get("instruments") or ()})
                      .values_list("slug", flat=True))
    used = {item["key"] for item in previous}
    next_number = 1 + max((int(k[1:]) for k in used if k[1:].isdigit()), default=0)
    cleaned = []
    for position, item in enumerate(items, start=1):
        title = (item.get("title") or "").strip()
        if not title:
            raise _fail("materials", f"Material {position} needs a title, e.g. “Alto sax part”.")
        if len(title) > 200 or len(item.get("detail") or "") > 1000:
            raise _fail("materials", f"Keep material {position} shorter (title 200, details 1,000 characters).")
        bookings = sorted({int(b) for b in item.get("bookings") or ()})
        if set(bookings) - on_sheet:
            raise _fail("materials", f"Material {position} is addressed to a player who is not on this call sheet.")
        instruments = sorted(set(item.get("instruments") or ()))
        if set(instruments) - known_slugs:
            raise _fail("materials", f"Material {position} names an instrument we do not know.")
        key = item.get("key") or ""
        if key not in used or key in {c["key"] for c in cleaned}:
            key, next_number = f"m{next_number}", next_number + 1
        cleaned.append({"key": key, "title": title, "detail": (item.get("detail") or "").strip(),
                        "instruments": instruments, "bookings": bookings})
    return cleaned


def _new_content(current: dict, given: dict[str, Any], players: list[CallSheetPlayer], producer) -> tuple[dict, dict]:
    """The content after the edit, and the booking moves it needs ({starts_at, ends_at, venue_id, rates})."""
    content = copy.deepcopy(current)
    moves: dict[str, Any] = {}
    if given.get("venue") is not None and given["venue"] != (current.get("venue") or {}).get("id"):
        if current.get("venue") is None:
            raise _fail("venue", "A remote recording has no venue.")
        venue = Venue.objects.filter(pk=given["venue"], owner=producer).first()
        if venue is None:
            raise _fail("venue", "Choose one of your venues.")
        content["venue"] = {"id": venue.pk, "name": venue.name, "address": venue.address}
        content["time_zone"] = venue.time_zone
        moves["venue_id"] = venue.pk
    zone = content["time_zone"]
    for name in ("starts_at", "ends_at"):
        value: datetime | None = given.get(name)
        if value is not None:
            value = booking_services.resolve_local_time(value, zone, name)
            if value.isoformat() != datetime.fromisoformat(current[name]).isoformat():
                moves[name] = value
                content[name] = value.isoformat()
    for key, label, limit in rules.TEXT_FIELDS:
        if given.get(key) is not None:
            text = str(given[key]).strip()
            if len(text) > limit:
                raise _fail(key, f"Keep the {label.lower()} under {limit:,} characters.")
            if key == "call_time" and text and not _CALL_TIME.match(text):
                raise _fail(key, "Give the call time as hours and minutes on a 24-hour clock, e.g. 09:30.")
            content[key] = text
    if given.get("materials") is not None:
        content["materials"] = _clean_materials(given["materials"], current.get("materials") or [], players)
    rates = given.get("rates") or {}
    on_sheet = {p.booking_id for p in players}
    for booking_id, rate in rates.items():
        if int(booking_id) not in on_sheet:
            raise _fail("rates", "A fee can only change for a player on this call sheet.")
        if Decimal(rate) < 0:
            raise _fail("rates", "A fee cannot be negative.")
    if rates:
        moves["rates"] = {int(k): Decimal(v) for k, v in rates.items()}
    return content, moves


def _lock_sheet(booking: Booking) -> CallSheet:
    sheet = sheet_get_or_create(booking=booking)
    return CallSheet.objects.select_for_update().get(pk=sheet.pk)


@transaction.atomic
def call_sheet_edit(*, booking_id: int, actor, expected_version: int | None = None, message: str = "",
                    **given: Any) -> CallSheetVersion:
    """The producer changes the call sheet of a booking's session: one new, immutable version.

    ``given``: any of starts_at, ends_at, venue (id), the text fields of ``rules.TEXT_FIELDS``,
    materials (the whole list), rates ({booking id: rate}). Locks the sheet, then (for a critical
    move) each player's musician in id order and their bookings, which ``booking_reschedule``
    moves (new SEQUENCE, busy time, reminders; a time that is taken is a 409 and nothing is
    saved). The changes are classified by ``rules``; each player a change concerns is told once
    (outbox, dedupe per version); a critical change sets their "re-confirm needed" and its
    reminders. Raises NotFound, Forbidden (not the producer), InvalidTransition (finished or
    cancelled booking), Conflict (``expected_version`` is not the current one), ValidationFailed.
    """
    if set(given) - {"starts_at", "ends_at", "venue", "materials", "rates", *(k for k, _l, _m in rules.TEXT_FIELDS)}:
        raise TypeError(sorted(given))
    booking = booking_for(booking_id=booking_id, user=actor)
    if actor.pk != booking.producer_id:
        raise Forbidden("Only the producer can change the call sheet.", code="wrong_party")
    now = clock.now()
    if booking.status != Status.ACCEPTED or booking.ends_at <= now:
        state = "over" if booking.status == Status.COMPLETED or booking.ends_at <= now else \
            booking.get_status_display().lower()
        raise InvalidTransition(f"This booking is {state}; its call sheet can no longer change.",
                                code="booking_finished")
    sheet = _lock_sheet(booking)
    if expected_version is not None and expected_version != sheet.current_version:
        raise Conflict(f"The call sheet changed since you opened it (it is now version {sheet.current_version}). "
                       "Look at the changes, then edit again.", code="call_sheet_changed")
    message = (message or "").strip()
    if len(message) > 1000:
        raise _fail("message", "Keep the message to the players under 1,000 characters.")
    players = active_players(sheet)
    current = current_version(sheet).content
    content, moves = _new_content(current, given, players, booking.producer)
    if moves:
        _move_bookings(players, moves, actor)
        players = active_players(sheet)
        content["fees"] = {**content.get("fees", {}), **{str(p.booking_id): fee_text(p.booking) for p in players}}
    infos = player_infos(players)
    changes = rules.changes_between(current, content, infos)
    if not changes:
        raise ValidationFailed("Nothing changed.", fields={"non_field_errors": ["Nothing changed on the call sheet."]})
    version = CallSheetVersion.objects.create(
        sheet=sheet, number=sheet.current_version + 1, content=content, changes=changes,
        critical=any(c["critical"] for c in changes), message=message, author=actor, created_at=now,
    )
    CallSheet.objects.filter(pk=sheet.pk).update(current_version=version.number, updated_at=now)
    _tell_players(version, players, infos, changes, now)
    return version


def _move_bookings(players: list[CallSheetPlayer], moves: dict[str, Any], actor) -> None:
    # Musicians first, in id order: two sheets sharing players never wait on each other in a circle.
    for musician_id in sorted({p.booking.musician_id for p in players}):
        booking_services.musician_lock(musician_id=musician_id)
    rates = moves.get("rates", {})
    for player in players:
        booking_services.booking_reschedule(
            booking_id=player.booking_id, actor=actor, starts_at=moves.get("starts_at"),
            ends_at=moves.get("ends_at"), venue_id=moves.get("venue_id"), rate=rates.get(player.booking_id),
            note="Call sheet change",
        )


def _tell_players(version: CallSheetVersion, players: list[CallSheetPlayer], infos: list[dict],
                  changes: list[dict], now) -> None:
    told, critical = rules.affected(changes)
    for player in players:
        if player.booking_id not in told:
            continue
        theirs = [c for c in changes if player.booking_id in c["bookings"]]
        needs_confirm = player.booking_id in critical
        notification = messages.notify_change(player=player, version=version, changes=theirs,
                                              needs_confirm=needs_confirm)
        CallSheetRecipient.objects.create(version=version, player=player, notification=notification,
                                          needs_confirm=needs_confirm, created_at=now)
        if needs_confirm:
            CallSheetPlayer.objects.filter(pk=player.pk).update(
                reconfirm_version=version.number, reconfirm_since=now, reminders_sent=0,
                next_reminder_at=rules.reminder_due(0, since=now, starts_at=player.booking.starts_at),
            )
