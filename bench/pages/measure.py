"""Phone pages: bytes transferred by the offer page, and Lighthouse mobile performance scores.

    (cd bench/pages && npm install)            # Lighthouse 13 (package.json); not needed for make run
    .venv/bin/python bench/pages/measure.py    # ~2-3 min

Creates the database ``gigbook_pagesbench`` (``BENCH_DATABASE_URL`` for another), seeds one producer,
one musician with a live profile, an open booking offer, an accepted gig and 20 inbox messages,
collects the static files, starts gunicorn (DEBUG off, WhiteNoise compression) on a free loopback
port and runs Lighthouse's default mobile profile (simulated slow 4G, 4x CPU slowdown, Moto G
class screen) against the offer page (phone link, no login), My gigs, Offers, the inbox, the
profile editor and the account page (when there is one), with the musician's session cookie.
Chromium is /usr/bin/chromium (``CHROME_PATH``). Each page runs ``BENCH_RUNS`` (3) times; prints the
median score with every run's, and the median run's figures; ``-v`` lists every request.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_pagesbench")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pages_bench_settings")
sys.path[:0] = [str(HERE), str(ROOT)]
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def recreate_database() -> None:
    import psycopg2

    name = DB_URL.rsplit("/", 1)[1]
    conn = psycopg2.connect(DB_URL.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def seed() -> dict:
    """The data the pages show; returns the URLs and the musician's session cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from bookings import services as booking_services
    from bookings.models import Venue
    from gigbook.core import clock
    from gigbook.notifications.models import Notification
    from gigbook.notifications.services import notify
    from musicians import services as musician_services
    from musicians.models import Genre, Instrument

    users = get_user_model()
    producer = users.objects.create_user(email="pat@bench.test", password="bench-pw-123456", full_name="Pat Producer",
                                         is_producer=True, time_zone="Europe/London")
    musician = users.objects.create_user(email="mia@bench.test", password="bench-pw-123456", full_name="Mia Keys",
                                         is_musician=True, time_zone="Europe/London")
    musician_services.profile_update(user=musician, changes={
        "headline": "Keys and synths for sessions", "bio": "Hammond, Rhodes and analogue synths. " * 5,
        "city": "London", "currency": "GBP", "hourly_rate": "55", "session_rate": "150", "years_experience": 12,
        "instruments": [{"instrument": Instrument.objects.get(slug="piano"), "is_primary": True},
                        {"instrument": Instrument.objects.get(slug="hammond-organ")}],
        "genres": [Genre.objects.get(slug="soul"), Genre.objects.get(slug="jazz")],
    })
    profile = musician.musician_profile
    musician_services.profile_submit(profile=profile)
    musician_services.profile_approve(profile=profile, by=producer)
    venue = Venue.objects.create(owner=producer, name="Abbey Road Studio 2", address="3 Abbey Road, London NW8 9AY",
                                 city="London", latitude=51.532, longitude=-0.178, time_zone="Europe/London")
    start = (clock.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    offer = booking_services.booking_offer(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                           kind="studio_session", venue=venue, starts_at=start,
                                           ends_at=start + timedelta(hours=3), brief_style="Late-night soul",
                                           cartage_fee="40")
    gig = booking_services.booking_offer(producer=producer, musician_profile_id=profile.pk, instrument="piano",
                                         kind="studio_session", venue=venue, starts_at=start + timedelta(days=2),
                                         ends_at=start + timedelta(days=2, hours=3))
    booking_services.booking_accept(booking_id=gig.pk, actor=musician)
    for n in range(20):
        notify(recipient=musician, kind="offer", title=f"Message {n}: session news", body="Details. " * 40, url="/gigs/")
    link = Notification.objects.filter(recipient=musician, kind="booking_offered", url__startswith="/o/").first().url
    assert offer.pk
    session = SessionStore()
    session[SESSION_KEY] = str(musician.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = musician.get_session_auth_hash()
    session.save()
    return {"offer": link, "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "gigbook.wsgi:application", "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def lighthouse(url: str, cookie: str | None, out: Path) -> dict:
    headers = out.with_suffix(".headers.json")
    headers.write_text(json.dumps({"Cookie": cookie} if cookie else {}))
    for _attempt in range(3):  # Lighthouse now and then loses the trace (NO_NAVSTART): run it again
        done = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", "--only-categories=performance",
             f"--extra-headers={headers}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run"],
            env={**os.environ, "CHROME_PATH": CHROME}, timeout=240, check=False,
        )
        if done.returncode == 0:
            return json.loads(out.read_text())
    raise SystemExit(f"Lighthouse failed three times on {url}")


def main() -> None:
    import django

    if not LIGHTHOUSE.exists():
        raise SystemExit("Run `npm install` in bench/pages first.")
    recreate_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    seeded = seed()
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    pages = [("offer page (phone link)", seeded["offer"], None), ("My gigs", "/gigs/", seeded["cookie"]),
             ("Offers", "/offers/", seeded["cookie"]), ("inbox", "/inbox/", seeded["cookie"]),
             ("profile editor", "/me/profile/", seeded["cookie"]), ("account", "/account/", seeded["cookie"])]
    print(f"load average {os.getloadavg()[0]:.1f}; Lighthouse mobile (simulated slow 4G, 4x CPU), Chromium {CHROME}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, path, cookie in pages:
                request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
                try:
                    urllib.request.urlopen(request, timeout=10)  # noqa: S310
                except urllib.error.HTTPError as exc:
                    print(f"{label:26} {path}: HTTP {exc.code}, not measured")
                    continue
                # The median of several runs: one run's blocking time swings with whatever else the
                # (shared, 2-core) machine is doing.
                reports = [lighthouse(base + path, cookie, Path(tmp) / f"report{n}.json") for n in range(RUNS)]
                scores = sorted(round(r["categories"]["performance"]["score"] * 100) for r in reports)
                report = sorted(reports, key=lambda r: r["categories"]["performance"]["score"])[len(reports) // 2]
                audits = report["audits"]
                score = scores[len(scores) // 2]
                transferred = audits["total-byte-weight"]["numericValue"]
                requests = audits["network-requests"]["details"]["items"]
                print(f"{label:24} performance median {score:3d} (runs {'/'.join(map(str, scores))})  transferred "
                      f"{transferred / 1024:5.1f} KB in {len(requests)} requests  FCP "
                      f"{audits['first-contentful-paint']['displayValue']}  LCP "
                      f"{audits['largest-contentful-paint']['displayValue']}  TBT "
                      f"{audits['total-blocking-time']['displayValue']}  CLS {audits['cumulative-layout-shift']['displayValue']}")
                if path == seeded["offer"] or "-v" in sys.argv:
                    for item in requests:
                        print(f"    {item['transferSize'] / 1024:6.1f} KB  {item['url'].replace(base, '')}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
