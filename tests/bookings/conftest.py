from datetime import UTC, datetime

import pytest

from tests.bookings.factories import make_profile, make_venue

# A fixed "now" for booking tests: a Tuesday, in British Summer Time.
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)


@pytest.fixture
def profile(musician):
    return make_profile(musician)


@pytest.fixture
def venue(producer):
    return make_venue(producer)


@pytest.fixture(autouse=True)
def _materials_in_tmp(settings, tmp_path):
    """Uploaded materials go to a per-test folder, never to var/."""
    settings.MATERIALS_ROOT = tmp_path / "materials"
