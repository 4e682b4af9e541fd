"""The comparison baseline: a minimal hand-written Django view for GET /api/musicians/.

It runs the same four SQL statements the API endpoint runs (capped count, page, instruments,
genres),
written by hand with a cursor, and returns the same JSON; no DRF, no ORM, no input validation
beyond what the benchmark URL needs. load.py checks both answers are identical before timing.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.http import HttpResponse
from rest_framework.utils.urls import replace_query_param

EARTH_DIAMETER_KM = 12742.0176
PAGE_SIZE = 20
CAP = 1000

DISTANCE = (
    "(%s * ASIN(SQRT(LEAST(1.0, (POWER(SIN(((RADIANS(p.latitude) - RADIANS(%s)) / 2.0)), 2) "
    "+ ((COS(RADIANS(%s)) * COS(RADIANS(p.latitude))) * POWER(SIN(((RADIANS(p.longitude) - RADIANS(%s)) / 2.0)), 2)))))))"
)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


_IDS: dict[str, dict[str, int]] = {}


def _ids(table: str) -> dict[str, int]:
    # Slug -> id, loaded once per process (the API endpoint keeps the same kind of map).
    if table not in _IDS:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT slug, id FROM {table}")
            _IDS[table] = dict(cursor.fetchall())
    return _IDS[table]


def raw_search(request):
    q = request.GET
    instrument = _ids("musicians_instrument")[q["instrument"]]
    genre = _ids("musicians_genre")[q["genre"]]
    start = datetime.fromisoformat(q["available_from"])
    end = datetime.fromisoformat(q["available_to"])
    max_rate = Decimal(q["max_rate"])
    currency = q["currency"]
    lat, lng = (float(x) for x in q["near"].split(","))
    distance_params = [EARTH_DIAMETER_KM, lat, lat, lng]
    where = f"""
        p.status = 'approved'
        AND NOT EXISTS (SELECT 1 FROM accounts_user u WHERE NOT u.is_active AND u.id = p.user_id)
        AND EXISTS (SELECT 1 FROM musicians_profileinstrument pi WHERE pi.instrument_id = %s AND pi.profile_id = p.id)
        AND EXISTS (SELECT 1 FROM musicians_profilegenre pg WHERE pg.genre_id = %s AND pg.profile_id = p.id)
        AND NOT EXISTS (SELECT 1 FROM musicians_busyinterval b WHERE b.profile_id = p.id
                        AND tstzrange(b.starts_at, b.ends_at, '[)') && tstzrange(%s::timestamptz, %s::timestamptz, '[)'))
        AND p.currency = %s AND p.hourly_rate <= %s
        AND p.reach_lat_min <= %s AND p.reach_lat_max >= %s AND p.reach_lng_min <= %s AND p.reach_lng_max >= %s
        AND {DISTANCE} <= (p.travel_radius_km + 0.001)
    """
    where_params = [instrument, genre, start, end, currency, max_rate, lat, lat, lng, lng, *distance_params]
    order = "ORDER BY p.rating_avg DESC NULLS LAST, p.rating_count DESC, p.id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM musicians_musicianprofile p WHERE {where} LIMIT {CAP + 1}) capped",
            where_params,
        )
        count = cursor.fetchone()[0]
        cursor.execute(
            f"""SELECT p.id, p.stage_name, p.headline, p.photo, p.city, p.travel_radius_km, p.records_remotely,
                       p.willing_to_tour, p.reads_notation, p.reads_chords, p.reads_nashville, p.years_experience,
                       p.currency, p.hourly_rate, p.session_rate, p.day_rate, p.live_rate, p.rating_avg,
                       p.rating_count, {DISTANCE} AS distance_km, u.full_name
                FROM musicians_musicianprofile p JOIN accounts_user u ON u.id = p.user_id
                WHERE {where} {order} LIMIT {PAGE_SIZE}""",
            [*distance_params, *where_params],
        )
        rows = cursor.fetchall()
        ids = [row[0] for row in rows]
        instruments: dict[int, list] = {pk: [] for pk in ids}
        genres: dict[int, list] = {pk: [] for pk in ids}
        if ids:
            cursor.execute(
                """SELECT pi.profile_id, i.slug, i.name, i.family, pi.is_primary, pi.skill_level
                   FROM musicians_profileinstrument pi JOIN musicians_instrument i ON i.id = pi.instrument_id
                   WHERE pi.profile_id = ANY(%s) ORDER BY pi.is_primary DESC, pi.position, pi.id""",
                [ids],
            )
            for pid, slug, name, family, primary, skill in cursor.fetchall():
                instruments[pid].append({"instrument": slug, "name": name, "family": family, "is_primary": primary,
                                         "skill_level": skill})
            cursor.execute(
                """SELECT pg.profile_id, g.slug, g.name, pg.strength
                   FROM musicians_profilegenre pg JOIN musicians_genre g ON g.id = pg.genre_id
                   WHERE pg.profile_id = ANY(%s) ORDER BY pg.strength, pg.id""",
                [ids],
            )
            for pid, slug, name, strength in cursor.fetchall():
                genres[pid].append({"genre": slug, "name": name, "strength": strength})
    results = []
    for (pid, stage, headline, photo, city, radius, remote, tour, notation, chords, nashville, years, cur, hourly,
         session, day, live, rating, rating_count, distance, full_name) in rows:
        results.append({
            "id": pid, "display_name": stage or full_name, "headline": headline,
            "photo_url": f"/media/{photo}" if photo else None, "city": city,
            "distance_km": None if distance is None else round(distance, 1), "travel_radius_km": radius,
            "records_remotely": remote, "willing_to_tour": tour,
            "reads": [name for name, flag in (("notation", notation), ("chords", chords), ("nashville", nashville))
                      if flag],
            "years_experience": years, "instruments": instruments[pid], "genres": genres[pid], "currency": cur,
            "rate_kind": "hourly", "rate": _money(hourly), "hourly_rate": _money(hourly),
            "session_rate": _money(session), "day_rate": _money(day), "live_rate": _money(live),
            "rating_avg": _money(rating), "rating_count": rating_count, "profile_url": f"/musicians/{pid}/",
        })
    url = request.build_absolute_uri()
    body = {
        "count": min(count, CAP),
        "next": replace_query_param(url, "page", 2) if count > PAGE_SIZE else None,
        "previous": None,
        "results": results,
        "count_capped": count > CAP,
    }
    return HttpResponse(json.dumps(body), content_type="application/json")
