"""Fill a separate PostgreSQL database with 100,000 approved musicians for the search benchmark.

    .venv/bin/python bench/search/generate.py            # (re)creates gigbook_bench
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/search/generate.py

What it writes (deterministic, seeded): 100,000 users and approved profiles spread over the cities
of musicians/cities.py (UK-heavy, ±30 km jitter), ~2.2 instruments and ~2.5 genres per profile,
500,000 unavailability blocks (90 % one-off, 10 % weekly, expanded over the busy horizon exactly
as the service does) and 100,000 booking intervals. Rows go in with COPY; the plain indexes are
dropped first and rebuilt afterwards (much faster than maintaining them row by row), then VACUUM
ANALYZE.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_bench")
PROFILES = int(os.environ.get("BENCH_PROFILES", "100000"))
BLOCKS = int(os.environ.get("BENCH_BLOCKS", "500000"))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "100000"))
WEEKLY_SHARE = 0.10
# Busy data starts from today; measure.py searches windows over the next 90 days.
NOW = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)

os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gigbook.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402

from musicians.availability import weekly_occurrences  # noqa: E402
from musicians.cities import CITIES, CURRENCY_BY_COUNTRY  # noqa: E402
from musicians.geo import public_point  # noqa: E402
from musicians.models import reach_box  # noqa: E402
from musicians.selectors import BUSY_HORIZON_DAYS  # noqa: E402

TABLES = [
    "accounts_user", "musicians_musicianprofile", "musicians_profileinstrument", "musicians_profilegenre",
    "musicians_unavailabilityblock", "musicians_busyinterval",
]
# Common session instruments appear more often, as on a real directory.
POPULAR = {"electric-guitar": 6, "acoustic-guitar": 4, "bass-guitar": 5, "drums": 5, "piano": 5, "lead-vocals": 5,
           "backing-vocals": 4, "violin": 3, "cello": 2, "tenor-sax": 3, "alto-sax": 2, "trumpet": 3,
           "trombone": 2, "synthesizer": 3, "hammond-organ": 2, "double-bass": 2, "percussion": 2, "flute": 2}
PER_GBP = {"GBP": 1, "EUR": 1.15, "USD": 1.27}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database() -> None:
    parts = urlsplit(BENCH_URL)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                             dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": BENCH_URL, "DEBUG": "1"})


def q(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class Copier:
    """Buffers rows and COPYs them in chunks (bounded memory)."""

    def __init__(self, conn, table: str, columns: list[str], chunk: int = 200_000):
        self.conn, self.table, self.columns, self.chunk = conn, table, columns, chunk
        self.buffer, self.pending, self.total = io.StringIO(), 0, 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(q(v) for v in values))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        with self.conn.cursor() as cur:
            cur.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.total += self.pending
        self.buffer, self.pending = io.StringIO(), 0


_EMPTY_BY_TYPE = {"character varying": "''", "text": "''", "jsonb": "'{}'", "boolean": "false", "integer": "0",
                  "smallint": "0", "bigint": "0", "double precision": "0"}


def temporary_defaults(conn, columns_by_table: dict[str, list[str]]) -> list[str]:
    """Give NOT NULL columns this script does not write (added by later migrations) an empty
    default for the load, so the bench keeps working as the models grow; returns the statements
    that drop those defaults again."""
    undo = []
    with conn.cursor() as cur:
        for table, written in columns_by_table.items():
            cur.execute(
                """SELECT column_name, data_type FROM information_schema.columns
                   WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'""",
                (table,),
            )
            for column, data_type in cur.fetchall():
                if column in written:
                    continue
                if data_type not in _EMPTY_BY_TYPE:
                    raise SystemExit(f"{table}.{column} ({data_type}) needs a value in generate.py")
                cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {_EMPTY_BY_TYPE[data_type]}')
                undo.append(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
    return undo


def drop_plain_indexes(conn) -> list[str]:
    """Drop indexes that back no constraint; return their definitions to rebuild."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            (TABLES,),
        )
        rows = cur.fetchall()
        for name, _ in rows:
            cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def main() -> None:
    started = time.monotonic()
    rng = random.Random(100_000)
    log(f"recreating {BENCH_URL}")
    recreate_database()
    parts = urlsplit(BENCH_URL)
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                            dbname=parts.path.lstrip("/"))
    with conn.cursor() as cur:
        cur.execute("SELECT id, slug, family FROM musicians_instrument ORDER BY id")
        instruments = cur.fetchall()
        cur.execute("SELECT id FROM musicians_genre ORDER BY id")
        genres = [row[0] for row in cur.fetchall()]
        cur.execute("SET synchronous_commit = off")
    definitions = drop_plain_indexes(conn)
    log(f"dropped {len(definitions)} plain indexes for the load")

    by_family: dict[str, list[int]] = {}
    for instrument_id, _, family in instruments:
        by_family.setdefault(family, []).append(instrument_id)
    instrument_weights = [POPULAR.get(slug, 1) for _, slug, _ in instruments]
    uk = [c for c in CITIES if c[1] in ("GB", "IE")]

    users = Copier(conn, "accounts_user", ["id", "password", "is_superuser", "email", "full_name", "phone",
                                           "time_zone", "is_producer", "is_musician", "notify_by_email",
                                           "notify_by_sms", "is_staff", "is_active", "date_joined"])
    profiles = Copier(conn, "musicians_musicianprofile", [
        "id", "user_id", "status", "rejection_reason", "suspension_reason", "submitted_at", "reviewed_at",
        "stage_name", "headline", "bio", "photo", "city", "latitude", "longitude", "travel_radius_km",
        "willing_to_tour", "records_remotely", "reads_notation", "reads_chords", "reads_nashville", "years_experience",
        "union_membership", "equipment_notes", "languages", "currency", "hourly_rate", "session_rate", "day_rate",
        "live_rate", "minimum_call_hours", "rate_notes", "rating_avg", "rating_count", "reach_lat_min",
        "reach_lat_max", "reach_lng_min", "reach_lng_max", "search_text", "created_at", "updated_at",
        "public_latitude", "public_longitude",
    ])
    plays = Copier(conn, "musicians_profileinstrument", ["profile_id", "instrument_id", "is_primary", "skill_level",
                                                         "position"])
    likes = Copier(conn, "musicians_profilegenre", ["profile_id", "genre_id", "strength"])
    undo_defaults = temporary_defaults(conn, {c.table: c.columns for c in (users, profiles, plays, likes)})
    zones: dict[int, str] = {}
    for pid in range(1, PROFILES + 1):
        roll = rng.random()
        city = CITIES[0] if roll < 0.25 else rng.choice(uk) if roll < 0.6 else rng.choice(CITIES)
        name, country, lat, lng, zone = city
        zones[pid] = zone
        lat += rng.uniform(-0.27, 0.27)
        lng += rng.uniform(-0.4, 0.4)
        radius = rng.choice([10, 25, 25, 40, 50, 50, 80, 120, 200, 400])
        currency = CURRENCY_BY_COUNTRY.get(country, "USD") if country in ("GB", "IE", "US") else "EUR"
        hourly = round(rng.uniform(30, 150) * PER_GBP.get(currency, 1.15), 2)
        full_name = f"Player {pid}"
        headline = f"Session player #{pid} for studio and stage"
        bio = f"Bench musician {pid} based in {name}. Sessions, tours, theatre and home recording."
        # Search measures from the public point (musicians.geo), as MusicianProfile.save() stores it.
        public_lat, public_lng = public_point(round(lat, 5), round(lng, 5))
        box = reach_box(public_lat, public_lng, radius)
        users.add(pid, "!", False, f"bench{pid}@example.com", full_name, "", zone, False, True, True, False, False,
                  True, NOW)
        rating_count = rng.randint(1, 60) if rng.random() < 0.4 else 0
        profiles.add(
            pid, pid, "approved", "", "", NOW, NOW, "", headline, bio, "", name, round(lat, 5), round(lng, 5), radius,
            rng.random() < 0.4, rng.random() < 0.3, rng.random() < 0.5, rng.random() < 0.8, rng.random() < 0.15,
            rng.randint(1, 40), "", "", "[]", currency, hourly, round(hourly * 2.6, 2) if rng.random() < 0.9 else None,
            round(hourly * 6.5, 2) if rng.random() < 0.7 else None, round(hourly * 3.4, 2), "3.0", "",
            round(rng.uniform(3.5, 5), 2) if rating_count else None, rating_count, *box,
            f"{full_name} {headline} {bio}".lower(), NOW, NOW, public_lat, public_lng,
        )
        primary = rng.choices(instruments, weights=instrument_weights)[0]
        chosen = [primary[0]]
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            candidate = rng.choice(by_family[primary[2]])
            if candidate not in chosen:
                chosen.append(candidate)
        for position, instrument_id in enumerate(chosen):
            plays.add(pid, instrument_id, position == 0, "expert" if position == 0 else "professional", position)
        for strength, genre_id in enumerate(rng.sample(genres, k=rng.choice([1, 2, 2, 3, 3, 4])), start=1):
            likes.add(pid, genre_id, strength)
    for copier in (users, profiles, plays, likes):
        copier.flush()
    log(f"profiles: {profiles.total}, instruments: {plays.total}, genres: {likes.total}")

    blocks = Copier(conn, "musicians_unavailabilityblock", [
        "id", "profile_id", "kind", "starts_at", "ends_at", "weekday", "start_time", "end_time", "valid_from",
        "valid_until", "time_zone", "note", "expanded_until", "created_at",
    ])
    busy = Copier(conn, "musicians_busyinterval", ["profile_id", "starts_at", "ends_at", "source", "source_id",
                                                   "label"])
    undo_defaults += temporary_defaults(conn, {c.table: c.columns for c in (blocks, busy)})
    horizon = NOW + timedelta(days=BUSY_HORIZON_DAYS)
    expand_from = NOW - timedelta(days=1)
    for block_id in range(1, BLOCKS + 1):
        pid = rng.randint(1, PROFILES)
        if rng.random() < WEEKLY_SHARE:
            weekday, hour = rng.randint(0, 6), rng.choice([9, 10, 14, 17, 18, 19])
            valid_from = (NOW - timedelta(days=35)).date()
            blocks.add(block_id, pid, "weekly", None, None, weekday, dtime(hour), dtime(hour + 3), valid_from, None,
                       zones[pid], "", horizon, NOW)
            for start, end in weekly_occurrences(weekday=weekday, start_time=dtime(hour), end_time=dtime(hour + 3),
                                                 valid_from=valid_from, valid_until=None, time_zone=zones[pid],
                                                 window_start=expand_from, window_end=horizon):
                busy.add(pid, start, end, "block", block_id, "Unavailable (weekly)")
        else:
            start = (NOW + timedelta(hours=rng.randint(1, 24 * 180))).replace(minute=0, second=0)
            end = start + timedelta(hours=rng.choice([2, 3, 4, 8, 24, 48, 72]))
            blocks.add(block_id, pid, "once", start, end, None, None, None, None, None, zones[pid], "", None, NOW)
            busy.add(pid, start, end, "block", block_id, "Unavailable")
    for booking_id in range(1, BOOKINGS + 1):
        start = (NOW + timedelta(hours=rng.randint(1, 24 * 120))).replace(minute=0, second=0)
        busy.add(rng.randint(1, PROFILES), start, start + timedelta(hours=rng.choice([2, 3, 4, 6, 8])), "booking",
                 booking_id, "Booked")
    blocks.flush()
    busy.flush()
    log(f"blocks: {blocks.total}, busy intervals: {busy.total} (weekly blocks expanded over {BUSY_HORIZON_DAYS} days)")

    conn.commit()  # checks the deferred foreign keys once, for all rows
    log("committed")
    with conn.cursor() as cur:
        for statement in undo_defaults:
            cur.execute(statement)
        for table, column in (("accounts_user", "id"), ("musicians_musicianprofile", "id"),
                              ("musicians_unavailabilityblock", "id")):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max(id) FROM {table}))")
        cur.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            started_index = time.monotonic()
            cur.execute(definition)
            log(f"  {definition.split(' ON ')[0].replace('CREATE INDEX ', '')}: {time.monotonic() - started_index:.1f}s")
    conn.commit()
    # VACUUM sets the visibility map, so the instrument/genre lookups are index-only scans, as
    # they are in a long-running database where autovacuum has caught up.
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    log(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
