import pytest

from gigbook.notifications.sms import MemorySMSBackend
from tests.gigrequests.factories import NOW, Players, make_venue


@pytest.fixture
def now(frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def players(make_user):
    return Players(make_user)


@pytest.fixture
def venue(producer):
    return make_venue(producer)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()
