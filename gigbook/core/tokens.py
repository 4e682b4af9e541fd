"""Signed, expiring, single-use action tokens for password-less phone links.

A token names one purpose (e.g. ``"booking-offer"``), one subject (the offer's id) and one
user (the invitee). It is signed with SECRET_KEY, so it cannot be forged or altered; it carries
its expiry; and spending it (``action_token_spend``) inserts a row with a unique id in the same
transaction as the action, so it works once even under concurrent POSTs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing
from django.db import IntegrityError, transaction

from gigbook.core import clock
from gigbook.core.errors import DomainError
from gigbook.core.models import UsedActionToken


class TokenInvalid(DomainError):
    status_code = 400
    default_detail = "This link is not valid. It may have been copied incompletely."


class TokenExpired(DomainError):
    status_code = 410
    default_detail = "This link has expired."
    default_code = "link_expired"


class TokenUsed(DomainError):
    status_code = 409
    default_detail = "This link has already been used."
    default_code = "link_used"


@dataclass(frozen=True)
class ActionToken:
    token_id: str
    purpose: str
    subject_id: int
    user_id: int
    expires_at: datetime


def action_token_make(*, purpose: str, subject_id: int, user_id: int, expires_at: datetime) -> str:
    payload = {
        "j": secrets.token_urlsafe(12),
        "s": subject_id,
        "u": user_id,
        "e": int(expires_at.timestamp()),
    }
    return signing.dumps(payload, salt=f"gigbook.action.{purpose}", compress=True)


def action_token_read(token: str, *, purpose: str) -> ActionToken:
    """Verify signature and expiry. Raises TokenInvalid or TokenExpired; does not spend it."""
    try:
        payload = signing.loads(token, salt=f"gigbook.action.{purpose}")
        parsed = ActionToken(
            token_id=str(payload["j"]),
            purpose=purpose,
            subject_id=int(payload["s"]),
            user_id=int(payload["u"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), tz=UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid() from exc
    if clock.now() >= parsed.expires_at:
        raise TokenExpired()
    return parsed


def action_token_is_spent(token: ActionToken) -> bool:
    return UsedActionToken.objects.filter(token_id=token.token_id).exists()


def action_token_spend(token: ActionToken) -> None:
    """Mark the token used. Call inside the transaction of the action it authorises."""
    try:
        with transaction.atomic():
            UsedActionToken.objects.create(token_id=token.token_id, purpose=token.purpose, used_at=clock.now())
    except IntegrityError as exc:
        raise TokenUsed() from exc
