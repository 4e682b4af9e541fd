import os

# The sync Playwright API keeps an event loop in the main thread; without this every ORM call in a
# browser test raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from gigbook.core import clock  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and the clock override live in Redis; start every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_clock():
    """Control time: ``frozen_clock.set(dt)`` / ``frozen_clock.advance(timedelta)``."""

    class _Clock:
        def set(self, moment):
            clock.set_now(moment)
            return moment

        def advance(self, delta):
            moment = clock.now() + delta
            clock.set_now(moment)
            return moment

        def now(self):
            return clock.now()

    control = _Clock()
    yield control
    clock.set_now(None)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db, django_user_model):
    counter = {"n": 0}

    def _make(*, producer=False, musician=False, staff=False, email=None, password="pw-Str0ng-enough", **extra):
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            email=email or f"user{counter['n']}@example.com",
            password=password,
            full_name=extra.pop("full_name", f"User {counter['n']}"),
            is_producer=producer,
            is_musician=musician,
            is_staff=staff,
            **extra,
        )
        return user

    return _make


@pytest.fixture
def producer(make_user):
    return make_user(producer=True, full_name="Pat Producer", email="pat@example.com", time_zone="Europe/London")


@pytest.fixture
def musician(make_user):
    return make_user(musician=True, full_name="Mia Musician", email="mia@example.com", time_zone="Europe/London")


@pytest.fixture
def staff_user(make_user):
    return make_user(staff=True, full_name="Ada Admin", email="ada@example.com")


@pytest.fixture
def client_for(db):
    """An APIClient authenticated as ``user`` (session-less, like a script)."""

    def _client(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return _client


# --- Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    }
