"""A fixed-window request counter: one Redis round trip (INCR + EXPIRE, pipelined) per request.

DRF's rate throttles keep a pickled list of timestamps per client and each costs a read and a write;
with both the anonymous and the user throttle on (the defaults), an anonymous search paid four cache
round trips, and the user throttle counted anonymous clients by address a second time. Here each
client has one counter per window: anonymous clients by address (``gigbook.core.clientip``, so
forwarded-for headers are trusted only as far as ``NUM_PROXIES`` says) at the "anon" rate, signed-in
people by id at the "user" rate. A fixed window lets a client spend up to twice the rate across a
window boundary; that is the price of one counter, and the rates leave room for it.

``counter()`` and ``verdict()`` let a view fold the INCR into a round trip it makes anyway
(musicians.api.views.MusicianSearchView: the cached page is read in the same pipeline).
"""

from __future__ import annotations

import math
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.throttling import SimpleRateThrottle

from gigbook.core.clientip import client_address


def redis_client():
    """The redis-py client behind the default cache, or None (the demo's file cache).

    Django's Redis backend builds a new client object around its pool on every operation (~0.3 ms
    measured); one per backend instance is enough (it is thread-safe and shares the same pool).
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    holder = backend._cache
    client = getattr(holder, "_gigbook_client", None)
    if client is None:
        client = holder._gigbook_client = holder.get_client(write=True)
    return client


def round_trip(client, *commands: tuple) -> list:
    """Send ``commands`` in one write and read their replies: a pipeline without the Pipeline object.

    redis-py's pipeline spends ~60 µs of Python per call on its command stack, response callbacks
    and bookkeeping (measured with four commands); on a cached search page that was a fifth of the
    request. Replies come back raw (bytes, int); a Redis error reply raises ``ResponseError`` after
    every reply has been read, so the pooled connection stays in step. A connection that dropped
    while idle in the pool (Redis restarted) is reconnected and the commands sent once more, as
    the pipeline's default retry does.
    """
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        packed = connection.pack_commands(commands)
        try:
            connection.send_packed_command(packed)
        except (RedisConnectionError, RedisTimeoutError):
            connection.disconnect()
            connection.send_packed_command(packed)  # connects again
        replies, error = [], None
        for _ in commands:
            try:
                replies.append(connection.read_response())
            except RedisResponseError as exc:
                replies.append(None)
                error = error or exc
    except BaseException:
        connection.disconnect()
        raise
    finally:
        pool.release(connection)
    if error is not None:
        raise error
    return replies


class FixedWindowThrottle(SimpleRateThrottle):
    # Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("anon", "user"), as DRF's throttles'.
    def __init__(self):  # the scope depends on the request (see counter)
        self._wait = None

    def counter(self, request) -> tuple[str, int, int]:
        """(cache key of this client's counter for the current window, limit, window seconds)."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self._counter("user", f"u{user.pk}")
        return self.anonymous_counter(request)

    def anonymous_counter(self, request) -> tuple[str, int, int]:
        """counter() for a request known to carry no credentials; it leaves request.user alone."""
        return self._counter("anon", f"a{client_address(request)}")

    def _counter(self, scope: str, ident: str) -> tuple[str, int, int]:
        limit, window = self.parse_rate(self.THROTTLE_RATES[scope])
        self._window = window
        return f"throttle:fw:{ident}:{int(time.time() // window)}", limit, window

    def verdict(self, count: int, limit: int, window: int) -> bool:
        if count <= limit:
            return True
        self._wait = max(1, math.ceil(window - time.time() % window))
        return False

    def allow_request(self, request, view) -> bool:
        key, limit, window = self.counter(request)
        return self.verdict(count_in_window(key, window), limit, window)

    def wait(self):
        return self._wait


def count_in_window(key: str, window: int) -> int:
    """Add one to the counter and return it; the counter expires with its window."""
    client = redis_client()
    if client is not None:
        backend = caches["default"]
        full_key = backend.make_and_validate_key(key)
        count, _ = round_trip(client, ("INCR", full_key), ("EXPIRE", full_key, window))
        return count
    cache = caches["default"]
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1
