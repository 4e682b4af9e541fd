from datetime import timedelta

import pytest

from tests.bookings.conftest import NOW
from tests.callsheets.factories import make_session


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)


@pytest.fixture
def session(now, producer, make_user):
    """Three accepted bookings of one session: alto sax, drums, bass; in three days, 11:00 London."""
    return make_session(producer, make_user, starts_at=NOW + timedelta(days=3, hours=1))
