"""What the public learns about where a musician lives: a ~5 km grid cell, never the pin.

Search measures every distance from the centre of the grid cell holding the musician's home
(``public_point``), and shows it rounded up to 5 km (``distance_band_km``). Rounding alone would
not do: with a free choice of ``near=`` a stranger can find where a rounded distance or the
travel-radius cut-off flips, and those flip points lie on exact circles around the home, which
triangulate it. Measured from the cell centre, the same probing finds only the cell.
"""

from __future__ import annotations

import math

GRID_KM = 5.0
DISTANCE_BAND_KM = 5
_KM_PER_DEGREE_LAT = math.pi * 6371.0088 / 180.0
_LAT_STEP = GRID_KM / _KM_PER_DEGREE_LAT


def public_point(lat: float | None, lng: float | None) -> tuple[float, float] | tuple[None, None]:
    """Centre of the ~5 km × 5 km cell containing (lat, lng)."""
    if lat is None or lng is None:
        return (None, None)
    row = math.floor((lat + 90.0) / _LAT_STEP)
    centre_lat = min(90.0, -90.0 + (row + 0.5) * _LAT_STEP)
    cos_lat = math.cos(math.radians(centre_lat))
    # Cells keep ~5 km of width away from the equator (one cell per row near the poles).
    lng_step = 360.0 if cos_lat <= GRID_KM / 360.0 / _KM_PER_DEGREE_LAT else min(360.0, _LAT_STEP / cos_lat)
    column = math.floor((lng + 180.0) / lng_step)
    centre_lng = -180.0 + (column + 0.5) * lng_step
    if centre_lng > 180.0:
        centre_lng -= 360.0
    return (round(centre_lat, 6), round(centre_lng, 6))


def distance_band_km(distance: float | None) -> int | None:
    """A distance as shown to others: rounded up to the next 5 km (5 means "within 5 km")."""
    if distance is None:
        return None
    return max(DISTANCE_BAND_KM, DISTANCE_BAND_KM * math.ceil(distance / DISTANCE_BAND_KM - 1e-6))
