"""No double-booking under real concurrency: real PostgreSQL transactions from many threads at once."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from bookings.models import Booking
from musicians.models import BusyInterval
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 24
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def run_together(count, work):
    """Start ``count`` threads that call ``work(i)`` at the same instant; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # recorded, asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def setup(make_user, frozen_clock):
    frozen_clock.set(NOW)
    producer = make_user(producer=True, email="race-producer@example.com")
    musician = make_user(musician=True, email="race-musician@example.com")
    profile = make_profile(musician)
    venue = make_venue(producer)
    return producer, musician, profile, venue


def test_concurrent_accepts_of_overlapping_offers_one_wins_all_others_409(setup):
    producer, musician, profile, venue = setup
    start = NOW + timedelta(days=5)
    # Every offer overlaps every other: each starts 5 minutes after the previous and lasts 3 hours.
    offers = [offer(producer, profile, venue=venue, starts_at=start + timedelta(minutes=5 * i)).pk for i in range(THREADS)]

    def accept(index):
        client = APIClient()
        client.force_authenticate(user=musician)
        response = client.post(f"/api/bookings/{offers[index]}/accept/")
        return response.status_code, response.json().get("code")

    results = run_together(THREADS, accept)

    assert all(isinstance(r, tuple) for r in results), results
    statuses = [status for status, _code in results]
    assert statuses.count(200) == 1, results
    assert statuses.count(409) == THREADS - 1, results
    assert {code for status, code in results if status == 409} == {"double_booking"}
    assert Booking.objects.filter(musician=musician, status="accepted").count() == 1
    assert BusyInterval.objects.filter(source="booking").count() == 1


def test_concurrent_accepts_for_different_musicians_all_succeed(setup, make_user):
    producer, _musician, _profile, venue = setup
    start = NOW + timedelta(days=5)
    pairs = []
    for i in range(8):
        player = make_user(musician=True, email=f"player{i}@example.com")
        pairs.append((player, offer(producer, make_profile(player), venue=venue, starts_at=start).pk))

    def accept(index):
        player, booking_id = pairs[index]
        client = APIClient()
        client.force_authenticate(user=player)
        return client.post(f"/api/bookings/{booking_id}/accept/").status_code

    assert run_together(len(pairs), accept) == [200] * len(pairs)


def raw_accept_error(booking_id: int) -> str | None:
    """The PostgreSQL error code a raw accept of ``booking_id`` meets (None if it goes through)."""
    try:
        with transaction.atomic():
            Booking.objects.filter(pk=booking_id).update(status="accepted", accepted_at=NOW)
    except IntegrityError as exc:
        return getattr(exc.__cause__, "pgcode", None)
    return None


def test_the_exclusion_constraint_alone_stops_a_race_without_any_lock(setup):
    producer, musician, profile, venue = setup
    start = NOW + timedelta(days=5)
    offers = [offer(producer, profile, venue=venue, starts_at=start + timedelta(minutes=i)).pk for i in range(THREADS)]

    def raw_accept(index):
        # No profile lock, no service check: only PostgreSQL stands between these writers.
        with transaction.atomic():
            Booking.objects.filter(pk=offers[index]).update(status="accepted", accepted_at=NOW)
        return "ok"

    results = run_together(THREADS, raw_accept)
    winners = [r for r in results if r == "ok"]
    assert len(winners) == 1, results
    # Every other writer is refused by PostgreSQL: an exclusion violation, or (when writers wait on
    # each other's constraint check) a deadlock that PostgreSQL breaks by aborting one of them. Which
    # of the two each loser meets is timing: at load 10 all 23 once met deadlocks.
    loser_codes = [getattr(getattr(r, "__cause__", None), "pgcode", None) for r in results if r != "ok"]
    assert len(loser_codes) == THREADS - 1, results
    assert set(loser_codes) <= {"23P01", "40P01"}, results
    assert Booking.objects.filter(status="accepted").count() == 1
    # And a writer after the race meets the constraint itself.
    loser = next(index for index, result in enumerate(results) if result != "ok")
    assert raw_accept_error(offers[loser]) == "23P01"


def test_concurrent_retries_with_one_idempotency_key_create_one_offer(setup):
    producer, _musician, profile, venue = setup
    body = {"musician": profile.pk, "instrument": "piano", "kind": "studio_session", "venue": venue.pk,
            "starts_at": "2027-06-09T10:00", "ends_at": "2027-06-09T13:00"}

    def post(_index):
        client = APIClient()
        client.force_authenticate(user=producer)
        response = client.post("/api/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-storm-1")
        return response.status_code, response.json().get("id")

    results = run_together(8, post)
    assert {status for status, _id in results} == {201}, results
    assert len({booking_id for _status, booking_id in results}) == 1
    assert Booking.objects.count() == 1
