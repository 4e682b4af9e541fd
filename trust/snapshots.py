"""Snapshots of rows as plain JSON, and the readable diffs moderators review.

A profile snapshot holds what the public sees (text, photo, rates, instruments, genres, media,
credits) as strings and lists of strings, so that it survives later schema changes, diffs
readably and exports cleanly to CSV. Other models (bookings edited in the admin) are captured
field by field.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from musicians.models import MusicianProfile

# (field, label) in the order a moderator reads a profile. Public text first: it is what gets
# profiles rejected.
PROFILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("stage_name", "Stage name"),
    ("headline", "Headline"),
    ("bio", "Bio"),
    ("photo", "Photo"),
    ("instruments", "Instruments"),
    ("genres", "Genres"),
    ("media", "Media links"),
    ("credits", "Credits"),
    ("city", "City"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
    ("travel_radius_km", "Travel radius (km)"),
    ("willing_to_tour", "Willing to tour"),
    ("records_remotely", "Records remotely"),
    ("reads_notation", "Reads notation"),
    ("reads_chords", "Reads chord charts"),
    ("reads_nashville", "Reads Nashville numbers"),
    ("years_experience", "Years of experience"),
    ("union_membership", "Union membership"),
    ("equipment_notes", "Equipment"),
    ("languages", "Languages"),
    ("currency", "Currency"),
    ("hourly_rate", "Hourly rate"),
    ("session_rate", "Session rate"),
    ("day_rate", "Day rate"),
    ("live_rate", "Live rate"),
    ("minimum_call_hours", "Minimum call (hours)"),
    ("overtime_rate_per_half_hour", "Overtime per half hour"),
    ("doubling_fee", "Doubling fee"),
    ("cartage_fee", "Cartage fee"),
    ("late_cancellation_window_hours", "Late-cancellation window (hours)"),
    ("late_cancellation_fee", "Late-cancellation fee"),
    ("rate_notes", "Rate notes"),
)
PROFILE_LABELS = dict(PROFILE_FIELDS)
LIST_FIELDS = ("instruments", "genres", "media", "credits", "languages")
# Free text shown inline as a word diff; other fields show before/after side by side.
TEXT_FIELDS = ("headline", "bio", "equipment_notes", "rate_notes", "union_membership", "stage_name")
# Prefetches that make profile_snapshot cost no queries per profile.
PROFILE_PREFETCH = ("instruments__instrument", "genres__genre", "media", "credits")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (Decimal, float)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


def profile_snapshot(profile: MusicianProfile) -> dict[str, Any]:
    """The public face of ``profile`` as JSON-ready values. Uses prefetched lists when present."""
    data: dict[str, Any] = {}
    for field, _label in PROFILE_FIELDS:
        if field in ("instruments", "genres", "media", "credits", "photo"):
            continue
        data[field] = _plain(getattr(profile, field))
    data["photo"] = profile.photo.name if profile.photo else ""
    if profile.pk is None:
        data.update(instruments=[], genres=[], media=[], credits=[])
        return data
    data["instruments"] = [
        f"{row.instrument.name}{' (main)' if row.is_primary else ''}, {row.get_skill_level_display()}"
        for row in sorted(profile.instruments.all(), key=lambda r: (not r.is_primary, r.position, r.id))
    ]
    data["genres"] = [row.genre.name for row in sorted(profile.genres.all(), key=lambda r: (r.strength, r.id))]
    data["media"] = [
        f"{row.title} <{row.url}>" if row.title else row.url
        for row in sorted(profile.media.all(), key=lambda r: (r.position, r.id))
    ]
    data["credits"] = [
        ", ".join(part for part in (f"{row.artist} – {row.title}", str(row.year or ""), row.role) if part)
        for row in sorted(profile.credits.all(), key=lambda r: (r.position, r.id))
    ]
    return data


def profile_proposed_snapshot(profile: MusicianProfile) -> dict[str, Any]:
    """The public face ``profile`` would have if its waiting changes were approved."""
    data = profile_snapshot(profile)
    for field, value in (profile.pending_changes or {}).items():
        if field == "media":
            data["media"] = [f"{row['title']} <{row['url']}>" if row["title"] else row["url"] for row in value]
        elif field == "credits":
            data["credits"] = [
                ", ".join(part for part in (f"{row['artist']} – {row['title']}", str(row["year"] or ""), row["role"])
                          if part)
                for row in value
            ]
        else:
            data[field] = _plain(value)
    return data


def model_snapshot(obj: models.Model) -> dict[str, Any]:
    """Concrete fields and many-to-many ids of any row, JSON-ready (for admin edits of bookings)."""
    if isinstance(obj, MusicianProfile):
        data = profile_snapshot(obj)
        data["status"] = obj.status
        return data
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        data[field.attname] = _plain(getattr(obj, field.attname))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    # Round-trip through the JSON encoder so stored and compared values are the same shapes.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def changed_only(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose values differ, as (before, after) dicts."""
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    inline: SafeString | None = None  # word diff with <del>/<ins>, for free text

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "before": self.before,
            "after": self.after,
            "added": list(self.added),
            "removed": list(self.removed),
        }


def _word_diff(before: str, after: str) -> SafeString:
    """Escaped inline diff: removed words in <del>, added in <ins>. Whitespace is kept."""
    import re

    split = re.compile(r"(\s+)")
    old, new = split.split(before or ""), split.split(after or "")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def profile_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """What changed between the last approved snapshot and now, in reading order.

    With no approved snapshot (a first submission) every filled-in field counts as new.
    """
    before = before or {}
    changes = []
    for field, label in PROFILE_FIELDS:
        old, new = before.get(field), after.get(field)
        if field in LIST_FIELDS:
            old, new = list(old or []), list(new or [])
            if old == new:
                continue
            changes.append(
                FieldChange(
                    field, label, old, new,
                    added=tuple(item for item in new if item not in old),
                    removed=tuple(item for item in old if item not in new),
                )
            )
            continue
        if (old in (None, "") and new in (None, "")) or old == new:
            continue
        inline = _word_diff(str(old or ""), str(new or "")) if field in TEXT_FIELDS else None
        changes.append(FieldChange(field, label, old, new, inline=inline))
    return changes
