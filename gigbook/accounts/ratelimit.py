"""Rate limits for authentication endpoints.

Counted per client address (REMOTE_ADDR, never X-Forwarded-For, which a client can rotate at
will) and per account being tried, in the shared cache; either limit blocks the attempt.
"""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from gigbook.core.errors import DomainError


class TooManyAttempts(DomainError):
    status_code = 429
    default_detail = "Too many attempts. Wait a minute and try again."
    default_code = "throttled"


def _client_address(group, request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def auth_rate_limited(request, *, group: str, account: str = "") -> bool:
    """Count one attempt at ``group`` and report whether it exceeds the limit."""
    django_request = getattr(request, "_request", request)
    rate = settings.AUTH_RATE_LIMIT
    by_address = is_ratelimited(django_request, group=f"{group}:ip", key=_client_address, rate=rate, increment=True)
    by_account = False
    if account:
        by_account = is_ratelimited(
            django_request,
            group=f"{group}:account",
            key=lambda _group, _request: account.strip().lower(),
            rate=rate,
            increment=True,
        )
    return by_address or by_account


def auth_rate_limit_check(request, *, group: str, account: str = "") -> None:
    if auth_rate_limited(request, group=group, account=account):
        raise TooManyAttempts()
