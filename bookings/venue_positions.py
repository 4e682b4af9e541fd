"""Give every venue saved before positions were required a position (used by migration 0003).

Tried in order, first hit wins: a postcode in the address, the city field, the address's parts
(a town or district), then the principal place of the venue's time zone (the tz database's
zone1970.tab), and for zones without one (UTC) Greenwich. The last two are only regions: such a
venue's ``place`` says to check it, and the venues page shows it. Refusing to migrate instead would
block a deploy over data only the producer can fix. Kept outside ``migrations/`` to test it directly.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gigbook.places.gazetteer import PlaceNotFound, place_resolve

POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\b", re.IGNORECASE)
GUESSED = "Approximate ({zone}): check it"


@lru_cache(maxsize=1)
def _zone_points() -> dict[str, tuple[float, float]]:
    """Each zone's principal location from zone1970.tab (±DDMM[SS]±DDDMM[SS])."""
    from importlib import resources

    def degrees(text: str) -> float:
        sign = -1.0 if text[0] == "-" else 1.0
        digits = text[1:]
        whole = 2 if len(digits) in (4, 6) else 3
        parts = [int(digits[:whole]), int(digits[whole:whole + 2]), int(digits[whole + 2:] or 0)]
        return sign * (parts[0] + parts[1] / 60 + parts[2] / 3600)

    points: dict[str, tuple[float, float]] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone1970.tab").read_text()
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _countries, coords, zone = line.split("\t")[:3]
        split = max(coords.rfind("+"), coords.rfind("-"))
        points[zone] = (round(degrees(coords[:split]), 4), round(degrees(coords[split:]), 4))
    return points


GREENWICH = (51.4779, -0.0015)


def locate(*, address: str, city: str, time_zone: str) -> tuple[float, float, str]:
    """(latitude, longitude, place label) for an old venue."""
    candidates = [m.group(1) for m in POSTCODE_IN_TEXT.finditer(address or "")]
    candidates += [city] if city else []
    candidates += [part.strip() for part in reversed((address or "").split(",")) if part.strip()]
    for text in candidates:
        try:
            found = place_resolve(text)
        except PlaceNotFound:
            continue
        return found.latitude, found.longitude, found.name
    point = _zone_points().get(time_zone)
    if point is not None:
        return point[0], point[1], GUESSED.format(zone=time_zone)
    return GREENWICH[0], GREENWICH[1], GUESSED.format(zone=time_zone or "no place known")


def locate_unplaced_venues(apps, schema_editor) -> None:
    Venue = apps.get_model("bookings", "Venue")
    for venue in Venue.objects.filter(latitude__isnull=True) | Venue.objects.filter(longitude__isnull=True):
        venue.latitude, venue.longitude, venue.place = locate(address=venue.address, city=venue.city,
                                                              time_zone=venue.time_zone)
        venue.save(update_fields=["latitude", "longitude", "place"])
