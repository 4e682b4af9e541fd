"""Find a place from what someone types: a full UK postcode, a postcode district, or a town.

Everything is answered from data shipped with the app (see ``gigbook.places``); nothing here makes a
network call. Full postcodes cover Great Britain (Code-Point Open has no Northern Ireland postcodes:
BT postcodes are answered with a message pointing to the town).
"""

from __future__ import annotations

import csv
import gzip
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


@dataclass(frozen=True)
class _Town:
    place: Place
    folded: str  # the name as compared with what is typed
    population: int
    curated: bool  # on the app's own short list of cities (musicians/cities.py): wins a tie of names


@lru_cache(maxsize=1)
def _curated_towns() -> tuple[Place, ...]:
    from musicians.cities import CITIES

    return tuple(Place(name=f"{name}, {country}", kind="town", latitude=lat, longitude=lng, time_zone=zone,
                       country=country) for name, country, lat, lng, zone in CITIES)


@lru_cache(maxsize=1)
def _towns() -> tuple[_Town, ...]:
    """The app's own cities, then GeoNames towns (``data/towns.csv.gz``), each group biggest first."""
    towns = [_Town(place, _fold(place.name.split(",")[0]), 0, True) for place in _curated_towns()]
    known = {(town.folded, town.place.country) for town in towns}
    with gzip.open(DATA / "towns.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            folded = _fold(row["name"])
            # One town per name in a country (the biggest; the rows come biggest first), so that every
            # suggestion's label means one place. A smaller namesake is found by its postcode.
            if (folded, row["country"]) in known:
                continue
            known.add((folded, row["country"]))
            place = Place(name=f"{row['name']}, {row['country']}", kind="town", latitude=float(row["latitude"]),
                          longitude=float(row["longitude"]), time_zone=row["time_zone"], country=row["country"])
            towns.append(_Town(place, folded, int(row["population"]), False))
    return tuple(towns)


@lru_cache(maxsize=1)
def _towns_by_initial() -> dict[str, tuple[_Town, ...]]:
    """The towns by the first letter of their folded name: a name or its start is looked up in one group."""
    groups: dict[str, list[_Town]] = {}
    for town in _towns():
        groups.setdefault(town.folded[:1], []).append(town)
    return {initial: tuple(towns) for initial, towns in groups.items()}


def _near(lat: float, lng: float) -> str:
    """The app's own GB city within ``NEAR_KM`` of a point, to make a bare postcode recognisable.

    Only the short list: a district is better known as "NW8, London" than by the suburb nearest its centre.
    """
    best = min((t for t in _curated_towns() if t.country == "GB"),
               key=lambda t: _km(lat, lng, t.latitude, t.longitude))
    return best.name.split(",")[0] if _km(lat, lng, best.latitude, best.longitude) <= NEAR_KM else ""


def _towns_named(name: str, country: str, *, enough: int = 0) -> tuple[list[_Town], list[_Town], list[_Town]]:
    """Towns whose name is ``name``, starts with it, or contains it (folded), in ``country`` if given.

    The names containing it need a pass over every town; it is skipped when the first two lists
    already hold ``enough``.
    """
    def wanted(town: _Town) -> bool:
        return not country or town.place.country.casefold() == country

    exact, starting = [], []
    for town in _towns_by_initial().get(name[:1], ()):
        if town.folded.startswith(name) and wanted(town):
            (exact if town.folded == name else starting).append(town)
    if enough and len(exact) + len(starting) >= enough:
        return exact, starting, []
    containing = [town for town in _towns() if name in town.folded and not town.folded.startswith(name)
                  and wanted(town)]
    return exact, starting, containing


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
        for group in _towns_named(name, country, enough=limit):
            results.extend(town.place for town in group[: limit - len(results)])
    return results[:limit]


def _clearly_meant(exact: list[_Town]) -> bool:
    """Whether the first of several same-named towns is the one anybody means: a city on the app's own
    list (London, not London in Ontario), or one at least five times the size of the next (Newport in
    Wales, not on the Isle of Wight)."""
    first, second = exact[0], exact[1]
    return (first.curated and not second.curated) or first.population >= 5 * max(second.population, 1)


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
    name_part, _, country_part = typed.partition(",")
    exact = _towns_named(_fold(name_part), _fold(country_part), enough=1)[0] if _fold(name_part) else []
    if exact and (len(exact) == 1 or "," in typed or _clearly_meant(exact)):
        return exact[0].place
    if len(exact) > 1:
        options = " or ".join(town.place.name for town in exact[:3])
        raise PlaceNotFound(f"More than one place is called {typed}: add the country, for example {options}.")
    if OUTCODE.match(upper.replace(" ", "")):
        raise PlaceNotFound(f"There is no postcode district {upper}. Check it, or type the town instead.")
    raise PlaceNotFound(f"We could not find a place called “{typed[:80]}”. Type a UK postcode (like NW8 9AY), "
                        "or a nearby city, and pick it from the list.")
