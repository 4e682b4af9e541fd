"""Find a place from what someone types: a full UK postcode, a postcode district, or a town.

Everything is answered from data shipped with the app (see ``gigbook.places``); nothing here makes a
network call. Full postcodes cover Great Britain (Code-Point Open has no Northern Ireland postcodes:
BT postcodes are answered with a message pointing to the town).
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gigbook.places import codepoint

GB_ZONE = "Europe/London"
DATA = Path(__file__).resolve().parent / "data"
# The area letters, the district's digit(s) and an optional letter (SW1A), then the inward code (1AA).
_OUTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL_POSTCODE = re.compile(rf"^({_OUTCODE})\s*([0-9][A-Z]{{2}})$")
OUTCODE = re.compile(rf"^{_OUTCODE}$")
# What the start of a postcode looks like while it is being typed ("N", "NW", "NW8 9").
POSTCODE_START = re.compile(r"^[A-Z]{1,2}([0-9][A-Z0-9]?(\s*[0-9]([A-Z]{1,2})?)?)?$")
NEAR_KM = 25.0


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # "postcode" | "district" | "town"
    latitude: float
    longitude: float
    time_zone: str
    country: str


class PlaceNotFound(LookupError):
    """Nothing matches; ``str()`` says so in plain words, with what to try instead."""


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.replace(",", " ").split()).casefold()


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@lru_cache(maxsize=1)
def _towns() -> tuple[Place, ...]:
    from musicians.cities import CITIES

    return tuple(Place(name=f"{name}, {country}", kind="town", latitude=lat, longitude=lng, time_zone=zone,
                       country=country) for name, country, lat, lng, zone in CITIES)


def _near(lat: float, lng: float) -> str:
    """The gazetteer town within ``NEAR_KM`` of a point, to make a bare postcode recognisable."""
    best = min((t for t in _towns() if t.country == "GB"), key=lambda t: _km(lat, lng, t.latitude, t.longitude))
    return best.name.split(",")[0] if _km(lat, lng, best.latitude, best.longitude) <= NEAR_KM else ""


@lru_cache(maxsize=1)
def _districts() -> dict[str, Place]:
    found: dict[str, Place] = {}
    with (DATA / "gb_districts.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            lat, lng = float(row["latitude"]), float(row["longitude"])
            near = _near(lat, lng)
            found[row["district"]] = Place(name=f"{row['district']}, {near}" if near else row["district"],
                                           kind="district", latitude=lat, longitude=lng, time_zone=GB_ZONE,
                                           country="GB")
    return found


def _district_sort_key(code: str) -> tuple:
    # NW1, NW2 … NW10, not NW1, NW10, NW11, NW2.
    letters = re.match(r"[A-Z]+", code).group(0)
    digits = re.match(r"[0-9]+", code[len(letters):]).group(0)
    return (letters, int(digits), code)


def _full_postcode(outward: str, inward: str) -> Place | None:
    position = codepoint.postcode_position(outward + inward)
    if position is None:
        return None
    near = _near(*position)
    label = f"{outward} {inward}"
    return Place(name=f"{label}, {near}" if near else label, kind="postcode", latitude=round(position[0], 6),
                 longitude=round(position[1], 6), time_zone=GB_ZONE, country="GB")


def place_search(text: str, *, limit: int = 10) -> list[Place]:
    """Places matching what has been typed so far, best first: postcodes, then districts, then towns."""
    typed = " ".join((text or "").split())
    if not typed:
        return []
    head = typed.split(",")[0].strip().upper()
    upper = head if FULL_POSTCODE.match(head) or OUTCODE.match(head) else typed.upper()
    results: list[Place] = []
    full = FULL_POSTCODE.match(upper)
    if full:
        place = _full_postcode(full.group(1), full.group(2))
        # A complete postcode that does not exist finds nothing (place_resolve says why), not its district:
        # a typo must not quietly become "somewhere in NW8".
        if place is not None:
            results.append(place)
            district = _districts().get(full.group(1))
            if district is not None:
                results.append(district)
    elif POSTCODE_START.match(upper):
        compact = upper.replace(" ", "")
        districts = _districts()
        if " " in upper:
            # The inward code is half typed ("NW8 9"): its district is the best guess so far.
            outward = upper.split()[0]
            if outward in districts:
                results.append(districts[outward])
        elif compact in districts:
            results.append(districts[compact])
        if " " not in upper:
            starting = sorted((code for code in districts if code.startswith(compact) and code != compact),
                              key=_district_sort_key)
            results.extend(districts[code] for code in starting[:limit])
    name_part, _, country_part = typed.partition(",")
    name, country = _fold(name_part), _fold(country_part)
    if name:
        towns = [t for t in _towns() if not country or t.country.casefold() == country]
        names = {t: _fold(t.name.split(",")[0]) for t in towns}
        results.extend(t for t in towns if names[t] == name)
        results.extend(t for t in towns if names[t] != name and names[t].startswith(name))
        results.extend(t for t in towns if name in names[t] and not names[t].startswith(name))
    return results[:limit]


def place_resolve(text: str) -> Place:
    """The one place a typed text means (the first suggestion), or ``PlaceNotFound`` saying why in plain words."""
    typed = " ".join((text or "").split())
    if not typed:
        raise PlaceNotFound("Type the venue's postcode or town.")
    head = typed.split(",")[0].strip().upper()
    # A suggestion's own label ("NW8 9AY, London") means its postcode.
    upper = head if FULL_POSTCODE.match(head) or OUTCODE.match(head) else typed.upper()
    full = FULL_POSTCODE.match(upper)
    if full:
        place = _full_postcode(full.group(1), full.group(2))
        if place is not None:
            return place
        if upper.startswith("BT"):
            raise PlaceNotFound("Northern Ireland postcodes are not in our list yet. Type the town instead, "
                                "for example Belfast.")
        shown = f"{full.group(1)} {full.group(2)}"
        if full.group(1) in _districts():
            raise PlaceNotFound(f"There is no postcode {shown}. Check it, or type just the first part "
                                f"({full.group(1)}) to place the venue in that district.")
        raise PlaceNotFound(f"There is no postcode {shown}. Check it, or type the town instead.")
    if OUTCODE.match(upper.replace(" ", "")) and upper.replace(" ", "") in _districts():
        return _districts()[upper.replace(" ", "")]
    wanted = _fold(typed.split(",")[0])
    exact = [p for p in place_search(typed, limit=50) if p.kind == "town" and _fold(p.name.split(",")[0]) == wanted]
    if len(exact) == 1 or (exact and "," in typed):
        return exact[0]
    if len(exact) > 1:
        options = " or ".join(p.name for p in exact[:3])
        raise PlaceNotFound(f"More than one place is called {typed}: add the country, for example {options}.")
    if OUTCODE.match(upper.replace(" ", "")):
        raise PlaceNotFound(f"There is no postcode district {upper}. Check it, or type the town instead.")
    raise PlaceNotFound(f"We could not find a place called “{typed[:80]}”. Type a UK postcode (like NW8 9AY), "
                        "or a nearby city, and pick it from the list.")
