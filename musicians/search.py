"""The directory search as one SQL statement: the capped count, the page and the cards' details.

``selectors.musician_search`` is the readable statement of the rules (the search page and the
tests use it); this module is the same search written for the hottest read of the API. Measured
on 100,000 profiles (bench/README.md), the ORM version ran the same plan twice (a capped count,
then the page), spent about a third of a request building and compiling the two queries, and two
more statements fetched the instruments and genres of the page. Here:

- the matches are capped at ``SEARCH_RESULT_CAP + 1`` once, unordered; counting those capped
  candidates is the count, and when there are no more than the cap the page is cut from them;
  past the cap the page is found by walking the result order, as before, in the same statement.
  With an instrument or genre filter the candidates are found from those rows one profile at a
  time (the planner, which cannot estimate the travel-reach test, would scan every profile);
- "pencilled" (a hold on the window) is asked of the page's rows only;
- the account name, instruments, genres and calendar state of the page's rows are subqueries of the outer
  query, evaluated for the page's rows only (on PostgreSQL; SQLite, the demo, reads them with
  ``selectors.card_details``);
- the SQL is assembled from fixed fragments (no ORM), values always travel as parameters;
- rows are read as tuples and become the API's card dicts directly.

Every filter means exactly what ``musician_search`` means; tests/musicians/test_search_one_statement.py
compares the two answers byte for byte over many searches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from musicians.calendar_import.models import ImportedCalendar
from musicians.calendar_import.selectors import stale_before
from musicians.geo import DISTANCE_BAND_KM, distance_band_km
from musicians.models import EARTH_RADIUS_KM, RATE_KIND_FIELDS, MusicianProfile
from musicians.selectors import (
    BOUNDARY_TOLERANCE_KM,
    READS_FIELDS,
    SEARCH_RESULT_CAP,
    card_details,
    currency_factors,
)

# Card columns in the order the statement returns them (after id).
_COLUMNS = (
    "stage_name", "headline", "photo", "city", "travel_radius_km", "records_remotely", "willing_to_tour",
    "reads_notation", "reads_chords", "reads_nashville", "years_experience", "currency", "hourly_rate",
    "session_rate", "day_rate", "live_rate", "rating_avg", "rating_count",
)
_DISTANCE = (
    "({diameter} * ASIN(SQRT({least}(1.0, POWER(SIN((RADIANS(p.public_latitude) - RADIANS(%s)) / 2.0), 2) "
    "+ COS(RADIANS(%s)) * COS(RADIANS(p.public_latitude)) "
    "* POWER(SIN((RADIANS(p.public_longitude) - RADIANS(%s)) / 2.0), 2)))))"
)
_ORDER = {
    "-rating": "c.rating_avg DESC NULLS LAST, c.rating_count DESC, c.id",
    "rate": "c.rate_value ASC NULLS LAST, c.id",
    "distance": "c.distance_band, c.id",
    "experience": "c.years_experience DESC NULLS LAST, c.id",
}
_INSTRUMENTS_JSON = (
    "(SELECT json_agg(json_build_array(i.slug, i.name, i.family, pi.is_primary, pi.skill_level) "
    "ORDER BY pi.is_primary DESC, pi.position, pi.id) "
    "FROM musicians_profileinstrument pi JOIN musicians_instrument i ON i.id = pi.instrument_id "
    "WHERE pi.profile_id = c.id)"
)
_GENRES_JSON = (
    "(SELECT json_agg(json_build_array(g.slug, g.name, pg.strength) ORDER BY pg.strength, pg.id) "
    "FROM musicians_profilegenre pg JOIN musicians_genre g ON g.id = pg.genre_id WHERE pg.profile_id = c.id)"
)
# The musician imports a calendar that has not synced for too long (musicians.calendar_import).
_STALE_CALENDAR = (
    f"EXISTS (SELECT 1 FROM {ImportedCalendar._meta.db_table} ic WHERE ic.profile_id = c.id "  # noqa: S608
    "AND COALESCE(ic.last_success_at, ic.created_at) < %s) AS calendar_out_of_date"
)
_NAME = (
    "(SELECT COALESCE(NULLIF(u.display_name, ''), u.full_name) FROM accounts_user u WHERE u.id = c.user_id)"
)


@dataclass(frozen=True)
class SearchPage:
    """``total``: matches counted up to the cap + 1 (0 when the page is empty); ``cards``: the page."""

    total: int
    cards: list[dict]


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _like(word: str) -> str:
    # As Django's ``contains`` lookup escapes it: the word is matched literally.
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_page(
    *,
    instrument_ids: Sequence[int] = (),
    genre_ids: Sequence[int] = (),
    available_from: datetime | None = None,
    available_to: datetime | None = None,
    max_rate: Decimal | None = None,
    rate_kind: str = "hourly",
    currency: str | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    reads: Sequence[str] = (),
    remote: bool = False,
    q: str = "",
    ordering: str = "-rating",
    page: int = 1,
    page_size: int = 20,
    cap: int = SEARCH_RESULT_CAP,
) -> SearchPage:
    """One page of ``musician_search`` (same arguments and meaning) as API cards, in one statement.

    Callers validate the input (the API's search serializer). One SQL statement on PostgreSQL,
    three on SQLite (the card details separately).
    """
    postgres = connection.vendor == "postgresql"
    ops = connection.ops
    rate_field = RATE_KIND_FIELDS[rate_kind]
    where = ["p.status = %s", "NOT EXISTS (SELECT 1 FROM accounts_user iu WHERE iu.id = p.user_id AND NOT iu.is_active)"]
    params: list = [MusicianProfile.Status.APPROVED]
    extra_select, extra_params = [], []
    pencilled, pencilled_params = "", []
    # "Plays / lists every one of these" (each a semi-join). Kept apart: on PostgreSQL they also
    # drive the capped candidates (see ``cand`` below).
    lists, list_params = [], []
    for instrument_id in dict.fromkeys(instrument_ids):
        lists.append(("musicians_profileinstrument", "instrument_id"))
        list_params.append(instrument_id)
    for genre_id in dict.fromkeys(genre_ids):
        lists.append(("musicians_profilegenre", "genre_id"))
        list_params.append(genre_id)
    list_where = [f"EXISTS (SELECT 1 FROM {table} x{n} WHERE x{n}.profile_id = p.id AND x{n}.{column} = %s)"  # noqa: S608
                  for n, (table, column) in enumerate(lists)]
    window = available_from is not None and available_to is not None
    if window:
        lo, hi = ops.adapt_datetimefield_value(available_from), ops.adapt_datetimefield_value(available_to)
        # Firm busy time, one probe per candidate: on PostgreSQL the partial btree index
        # (profile_id, ends_at) INCLUDE (starts_at) WHERE source <> 'hold' (migration 0011) reads
        # the musician's intervals ending after the window starts, inside the index; the same
        # probe on the (profile_id, time range) GiST index cost about half of a broad search's
        # count (bench/README.md). Same answer as the range overlap: a row's ends_at > starts_at
        # (musicians_busy_nonempty).
        where.append("NOT EXISTS (SELECT 1 FROM musicians_busyinterval b WHERE b.profile_id = p.id "
                     "AND b.ends_at > %s AND b.starts_at < %s AND b.source <> 'hold')")
        params.extend([lo, hi])
        if postgres:  # written as the GiST index expression, or the planner would not use it
            held = "tstzrange(h.starts_at, h.ends_at, '[)') && tstzrange(%s::timestamptz, %s::timestamptz, '[)')"
            held_params = [lo, hi]
        else:
            held, held_params = "h.starts_at < %s AND h.ends_at > %s", [hi, lo]
        # Asked of the page's rows only (it orders nothing): planned once, not per branch, and
        # not probed for every capped candidate.
        pencilled = (", EXISTS (SELECT 1 FROM musicians_busyinterval h WHERE h.profile_id = c.id "  # noqa: S608
                     f"AND {held} AND h.source = 'hold') AS pencilled")
        pencilled_params = held_params
    if currency:
        # Converted in SQL with the rates in force today (one CASE of parameters, no join): the
        # filter, the order and the card all use the same rounded amount.
        factors = currency_factors(currency)
        cases = " ".join("WHEN %s THEN %s" for _ in factors)
        case_params = [value for code, factor in factors.items() for value in (code, factor)]
        converted = f"ROUND(p.{rate_field} * CASE p.currency {cases} END, 2)"
        known = f"p.currency IN ({', '.join(['%s'] * len(factors))})"
        extra_select.append(f"{converted} AS converted_rate")
        extra_params.extend(case_params)
        extra_select.append(f"NOT {known} AS no_exchange_rate")
        extra_params.extend(factors)
        if max_rate is not None:
            # A musician whose currency has no rate in force stays in (marked), never silently out.
            where.append(f"p.{rate_field} IS NOT NULL AND (NOT {known} OR {converted} <= %s)")
            params.extend([*factors, *case_params, ops.adapt_decimalfield_value(max_rate)])
    if near is not None:
        lat, lng = float(near[0]), float(near[1])
        distance = _DISTANCE.format(diameter=repr(2.0 * EARTH_RADIUS_KM), least="LEAST" if postgres else "MIN")
        where.append("p.reach_lat_min <= %s AND p.reach_lat_max >= %s AND p.reach_lng_min <= %s "
                     "AND p.reach_lng_max >= %s")
        params.extend([lat, lat, lng, lng])
        where.append(f"{distance} <= (p.travel_radius_km + %s)")
        params.extend([lat, lat, lng, BOUNDARY_TOLERANCE_KM])
        if radius_km is not None:
            where.append(f"{distance} <= %s")
            params.extend([lat, lat, lng, float(radius_km) + BOUNDARY_TOLERANCE_KM])
        extra_select.append(f"{distance} AS distance_km")
        extra_params.extend([lat, lat, lng])
        if ordering == "distance":
            extra_select.append(f"CEIL({distance} / %s) AS distance_band")
            extra_params.extend([lat, lat, lng, DISTANCE_BAND_KM])
    for skill in dict.fromkeys(reads):
        where.append(f"p.{READS_FIELDS[skill]}")
    if remote:
        where.append("p.records_remotely")
    for word in q.lower().split()[:8]:
        where.append("p.search_text LIKE %s" + ("" if postgres else " ESCAPE '\\'"))
        params.append(_like(word))
    if ordering == "rate" and not currency:
        extra_select.append(f"p.{rate_field} AS rate_value")
    order = _ORDER[ordering]
    # The candidates' ORDER BY names the profile's own columns, so the rating index can be walked.
    inner_order = {"rate": f"p.{rate_field} ASC NULLS LAST, p.id", "distance": "distance_band, p.id"}.get(
        ordering, order.replace("c.", "p."))
    if ordering == "rate" and currency:  # in the asked currency: amounts in different currencies do not compare
        order, inner_order = "c.converted_rate ASC NULLS LAST, c.id", "converted_rate ASC NULLS LAST, p.id"
    extra = "".join(f", {column}" for column in extra_select)
    # Only fixed fragments, column names from this module and integers are formatted in; values are parameters.
    columns = ", ".join("p." + c for c in _COLUMNS)
    select = f"SELECT p.id, p.user_id, {columns}{extra} FROM musicians_musicianprofile p WHERE "  # noqa: S608
    matches = select + " AND ".join(list_where + where)
    match_params = [*extra_params, *list_params, *params]
    if postgres and lists:
        # The capped candidates start from the instrument/genre rows, one profile looked up by
        # primary key at a time, and stop at the cap + 1-th match: what a broad search (a common
        # instrument, no genre) needs, as bench/README.md measures. Left to itself the planner
        # scans every profile instead: it has no estimate for "the venue is within this
        # musician's travel radius" (the reach rectangle's four comparisons are taken as
        # independent, the distance test as a fixed third), guesses a few hundred matches where
        # there are thousands, and so never expects the LIMIT to stop a walk early. OFFSET 0
        # keeps the per-profile subquery from being flattened back into that plan. Each profile
        # comes at most once: a profile lists an instrument or a genre once (unique constraints).
        first_table, first_column = lists[0]
        others = "".join(
            f" AND EXISTS (SELECT 1 FROM {table} y{n} WHERE y{n}.profile_id = d.profile_id AND y{n}.{column} = %s)"  # noqa: S608
            for n, (table, column) in enumerate(lists[1:]))
        driver = f"SELECT d.profile_id FROM {first_table} d WHERE d.{first_column} = %s{others}"  # noqa: S608
        candidates = (f"SELECT m.* FROM ({driver}) ids CROSS JOIN LATERAL "  # noqa: S608
                      f"({select}p.id = ids.profile_id AND {' AND '.join(where)} OFFSET 0) m")
        candidate_params = [*list_params, *extra_params, *params]
    else:
        candidates, candidate_params = matches, match_params
    offset = (int(page) - 1) * int(page_size)
    limits = f"LIMIT {int(page_size)} OFFSET {offset}"
    # As the capped paginator slices: never past the (cap + 1)-th match.
    broad_limits = f"LIMIT {max(0, min(int(page_size), int(cap) + 1 - offset))} OFFSET {offset}"
    details = f", {_NAME}, {_INSTRUMENTS_JSON}, {_GENRES_JSON}" if postgres else f", {_NAME}"
    # ``cand``: any cap + 1 matches, unordered (found from the instrument/genre rows when there are
    # such filters, as above; otherwise the planner may start from the most selective index), and
    # it stops early; their number is the count. When it is within the cap, cand holds every match
    # and the page is sorted out of it. Past the cap (a broad search), the page is walked in result
    # order over all matches instead (the rating index, stopping after the page), by the second
    # branch; PostgreSQL evaluates each branch's count test once and skips the branch not taken.
    sql = (
        f"WITH cand AS MATERIALIZED ({candidates} LIMIT {int(cap) + 1}), total AS (SELECT count(*) AS n FROM cand) "  # noqa: S608
        f"SELECT c.*, (SELECT n FROM total) AS total, {_STALE_CALENDAR}{details}{pencilled} FROM ("
        f"SELECT * FROM (SELECT * FROM cand WHERE (SELECT n FROM total) <= {int(cap)} "
        f"ORDER BY {order.replace('c.', '')} {limits}) small "
        f"UNION ALL SELECT * FROM ({matches} AND (SELECT n FROM total) > {int(cap)} ORDER BY {inner_order} {broad_limits}) "
        f"broad) c ORDER BY {order}"
    )
    params = [*candidate_params, ops.adapt_datetimefield_value(stale_before()), *pencilled_params, *match_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return SearchPage(total=0, cards=[])
    return SearchPage(total=rows[0][2 + len(_COLUMNS) + len(extra_select)],
                      cards=_cards(rows, extra_select, rate_kind, currency, postgres, pencilled=bool(pencilled)))


def _photo_url(name: str) -> str | None:
    return MusicianProfile._meta.get_field("photo").storage.url(name) if name else None


def _cards(rows: list[tuple], extra_select: list[str], rate_kind: str, currency: str | None,
           postgres: bool, *, pencilled: bool) -> list[dict]:
    names = [column.rsplit(" AS ", 1)[1] for column in extra_select]
    base = 2 + len(_COLUMNS)
    distance_at = base + names.index("distance_km") if "distance_km" in names else None
    converted_at = base + names.index("converted_rate") if "converted_rate" in names else None
    stale_at = base + len(names) + 1  # after "total"
    name_at = stale_at + 1
    details = None if postgres else card_details([row[0] for row in rows])
    cards = []
    for row in rows:
        (pid, _user_id, stage_name, headline, photo, city, radius, remote, tour, notation, chords, nashville, years,
         own_currency, hourly, session, day, live, rating_avg, rating_count) = row[:base]
        rates = {"hourly": hourly, "session": session, "day": day, "live": live}
        if postgres:
            instruments = [
                {"instrument": slug, "name": name, "family": family, "is_primary": primary, "skill_level": skill}
                for slug, name, family, primary, skill in row[name_at + 1] or ()
            ]
            genres = [{"genre": slug, "name": name, "strength": strength} for slug, name, strength in row[name_at + 2] or ()]
        else:
            instruments, genres = details[pid]["instruments"], details[pid]["genres"]
        distance = row[distance_at] if distance_at is not None else None
        cards.append({
            "id": pid,
            "pencilled": bool(row[-1]) if pencilled else False,
            "calendar_out_of_date": bool(row[stale_at]),
            "display_name": stage_name or row[name_at] or "",
            "headline": headline,
            "photo_url": _photo_url(photo),
            "city": city,
            "distance_km": distance_band_km(distance),
            "travel_radius_km": radius,
            "records_remotely": bool(remote),
            "willing_to_tour": bool(tour),
            "reads": [skill for skill, flag in (("notation", notation), ("chords", chords), ("nashville", nashville))
                      if flag],
            "years_experience": years,
            "instruments": instruments,
            "genres": genres,
            "currency": own_currency,
            "rate_kind": rate_kind,
            "rate": _money(rates[rate_kind]),
            "hourly_rate": _money(hourly),
            "session_rate": _money(session),
            "day_rate": _money(day),
            "live_rate": _money(live),
            "rating_avg": _money(rating_avg),
            "rating_count": rating_count,
            "profile_url": f"/musicians/{pid}/",
            "converted_currency": currency or None,
            "converted_rate": _money(row[converted_at]) if converted_at is not None else None,
            "no_exchange_rate": bool(row[converted_at + 1]) if converted_at is not None else False,
        })
    return cards


def page_count(total: int, page_size: int, cap: int = SEARCH_RESULT_CAP) -> int:
    """Pages offered for ``total`` matches (counted up to cap + 1), as CappedPaginator counts them."""
    if total > cap:
        return -(-cap // page_size)
    return max(1, math.ceil(total / page_size))
