"""A short-lived cache of search result pages, invalidated by a version number.

Most directory traffic repeats a few popular searches; a cached page skips five SQL statements.
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
from django.core.cache import cache
from django.db import transaction

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


def lookup(key: str | None):
    """(cached page or None, current version): one round trip to the cache.

    Read the version *before* running the search and store the page under that version: a
    write committed meanwhile has bumped it, so a page computed from pre-write rows is never
    served as current.
    """
    if key is None:
        return None, None
    found = cache.get_many([VERSION_KEY, key])
    version, entry = found.get(VERSION_KEY), found.get(key)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY)
    if entry is None or entry[0] != version:
        return None, version
    return entry[1], version


def store(key: str | None, version, data) -> None:
    if key is not None and version is not None:
        cache.set(key, (version, data), timeout=ttl_seconds())
