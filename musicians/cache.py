"""A short-lived cache of search result pages, invalidated by a version number.

Most directory traffic repeats a few popular searches; a cached page costs one Redis round trip (the throttle's counter included) and no SQL.
Every write that can change a search result bumps the version (services call ``invalidate``;
signals in apps.py catch writes made elsewhere, e.g. in the admin), so a cached page is never
served after such a write commits. The version is bumped immediately and again after commit: the
second bump throws away pages computed between the write and its commit from pre-write data.
Writes that bypass both (queryset.update() in another app) are covered by the short TTL.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction

from gigbook.core.throttling import count_in_window, redis_client, round_trip

VERSION_KEY = "musicians:search:version"


def ttl_seconds() -> int:
    return getattr(settings, "MUSICIAN_SEARCH_CACHE_SECONDS", 60)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(VERSION_KEY, 1, timeout=None)


def invalidate() -> None:
    """Call inside the writing transaction: search pages cached before it are never served again."""
    _bump()
    transaction.on_commit(_bump)


def page_key(parts: dict) -> str | None:
    """The cache key for one search page, or None when caching is off."""
    if ttl_seconds() <= 0:
        return None
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"musicians:search:{digest}"


def lookup_and_count(key: str | None, counter: str, window: int) -> tuple[bytes | None, object, int]:
    """(rendered page or None, current version, the client's requests in this throttle window).

    One round trip to Redis: the version, the page and the throttle counter (INCR + EXPIRE) go
    in one pipeline, so a cached first page costs nothing else. Read the version *before*
    running the search and store the page under that version: a write committed meanwhile has
    bumped it, so a page computed from pre-write rows is never served as current.
    """
    client = redis_client()
    if client is None:  # the demo's file cache: the same answers, several calls
        version = cache.get(VERSION_KEY)
        entry = cache.get(key) if key is not None else None
        count = count_in_window(counter, window)
        if key is not None and version is None:
            version = _initial_version()
        page = entry[1] if entry is not None and entry[0] == version else None
        return page, version, count
    backend = caches["default"]
    counter_key = backend.make_and_validate_key(counter)
    throttle = (("INCR", counter_key), ("EXPIRE", counter_key, window))
    if key is None:  # page cache off: the throttle only
        return None, None, round_trip(client, *throttle)[0]
    raw_version, entry, count, _ = round_trip(
        client, ("GET", backend.make_and_validate_key(VERSION_KEY)), ("GET", backend.make_and_validate_key(key)), *throttle,
    )
    version = int(raw_version) if raw_version is not None else _initial_version()
    if entry is not None:
        stored_version, _, body = entry.partition(b"\n")
        if int(stored_version) == version:
            return body, version, count
    return None, version, count


def _initial_version():
    cache.add(VERSION_KEY, 1, timeout=None)
    return cache.get(VERSION_KEY)


def store(key: str | None, version, body: bytes) -> None:
    """Keep a rendered page (the response body) under the version read before its search ran."""
    if key is None or version is None:
        return
    client = redis_client()
    if client is None:
        cache.set(key, (version, body), timeout=ttl_seconds())
    else:
        client.set(caches["default"].make_and_validate_key(key), b"%d\n%s" % (int(version), body), ex=ttl_seconds())
