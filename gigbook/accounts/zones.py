"""Time zones and countries offered to people (sign-up, account page).

The offered zones are the canonical Area/City zones of the IANA ``zone.tab`` (shipped by the
``tzdata`` package), so "Factory", "localtime", "US/Eastern" and other legacy aliases never show;
``zone.tab`` also names each zone's country, which is the default region for reading a phone
number typed in national format.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from importlib import resources

import phonenumbers

# Where most of our players and producers are; shown first.
COMMON_ZONES = [
    "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam",
    "Europe/Stockholm", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "America/Sao_Paulo", "Australia/Sydney", "Asia/Tokyo", "Africa/Johannesburg",
]


def _tab_lines(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def zone_countries() -> dict[str, str]:
    """Canonical zone -> ISO country code (e.g. "Europe/London" -> "GB")."""
    available = zoneinfo.available_timezones()
    return {cols[2]: cols[0] for cols in _tab_lines("zone.tab") if cols[2] in available}


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    return {cols[0]: cols[1] for cols in _tab_lines("iso3166.tab")}


def zone_label(name: str) -> str:
    return name.replace("_", " ").replace("/", " – ", 1)


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices: the common zones, then every other canonical zone A–Z, then UTC."""
    canonical = zone_countries()
    common = [(name, zone_label(name)) for name in COMMON_ZONES if name in canonical]
    rest = [(name, zone_label(name)) for name in sorted(canonical) if name not in COMMON_ZONES]
    return [("Common", common), ("All time zones", [*rest, ("UTC", "UTC (no local time)")])]


@lru_cache(maxsize=1)
def offered_time_zones() -> frozenset[str]:
    return frozenset(zone_countries()) | {"UTC"}


def region_for_zone(name: str) -> str:
    """The country a zone lies in, as the default for national phone numbers ("" if none)."""
    return zone_countries().get(name, "")


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """(ISO code, "United Kingdom (+44)") for every country phonenumbers can read, by name."""
    names = country_names()
    rows = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        if region in names:
            rows.append((region, f"{names[region]} (+{phonenumbers.country_code_for_region(region)})"))
    return sorted(rows, key=lambda row: row[1])
