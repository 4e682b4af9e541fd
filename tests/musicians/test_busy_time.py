"""Busy time: the seam bookings plug into, unavailability rules and the rolling horizon."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from gigbook.core.errors import NotFound, ValidationFailed
from musicians import services
from musicians.availability import weekly_occurrences
from musicians.models import BusyInterval, UnavailabilityBlock
from musicians.selectors import BUSY_HORIZON_DAYS, musician_conflicts, musician_is_free

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday


def at(day, hour, minute=0, month=1):
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)


def test_is_free_is_half_open(make_profile, now):
    profile = make_profile()
    services.busy_interval_add(profile=profile, starts_at=at(10, 10), ends_at=at(10, 12), source="booking", source_id=1)
    assert musician_is_free(profile=profile, starts_at=at(10, 8), ends_at=at(10, 10))
    assert musician_is_free(profile=profile, starts_at=at(10, 12), ends_at=at(10, 13))
    assert not musician_is_free(profile=profile, starts_at=at(10, 9), ends_at=at(10, 10, 1))
    assert not musician_is_free(profile=profile, starts_at=at(10, 11), ends_at=at(10, 11, 30))
    assert not musician_is_free(profile=profile, starts_at=at(10, 6), ends_at=at(10, 23))


def test_ignore_source_lets_a_booking_be_rescheduled_over_itself(make_profile, now):
    profile = make_profile()
    services.busy_interval_add(profile=profile, starts_at=at(10, 10), ends_at=at(10, 12), source="booking", source_id=5)
    assert not musician_is_free(profile=profile, starts_at=at(10, 11), ends_at=at(10, 13))
    assert musician_is_free(profile=profile, starts_at=at(10, 11), ends_at=at(10, 13), ignore_source=("booking", 5))
    assert not musician_is_free(profile=profile, starts_at=at(10, 11), ends_at=at(10, 13), ignore_source=("booking", 6))


def test_busy_interval_add_is_idempotent_and_remove_frees_the_time(make_profile, now):
    profile = make_profile()
    first = services.busy_interval_add(profile=profile, starts_at=at(10, 10), ends_at=at(10, 12), source="booking",
                                       source_id=9, label="Booked: album session")
    again = services.busy_interval_add(profile=profile, starts_at=at(10, 10), ends_at=at(10, 12), source="booking",
                                       source_id="9")
    assert first.pk == again.pk
    assert BusyInterval.objects.count() == 1
    assert services.busy_interval_remove(source="booking", source_id=9) == 1
    assert musician_is_free(profile=profile, starts_at=at(10, 10), ends_at=at(10, 12))
    assert services.busy_interval_remove(source="booking", source_id=9) == 0


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "source"),
    [
        (at(10, 12), at(10, 12), "booking"),
        (at(10, 12), at(10, 11), "booking"),
        (datetime(2027, 1, 10, 10), datetime(2027, 1, 10, 11), "booking"),
        (at(10, 10), at(10, 11), "holiday"),
    ],
)
def test_busy_interval_add_rejects_bad_input(make_profile, starts_at, ends_at, source):
    with pytest.raises(ValueError):
        services.busy_interval_add(profile=make_profile(), starts_at=starts_at, ends_at=ends_at, source=source,
                                   source_id=1)


def test_conflicts_list_both_sources_in_time_order(make_profile, now):
    profile = make_profile()
    services.busy_interval_add(profile=profile, starts_at=at(10, 14), ends_at=at(10, 16), source="booking",
                               source_id=2, label="Booked: jingle")
    block = services.block_create(profile=profile, kind="once", starts_at=at(10, 9), ends_at=at(10, 11), note="dentist")
    conflicts = musician_conflicts(profile=profile, starts_at=at(10, 8), ends_at=at(10, 15))
    assert [(c.source, c.source_id, c.label) for c in conflicts] == [
        ("block", str(block.pk), "Unavailable"),
        ("booking", "2", "Booked: jingle"),
    ]
    assert all("dentist" not in c.label for c in conflicts)  # private notes stay private
    assert musician_conflicts(profile=profile, starts_at=at(10, 11), ends_at=at(10, 14)) == []


def test_weekly_block_is_expanded_over_the_horizon_in_local_time(make_profile, now):
    profile = make_profile()  # Europe/London
    block = services.block_create(profile=profile, kind="weekly", weekday=2, start_time=time(19, 0),
                                  end_time=time(23, 0), note="teaching")
    rows = list(BusyInterval.objects.filter(source="block", source_id=str(block.pk)).order_by("starts_at"))
    assert len(rows) == pytest.approx(BUSY_HORIZON_DAYS / 7, abs=1)
    assert rows[0].starts_at == at(6, 19)  # Wednesday 6 January, GMT
    summer = next(r for r in rows if r.starts_at.month == 7)
    assert (summer.starts_at.hour, summer.ends_at.hour) == (18, 22)  # BST: an hour earlier in UTC
    assert block.expanded_until == NOW + timedelta(days=BUSY_HORIZON_DAYS)


def test_weekly_block_running_past_midnight_and_bounded_dates(make_profile, now):
    profile = make_profile()
    block = services.block_create(profile=profile, kind="weekly", weekday=4, start_time=time(22, 0),
                                  end_time=time(2, 0), valid_from=date(2027, 1, 8), valid_until=date(2027, 1, 22))
    rows = list(BusyInterval.objects.filter(source_id=str(block.pk)).order_by("starts_at"))
    assert [(r.starts_at, r.ends_at) for r in rows] == [
        (at(8, 22), at(9, 2)), (at(15, 22), at(16, 2)), (at(22, 22), at(23, 2)),
    ]
    assert not musician_is_free(profile=profile, starts_at=at(16, 1), ends_at=at(16, 3))
    assert musician_is_free(profile=profile, starts_at=at(16, 2), ends_at=at(16, 3))


def test_weekly_occurrence_in_the_spring_forward_gap_moves_forward():
    # 01:30 on Sunday 28 March 2027 does not exist in London; zoneinfo's fold=0 reads it as GMT.
    found = list(weekly_occurrences(weekday=6, start_time=time(1, 30), end_time=time(3, 0), valid_from=date(2027, 3, 1),
                                    valid_until=None, time_zone="Europe/London",
                                    window_start=at(28, 0, month=3), window_end=at(29, 0, month=3)))
    assert found == [(at(28, 1, 30, month=3), at(28, 2, month=3))]


def test_beyond_the_horizon_weekly_rules_are_checked_on_the_fly(make_profile, now):
    profile = make_profile()
    services.block_create(profile=profile, kind="weekly", weekday=0, start_time=time(9, 0), end_time=time(12, 0))
    far = NOW + timedelta(days=BUSY_HORIZON_DAYS + 60)
    monday = far - timedelta(days=far.weekday())
    monday_10 = monday.replace(hour=10, minute=0)  # GMT/BST does not matter: 9-12 local covers 10 UTC either way
    assert not BusyInterval.objects.filter(starts_at__gte=monday - timedelta(days=1)).exists()
    assert not musician_is_free(profile=profile, starts_at=monday_10, ends_at=monday_10 + timedelta(minutes=30))
    conflicts = musician_conflicts(profile=profile, starts_at=monday_10, ends_at=monday_10 + timedelta(minutes=30))
    assert [c.source for c in conflicts] == ["block"]
    assert musician_is_free(profile=profile, starts_at=monday_10 + timedelta(days=1),
                            ends_at=monday_10 + timedelta(days=1, hours=1))


def test_horizon_job_extends_weekly_blocks_once_and_purges_old_rows(make_profile, frozen_clock):
    frozen_clock.set(NOW)
    profile = make_profile()
    block = services.block_create(profile=profile, kind="weekly", weekday=3, start_time=time(8, 0),
                                  end_time=time(9, 0))
    before = BusyInterval.objects.filter(source_id=str(block.pk)).count()
    later = frozen_clock.set(NOW + timedelta(days=70))
    added = services.busy_horizon_extend()
    assert added == 10
    assert services.busy_horizon_extend() == 0  # rerun: nothing twice
    rows = BusyInterval.objects.filter(source_id=str(block.pk))
    # Intervals that ended more than the retention period ago are gone.
    assert not rows.filter(ends_at__lt=later - timedelta(days=services.BUSY_RETENTION_DAYS)).exists()
    # Thursdays 7 Jan .. 11 Feb ended before now - 31 days: six purged.
    assert rows.count() == before + 10 - 6
    block.refresh_from_db()
    assert block.expanded_until == later + timedelta(days=BUSY_HORIZON_DAYS)
    # Every Thursday from the start of the retention period to the horizon is present, once.
    starts = list(rows.order_by("starts_at").values_list("starts_at", flat=True))
    assert len(starts) == len(set(starts))
    assert starts[0] == at(18, 8, month=2)


def test_block_validation_messages(make_profile, now):
    profile = make_profile()
    with pytest.raises(ValidationFailed) as excinfo:
        services.block_create(profile=profile, kind="once", starts_at=at(10, 12), ends_at=at(10, 11))
    assert "ends_at" in excinfo.value.fields
    with pytest.raises(ValidationFailed) as excinfo:
        services.block_create(profile=profile, kind="once", starts_at=at(1, 1), ends_at=at(2, 1))
    assert excinfo.value.fields["ends_at"] == ["This time is already over."]
    with pytest.raises(ValidationFailed) as excinfo:
        services.block_create(profile=profile, kind="weekly", weekday=None, start_time=time(9), end_time=None)
    assert set(excinfo.value.fields) == {"weekday", "end_time"}
    with pytest.raises(ValidationFailed) as excinfo:
        services.block_create(profile=profile, kind="weekly", weekday=1, start_time=time(9), end_time=time(10),
                              valid_from=date(2027, 2, 1), valid_until=date(2027, 1, 1))
    assert "valid_until" in excinfo.value.fields
    assert UnavailabilityBlock.objects.count() == 0


def test_a_musician_cannot_delete_someone_elses_block(make_profile, now):
    mine, theirs = make_profile(), make_profile()
    block = services.block_create(profile=theirs, kind="once", starts_at=at(10, 9), ends_at=at(10, 10))
    with pytest.raises(NotFound):
        services.block_delete(profile=mine, block_id=block.pk)
    assert UnavailabilityBlock.objects.filter(pk=block.pk).exists()
    assert BusyInterval.objects.filter(source_id=str(block.pk)).exists()
