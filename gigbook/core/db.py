"""Reads that may lag go to a streaming replica; everything that decides stays on the primary.

Only the views named in ``REPLICA_READ_VIEWS`` (the directory search and public profiles, read by
strangers who cannot tell a row a second old from a fresh one) read from the ``replica`` alias,
and only for GET/HEAD. Everything else (accepts, holds, invoices, anything inside a transaction,
any write) uses the primary, so locks and constraints always see the truth.

Read-your-writes: after any unsafe request (POST, PATCH, ...) the client is pinned to the primary
for ``REPLICA_PIN_SECONDS`` (longer than the replica's normal lag), by a cookie for browsers and by
a cache entry keyed on the credentials for API clients, so a musician who just edited a profile
sees the edit on the next page.
"""

from __future__ import annotations

import contextvars
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections

_lag_tolerant: contextvars.ContextVar[bool] = contextvars.ContextVar("gigbook_lag_tolerant_reads", default=False)

PIN_COOKIE = "gb_primary_until"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
REPLICA_READ_VIEWS = frozenset({
    "musician-search",
    "musician-profile",
    "api-musician-search",
    "api-musician-detail",
})


def replica_configured() -> bool:
    return "replica" in connections.settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _lag_tolerant.get() and not connections["default"].in_atomic_block:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two views of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _credential_key(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    return "replica-pin:" + hashlib.sha256(header.encode()).hexdigest()


def _pinned(request) -> bool:
    try:
        if float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time():
            return True
    except ValueError:
        pass
    key = _credential_key(request)
    return bool(key and cache.get(key))


class ReplicaReadsMiddleware:
    """Marks the listed read-only views as lag-tolerant and pins writers to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _lag_tolerant.set(False)
        try:
            response = self.get_response(request)
        finally:
            _lag_tolerant.reset(token)
        if request.method not in SAFE_METHODS:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, httponly=True,
                                samesite="Lax", secure=request.is_secure())
            key = _credential_key(request)
            if key:
                cache.set(key, 1, seconds)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            match is not None
            and match.url_name in REPLICA_READ_VIEWS
            and request.method in SAFE_METHODS
            and replica_configured()
            and not _pinned(request)
        ):
            _lag_tolerant.set(True)
        return None
