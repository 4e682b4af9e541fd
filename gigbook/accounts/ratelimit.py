"""Rate limits for authentication endpoints.

Counted per client address (REMOTE_ADDR, or X-Forwarded-For only as far as NUM_PROXIES trusted
proxies vouch for it: gigbook/core/clientip.py) in the shared cache.

Sign-in attempts are limited so that guessing is slow but a stranger cannot lock anyone out:
- only failed sign-ins are counted (a successful one never moves any counter);
- an address that failed too often is refused (429) for the rest of the window, whatever it tries:
  this is what slows a guesser down;
- each (account, address) pair has the same limit, and once an account has collected that many
  failures from anywhere it is "under attack": every address that already failed for it gets no
  further try this window. An address that has not failed for the account (the owner at home, on
  the phone) still signs in with the right password: the account itself is never locked.
A distributed guesser with many addresses therefore gets one guess per address per window; strong
passwords (the validators) are what makes that hopeless.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django_ratelimit.core import get_usage, is_ratelimited

from gigbook.core.clientip import client_address
from gigbook.core.errors import DomainError


class TooManyAttempts(DomainError):
    status_code = 429
    default_detail = "Too many attempts. Wait a minute and try again."
    default_code = "throttled"


def _client_address(group, request) -> str:
    return client_address(request)


def auth_rate_limited(request, *, group: str, account: str = "") -> bool:
    """Count one attempt at ``group`` (registration, password reset) and report whether it exceeds
    the limit, per address and per account."""
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


def _failures(request, *, scope: str, value: str, increment: bool) -> tuple[int, int]:
    usage = get_usage(request, group=f"login-failures:{scope}", key=lambda _g, _r: value,
                      rate=settings.AUTH_RATE_LIMIT, increment=increment)
    if usage is None:  # rate limiting switched off
        return 0, 1
    return usage["count"], usage["limit"]


def _scopes(request, account: str) -> dict[str, str]:
    address = _client_address(None, request)
    account = (account or "").strip().lower()
    scopes = {"ip": address}
    if account:
        scopes["account"] = account
        scopes["pair"] = f"{account}|{address}"
    return scopes


def login_blocked(request, *, account: str = "") -> bool:
    """Whether a sign-in attempt from this request for ``account`` is refused now (counts nothing)."""
    django_request = getattr(request, "_request", request)
    scopes = _scopes(django_request, account)
    counts = {scope: _failures(django_request, scope=scope, value=value, increment=False)
              for scope, value in scopes.items()}
    address_count, limit = counts["ip"]
    if address_count >= limit:
        return True
    if "account" in counts:
        pair_count, _ = counts["pair"]
        account_count, _ = counts["account"]
        if pair_count >= limit or (account_count >= limit and pair_count >= 1):
            return True
    return False


def login_check(request, *, account: str = "") -> None:
    if login_blocked(request, account=account):
        raise TooManyAttempts()


def login_failure_record(request, *, account: str = "") -> None:
    django_request = getattr(request, "_request", request)
    for scope, value in _scopes(django_request, account).items():
        _failures(django_request, scope=scope, value=value, increment=True)


@receiver(user_login_failed, dispatch_uid="gigbook-login-failures")
def _count_failed_login(sender, credentials, request=None, **kwargs):
    # Every sign-in form (the site, the API token, the admin) goes through authenticate(), which
    # sends this on failure: counting here means no door can forget to count.
    if request is not None:
        login_failure_record(request, account=credentials.get("username") or credentials.get("email") or "")
