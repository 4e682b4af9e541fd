"""Anonymous cache hits answered in front of DRF (musicians/api/fastpath.py) are the answers DRF gave:
the same status, headers and bytes, the throttle counted once and its 429 in DRF's words, pages
dropped on every write, and signed-in people still served by the view."""

import gzip
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import redis.connection
from django.core.cache import cache
from django.test import Client
from django.urls import resolve
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from gigbook.core import throttling
from musicians import services
from musicians.api import fastpath
from musicians.api.views import MusicianSearchView

pytestmark = pytest.mark.django_db

SEARCH = "/api/musicians/"
NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)
# Naive times: read in the default zone (UTC) for anonymous clients, in a signed-in person's own zone.
WINDOW = {"instrument": "harp", "available_from": "2027-01-10T10:00", "available_to": "2027-01-10T12:00"}


@pytest.fixture
def harpist(make_profile, frozen_clock):
    frozen_clock.set(NOW)
    profile = make_profile(instruments=("harp",))
    make_profile(instruments=("harp", "cello"))
    return profile


@pytest.fixture
def through_drf(monkeypatch):
    """How many search requests reached DRF (the view's initial())."""
    calls = []
    initial = MusicianSearchView.initial

    def counting(self, request, *args, **kwargs):
        calls.append(request)
        return initial(self, request, *args, **kwargs)

    monkeypatch.setattr(MusicianSearchView, "initial", counting)
    return calls


