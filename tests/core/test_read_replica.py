"""Reads that may lag go to a real streaming replica; writes and decisions stay on the primary.

The test builds its own PostgreSQL 15 primary and a streaming replica (pg_basebackup) on free
ports, runs the app (gunicorn) with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the
replica, and pauses WAL replay on the replica so that anything read from it is visibly stale.
"""

import os
import time

import pytest
from django.conf import settings

from tests.core import infra

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def primary_and_replica():
    with infra.primary_and_replica() as clusters:
        yield clusters


@pytest.fixture(scope="module")
def app_on_replica(primary_and_replica, tmp_path_factory):
    primary, replica = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gigbook.settings",
        "DATABASE_URL": primary.url("gigbook"),
        "DATABASE_REPLICA_URL": replica.url("gigbook"),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "1",
        "HTTPS": "0",
        "REPLICA_PIN_SECONDS": "30",
        "GIGBOOK_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    infra.manage(env, "migrate", "--noinput")
    # Just the demo logins and the demo musician's approved profile, through the real services.
    infra.manage(env, "shell", "-c", "from gigbook.accounts.demo import seed; seed(); "
                 "from musicians.demo import _seed_demo_accounts; _seed_demo_accounts()")
    port = infra.free_port()
    web = infra.gunicorn(env, port, tmp_path_factory.mktemp("logs") / "web.log")
    base = f"http://127.0.0.1:{port}"
    yield base, primary, replica
    web.stop()


def test_search_and_public_profiles_read_the_replica_and_a_writer_reads_their_own_write(app_on_replica):
    base, primary, replica = app_on_replica
    musician = infra.ApiClient(base, infra.api_login(base, "musician@gigbook.test"))
    status, mine = musician.call("GET", "/api/me/profile/")
    assert status == 200, mine
    profile_id = mine["id"]
    anonymous = infra.ApiClient(base)
    status, before = anonymous.call("GET", f"/api/musicians/{profile_id}/")
    assert status == 200, before
    old_rate = before["rates"]["hourly_rate"]
    new_rate = f"{float(old_rate) + 7:.2f}"

    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        status, patched = musician.call("PATCH", "/api/me/profile/", {"hourly_rate": new_rate})
        assert status == 200, patched
        assert primary.sql(f"SELECT hourly_rate FROM musicians_musicianprofile WHERE id = {int(profile_id)}",  # noqa: S608
                           "gigbook") == new_rate

        # A stranger's read comes from the (paused, stale) replica...
        assert anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == old_rate
        status, found = anonymous.call("GET", "/api/musicians/?instrument=tenor-sax&page_size=100")
        assert status == 200, found
        # ...while the musician, who just wrote, reads the primary and sees the new rate.
        assert musician.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate

        # Everything that decides runs on the primary even while the replica lags: a producer
        # books the musician and the musician accepts.
        producer = infra.ApiClient(base, infra.api_login(base, "producer@gigbook.test"))
        status, venue = producer.call("POST", "/api/venues/", {
            "name": "Studio One", "address": "1 Studio Lane, London", "city": "London",
            "latitude": 51.5, "longitude": -0.12, "time_zone": "Europe/London"})
        assert status == 201, venue
        starts = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(time.time() + 86400 * 40))
        ends = time.strftime("%Y-%m-%dT13:00:00Z", time.gmtime(time.time() + 86400 * 40))
        status, booking = producer.call("POST", "/api/bookings/", {
            "musician": profile_id, "instrument": "tenor-sax", "venue": venue["id"],
            "starts_at": starts, "ends_at": ends, "kind": "studio_session",
        })
        assert status == 201, booking
        status, accepted = musician.call("POST", f"/api/bookings/{booking['id']}/accept/")
        assert status == 200, accepted
        assert accepted["status"] == "accepted"
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate:
            break
        time.sleep(0.2)
    assert anonymous.call("GET", f"/api/musicians/{profile_id}/")[1]["rates"]["hourly_rate"] == new_rate
