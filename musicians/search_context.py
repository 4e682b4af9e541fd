"""The search page's context that follows the producer: the applied filters as removable chips,
the producer's venue as a place to search from, and the query string the result cards and the
profile carry into the booking, hold and short-notice forms (gigbook/core/carry.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.http import QueryDict
from django.utils import formats

from gigbook.core.carry import carry_query
from musicians import producer_context
from musicians.producer_context import Place

# Removing one of these removes the others too: they only make sense together.
_TOGETHER = {
    "available_from": ("available_from", "available_to"),
    "available_to": ("available_from", "available_to"),
    "max_rate": ("max_rate", "currency"),
    "near": ("near", "radius_km"),
    "venue": ("venue", "radius_km"),
}


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class VenueChoice:
    places: list[Place] = field(default_factory=list)
    chosen: Place | None = None
    error: str = ""


def venue_choice(query: QueryDict, user) -> VenueChoice:
    """Resolve ``venue=<id>`` (the producer's own venue) into ``near`` on ``query`` (mutated).

    A venue without a map position still travels into the forms; only the distance filter is skipped.
    """
    choice = VenueChoice(places=producer_context.places(user))
    raw = query.pop("venue", [""])[-1]
    if not raw:
        return choice
    choice.chosen = next((p for p in choice.places if str(p.id) == raw), None)
    if choice.chosen is None:
        choice.error = "Choose one of your own studios or venues."
    elif choice.chosen.located:
        query["near"] = f"{choice.chosen.latitude},{choice.chosen.longitude}"
    else:
        query.pop("near", None)
    return choice


def _without(query: QueryDict, key: str, value: str | None = None) -> str:
    rest = query.copy()
    rest.pop("page", None)
    if value is not None and key in ("instrument", "genre", "reads"):
        rest.setlist(key, [v for v in rest.getlist(key) if v != value])
    else:
        for name in _TOGETHER.get(key, (key,)):
            rest.pop(name, None)
    if rest.get("ordering") == "distance" and "near" not in rest and "venue" not in rest:
        rest.pop("ordering")
    text = rest.urlencode()
    return f"?{text}" if text else "?"


def _when(moment: datetime) -> str:
    return formats.date_format(moment, "D j M, H:i")


def chips(*, shown: QueryDict, validated: dict | None, venue: VenueChoice, names: dict[str, dict[str, str]],
          cities: dict[str, str], rate_kinds: dict[str, str], reads: dict[str, str]) -> list[Chip]:
    """One chip per applied filter, each with the URL of the same search without it.

    ``shown`` is the query as the producer wrote it (with ``venue``, without the derived ``near``);
    ``validated`` the search parameters when they were valid (times read in the viewer's zone).
    """
    out: list[Chip] = []
    for index, slug in enumerate(shown.getlist("instrument")):
        name = names["instrument"].get(slug, slug)
        out.append(Chip(f"Plays {name}" if index == 0 else f"Also plays {name}", _without(shown, "instrument", slug)))
    for slug in shown.getlist("genre"):
        out.append(Chip(f"Genre: {names['genre'].get(slug, slug)}", _without(shown, "genre", slug)))
    if "available_from" in shown or "available_to" in shown:
        start = validated and validated.get("available_from")
        end = validated and validated.get("available_to")
        label = (f"Free {_when(start)} to {_when(end)}" if start and end
                 else f"Free {shown.get('available_from', '…')} to {shown.get('available_to', '…')}")
        out.append(Chip(label, _without(shown, "available_from")))
    if "max_rate" in shown:
        kind = rate_kinds.get(shown.get("rate_kind", "hourly"), "").lower()
        out.append(Chip(f"Up to {shown['max_rate']} {shown.get('currency', '')} {kind}".replace("  ", " ").strip(),
                        _without(shown, "max_rate")))
    if venue.chosen is not None:
        where = f"{venue.chosen.name}" + ("" if venue.chosen.located else " (no map position: distance not checked)")
        out.append(Chip(f"Venue: {where}", _without(shown, "venue")))
    elif "near" in shown:
        out.append(Chip(f"Near {cities.get(shown['near'], shown['near'])}", _without(shown, "near")))
    if "radius_km" in shown:
        out.append(Chip(f"Living within {shown['radius_km']} km", _without(shown, "radius_km")))
    for key in shown.getlist("reads"):
        out.append(Chip(f"Reads {reads.get(key, key).lower()}", _without(shown, "reads", key)))
    if shown.get("remote") == "true":
        out.append(Chip("Records remotely", _without(shown, "remote")))
    if shown.get("q"):
        out.append(Chip(f"Matching “{shown['q']}”", _without(shown, "q")))
    return out


def carry(*, validated: dict | None, shown: QueryDict, venue: VenueChoice) -> str:
    """The query string the result cards and the profile pass to the forms."""
    instruments = shown.getlist("instrument")
    return carry_query(
        instrument=instruments[0] if instruments else "",
        starts_at=(validated or {}).get("available_from"), ends_at=(validated or {}).get("available_to"),
        venue=venue.chosen.id if venue.chosen is not None else None,
    )
