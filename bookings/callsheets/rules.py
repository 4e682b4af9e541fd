"""The rules of call-sheet changes, in one place: what a sheet holds, what changed, in plain words,
which changes are critical, whom each change concerns, and when to remind.

Critical (every affected player confirms again, the booking shows "re-confirm needed"): the date,
the start or end time, the venue, the fee. Everything else (call time, address and access notes,
parking, dress, contacts, the day's schedule, notes, materials) only informs. The call time is
where the player should be before the booked start: informative, because the booked start and end
(what the fee and the calendar follow) are what binds.

A change concerns every player on the sheet, except a material addressed to some instruments or
bookings (a sax part concerns the saxophonist only) and a fee (it concerns that booking's player).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CRITICAL = frozenset({"date", "start", "end", "venue", "fee"})

# Free-text parts of a sheet: (key, label, longest length).
TEXT_FIELDS = (
    ("call_time", "Call time", 5),
    ("access_notes", "Address and access", 2000),
    ("parking", "Parking", 1000),
    ("dress", "Dress", 500),
    ("contacts", "Contacts", 1000),
    ("schedule", "Schedule of the day", 3000),
    ("notes", "Notes", 2000),
)
LABELS = {
    "date": "Date", "start": "Start time", "end": "End time", "venue": "Venue", "fee": "Fee",
    "materials": "Materials", **{key: label for key, label, _ in TEXT_FIELDS},
}
MAX_MATERIALS = 30

# Reminders to confirm a critical change: 6 h and 24 h after it, but never later than halfway
# (then two thirds of the way) to the start, so a change made the evening before still chases.
REMINDER_DELAYS = (timedelta(hours=6), timedelta(hours=24))


def is_critical(field: str) -> bool:
    return field in CRITICAL


def reminder_due(number: int, *, since: datetime, starts_at: datetime) -> datetime | None:
    """When reminder ``number`` (0, 1, …) to confirm a change made at ``since`` is due; None if no more."""
    if number >= len(REMINDER_DELAYS) or starts_at <= since:
        return None
    return min(since + REMINDER_DELAYS[number], since + (starts_at - since) * (number + 1) / (number + 2))


# --- Plain words ---------------------------------------------------------------------------------


def _short(text: str, limit: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(iso: str, zone: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))


def venue_text(venue: dict | None) -> str:
    if not venue:
        return "Remote recording"
    return ", ".join(part for part in (venue.get("name"), venue.get("address")) if part)


def _text_change(field: str, before: str, after: str) -> str:
    label = LABELS[field]
    if not before:
        return f"{label} added: {_short(after)}"
    if not after:
        return f"{label} removed (was: {_short(before)})"
    return f"{label} changed from “{_short(before, 80)}” to “{_short(after)}”"


def _addressees(item: dict, players: list[dict]) -> list[int]:
    """The bookings a material is for: its bookings and instruments; everyone when it names none."""
    bookings, instruments = set(item.get("bookings") or ()), set(item.get("instruments") or ())
    if not bookings and not instruments:
        return [p["booking"] for p in players]
    return [p["booking"] for p in players if p["booking"] in bookings or p["instrument"] in instruments]


def material_for_text(item: dict, players: list[dict]) -> str:
    if not item.get("bookings") and not item.get("instruments"):
        return "everyone"
    names = {p["instrument"]: p["instrument_name"] for p in players}
    parts = [names.get(slug, slug) for slug in item.get("instruments") or ()]
    parts += [p["name"] for p in players if p["booking"] in set(item.get("bookings") or ())]
    return ", ".join(dict.fromkeys(parts)) or "nobody on the sheet now"


def _change(field: str, text: str, bookings: list[int], before="", after="") -> dict:
    return {"field": field, "label": LABELS[field], "before": before, "after": after, "text": text,
            "critical": is_critical(field), "bookings": sorted(set(bookings))}


def changes_between(before: dict, after: dict, players: list[dict]) -> list[dict]:
    """Every change from ``before`` to ``after``, field by field, in plain words, classified.

    ``players``: the bookings on the sheet, each ``{"booking", "instrument", "instrument_name",
    "name"}``. Each change lists the bookings it concerns.
    """
    everyone = [p["booking"] for p in players]
    zone = after["time_zone"]
    changes: list[dict] = []
    old_start, new_start = _local(before["starts_at"], zone), _local(after["starts_at"], zone)
    old_end, new_end = _local(before["ends_at"], zone), _local(after["ends_at"], zone)
    if old_start.date() != new_start.date():
        changes.append(_change("date", f"Date moved from {old_start:%a %d %b %Y} to {new_start:%a %d %b %Y}",
                               everyone, f"{old_start:%a %d %b %Y}", f"{new_start:%a %d %b %Y}"))
    if old_start.strftime("%H:%M") != new_start.strftime("%H:%M") or before["time_zone"] != zone:
        changes.append(_change("start", f"Start time changed from {old_start:%H:%M} to {new_start:%H:%M} ({zone})",
                               everyone, f"{old_start:%H:%M}", f"{new_start:%H:%M}"))
    if old_end.strftime("%H:%M") != new_end.strftime("%H:%M") or (
            new_end - new_start != old_end - old_start and not changes):
        changes.append(_change("end", f"End time changed from {old_end:%H:%M} to {new_end:%H:%M} ({zone})",
                               everyone, f"{old_end:%H:%M}", f"{new_end:%H:%M}"))
    if (before.get("venue") or {}).get("id") != (after.get("venue") or {}).get("id") or \
            venue_text(before.get("venue")) != venue_text(after.get("venue")):
        changes.append(_change("venue", f"Venue changed from {venue_text(before.get('venue'))} to "
                                        f"{venue_text(after.get('venue'))}", everyone,
                               venue_text(before.get("venue")), venue_text(after.get("venue"))))
    old_fees, new_fees = before.get("fees") or {}, after.get("fees") or {}
    for booking_id in sorted(set(old_fees) & set(new_fees), key=int):
        if old_fees[booking_id] != new_fees[booking_id]:
            name = next((p["name"] for p in players if p["booking"] == int(booking_id)), "a player")
            changes.append(_change("fee", f"Fee for {name} changed from {old_fees[booking_id]} to {new_fees[booking_id]}",
                                   [int(booking_id)], old_fees[booking_id], new_fees[booking_id]))
    for key, _label, _limit in TEXT_FIELDS:
        old, new = (before.get(key) or "").strip(), (after.get(key) or "").strip()
        if old != new:
            changes.append(_change(key, _text_change(key, old, new), everyone, old, new))
    changes.extend(_material_changes(before.get("materials") or [], after.get("materials") or [], players))
    return changes


def _material_changes(before: list[dict], after: list[dict], players: list[dict]) -> list[dict]:
    old = {item["key"]: item for item in before}
    new = {item["key"]: item for item in after}
    changes = []
    for key, item in new.items():
        was = old.get(key)
        title = _short(item["title"], 80)
        if was is None:
            text = f"New material for {material_for_text(item, players)}: {title}"
        elif (was["title"], was.get("detail", "")) != (item["title"], item.get("detail", "")):
            text = f"Material updated for {material_for_text(item, players)}: {title}"
        elif sorted(was.get("instruments") or []) != sorted(item.get("instruments") or []) or \
                sorted(was.get("bookings") or []) != sorted(item.get("bookings") or []):
            text = f"Material “{title}” is now for {material_for_text(item, players)}"
        else:
            continue
        concerned = _addressees(item, players) + (_addressees(was, players) if was else [])
        changes.append(_change("materials", text, concerned, was["title"] if was else "", item["title"]))
    for key, was in old.items():
        if key not in new:
            changes.append(_change("materials", f"Material removed: {_short(was['title'], 80)}",
                                   _addressees(was, players), was["title"], ""))
    return changes


def materials_for(content: dict, player: dict, players: list[dict]) -> list[dict]:
    """The materials of a sheet one player gets (theirs and everyone's)."""
    return [item for item in content.get("materials") or [] if player["booking"] in _addressees(item, players)]


def affected(changes: list[dict]) -> tuple[set[int], set[int]]:
    """(bookings concerned by any change, bookings concerned by a critical one)."""
    told = {b for change in changes for b in change["bookings"]}
    critical = {b for change in changes if change["critical"] for b in change["bookings"]}
    return told, critical