@pytest.fixture
def round_trips(monkeypatch):
    """Writes to Redis: one pipeline (or one command) is one. The tests' movable clock, read from
    Redis too (settings_test), is left out: production reads the system clock."""
    sends = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(connection, command, check_health=True):
        if b"gigbook:clock:now" not in (command if isinstance(command, bytes) else b"".join(command)):
            sends.append(command)
        return original(connection, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sends


def no_fast_path(monkeypatch):
    monkeypatch.setattr(fastpath, "_anonymous_json_get", lambda request, renderer_classes: False)


def test_an_anonymous_hit_skips_drf_and_answers_the_same_headers_and_bytes(harpist, through_drf, monkeypatch):
    client = Client()
    miss = client.get(SEARCH, WINDOW)
    assert miss.status_code == 200 and miss.json()["count"] == 2
    assert len(through_drf) == 1
    fast = client.get(SEARCH, WINDOW)
    assert len(through_drf) == 1  # answered before DRF
    no_fast_path(monkeypatch)
    slow = client.get(SEARCH, WINDOW)  # the same cached page, through the view
    assert len(through_drf) == 2
    for answer in (fast, miss):
        assert answer.status_code == slow.status_code
        assert list(answer.headers.items()) == list(slow.headers.items())
        assert answer.content == slow.content
    # The middleware runs on both paths: the security headers are there.
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert fast[header], header
    assert fast["Vary"] == "Accept, Cookie, Accept-Encoding" and fast["Allow"] == "GET, HEAD, OPTIONS"


def test_a_fast_hit_is_compressed_like_the_views(harpist, through_drf, monkeypatch):
    client = Client()
    client.get(SEARCH, WINDOW)
    fast = client.get(SEARCH, WINDOW, HTTP_ACCEPT_ENCODING="gzip")
    no_fast_path(monkeypatch)
    slow = client.get(SEARCH, WINDOW, HTTP_ACCEPT_ENCODING="gzip")
    assert len(through_drf) == 2
    # gzip output differs each time (random padding against BREACH), so compare what it carries.
    assert gzip.decompress(fast.content) == gzip.decompress(slow.content)
    assert [name for name, _ in fast.headers.items()] == [name for name, _ in slow.headers.items()]
    assert {k: v for k, v in fast.headers.items() if k != "Content-Length"} == {
        k: v for k, v in slow.headers.items() if k != "Content-Length"}
    assert fast["Content-Encoding"] == "gzip"


def test_a_hit_is_one_round_trip_and_a_miss_counts_the_client_once(harpist, round_trips, through_drf):
    client = Client()
    client.get(SEARCH, WINDOW)
    assert len(round_trips) == 2  # the fast path's lookup, used by the view; storing the page
    [counter] = [key for key in cache._cache.get_client().keys("*throttle:fw:*")]
    assert int(cache._cache.get_client().get(counter)) == 1
    round_trips.clear()
    client.get(SEARCH, WINDOW)
    assert len(round_trips) == 1
    assert int(cache._cache.get_client().get(counter)) == 2


def test_the_throttle_counts_fast_hits_and_answers_429_in_drfs_words(harpist, round_trips, through_drf, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    # The throttle's clock stands still, so both refusals say the same number of seconds.
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: 1_800_000_012.5))
    client = Client()
    assert [client.get(SEARCH, WINDOW).status_code for _ in range(3)] == [200] * 3
    assert len(through_drf) == 1
    round_trips.clear()
    refused = client.get(SEARCH, WINDOW)
    assert refused.status_code == 429
    assert len(round_trips) == 1  # the view used the fast path's count: no second INCR
    assert refused["Retry-After"] == "48"
    # The same answer as the view alone gives another client over its rate.
    no_fast_path(monkeypatch)
    other = {"REMOTE_ADDR": "192.0.2.77"}
    codes = [client.get(SEARCH, WINDOW, **other).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    slow_refusal = client.get(SEARCH, WINDOW, **other)
    assert refused.content == slow_refusal.content
    assert list(refused.headers.items()) == list(slow_refusal.headers.items())
    assert refused.json()["code"] == "throttled"


def test_a_write_drops_the_page_the_fast_path_serves(harpist, through_drf):
    client = Client()
    assert client.get(SEARCH, WINDOW).json()["count"] == 2
    assert client.get(SEARCH, WINDOW).json()["count"] == 2
    start = datetime(2027, 1, 10, 11, tzinfo=UTC)
    services.busy_interval_add(profile=harpist, starts_at=start, ends_at=start + timedelta(hours=2),
                               source="booking", source_id=1)
    assert client.get(SEARCH, WINDOW).json()["count"] == 1
    harpist.status = "suspended"
    harpist.save()
    services.busy_interval_remove(source="booking", source_id=1)
    assert client.get(SEARCH, WINDOW).json()["count"] == 1
    assert len(through_drf) == 3  # each write made the next request a miss


def test_signed_in_people_are_served_by_the_view_in_their_own_zone(harpist, make_user, through_drf):
    # 10:00-12:00 UTC is busy; 10:00-12:00 in New York (15:00-17:00 UTC) is free.
    start = datetime(2027, 1, 10, 10, tzinfo=UTC)
    services.busy_interval_add(profile=harpist, starts_at=start, ends_at=start + timedelta(hours=2),
                               source="booking", source_id=1)
    anonymous = Client()
    assert anonymous.get(SEARCH, WINDOW).json()["count"] == 1
    assert anonymous.get(SEARCH, WINDOW).json()["count"] == 1
    assert len(through_drf) == 1
    person = make_user(producer=True, time_zone="America/New_York")
    by_session = Client()
    by_session.force_login(person)
    token = Token.objects.create(user=person)
    by_token = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    for client in (by_session, by_token, by_session):
        assert client.get(SEARCH, WINDOW).json()["count"] == 2
    assert len(through_drf) == 4
    assert all(request.user == person for request in through_drf[1:])
    # A bad token is still refused, not served the anonymous page.
    assert Client(HTTP_AUTHORIZATION="Token nope").get(SEARCH, WINDOW).status_code == 401


def test_other_formats_and_methods_go_through_the_view(harpist, through_drf):
    client = Client()
    client.get(SEARCH, WINDOW)
    assert client.get(SEARCH, WINDOW, HTTP_ACCEPT="application/json").json()["count"] == 2
    assert client.get(SEARCH, WINDOW, HTTP_ACCEPT="*/*").json()["count"] == 2
    assert len(through_drf) == 1
    browsable = client.get(SEARCH, WINDOW, HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200 and browsable["Content-Type"].startswith("text/html")
    assert client.get(SEARCH, {**WINDOW, "format": "json"}).status_code == 400  # not a search filter
    assert client.head(SEARCH, WINDOW).status_code == 200
    assert client.get(SEARCH, WINDOW, HTTP_ACCEPT="image/png").status_code == 406
    assert len(through_drf) == 5


def test_the_url_still_names_the_drf_view():
    # URL reversal and the OpenAPI schema find the view class behind the wrapper.
    match = resolve(SEARCH)
    assert match.func.cls is MusicianSearchView
    assert match.url_name == "api-musician-search"
    assert getattr(match.func, "csrf_exempt", False)


def test_round_trip_reads_every_reply_and_survives_a_dropped_connection():
    from redis.exceptions import ResponseError

    from gigbook.core.throttling import redis_client, round_trip

    client = redis_client()
    client.set("fastpath-test:text", b"not a number")
    with pytest.raises(ResponseError):
        round_trip(client, ("INCR", "fastpath-test:text"), ("INCR", "fastpath-test:n"))
    # The failing command's neighbours ran and the connection is still in step with its replies.
    assert round_trip(client, ("GET", "fastpath-test:n"), ("INCR", "fastpath-test:n")) == [b"1", 2]
    client.connection_pool.disconnect(inuse_connections=True)  # as when Redis restarts
    assert round_trip(client, ("INCR", "fastpath-test:n")) == [3]
    client.delete("fastpath-test:text", "fastpath-test:n")
