"""Changing the login email: the new address takes effect only when the link sent to it is opened."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import ValidationFailed
from gigbook.core.models import UsedActionToken
from gigbook.core.tasks import enqueue_on_commit
from gigbook.core.tokens import TokenExpired, TokenInvalid, TokenUsed

LINK_TTL = timedelta(hours=24)
_SALT = "gigbook.email-change"
_PURPOSE = "email-change"
EMAIL_IN_USE = "Another account already uses this email address."


@dataclass(frozen=True)
class EmailChange:
    token_id: str
    user_id: int
    new_email: str
    expires_at: datetime


def email_change_read(token: str, *, check_expiry: bool = True) -> EmailChange:
    try:
        payload = signing.loads(token, salt=_SALT)
        change = EmailChange(
            token_id=str(payload["j"]), user_id=int(payload["u"]), new_email=str(payload["e"]),
            expires_at=datetime.fromtimestamp(int(payload["x"]), tz=UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid("This confirmation link is not valid. It may have been copied incompletely.") from exc
    if check_expiry and clock.now() >= change.expires_at:
        raise TokenExpired("This confirmation link has expired (links work for 24 hours). Ask for a new one on your account page.")
    return change


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> str:
    """Remember ``new_email`` as pending and email it a signed link; returns the token.

    The login email stays as it is until ``email_change_confirm``. A newer request replaces the
    older link. Raises ValidationFailed (field ``email``) for a malformed, unchanged or taken address.
    """
    new_email = User.objects.normalize_email((new_email or "").strip()).lower()
    try:
        if len(new_email) > 254:
            raise ValidationError("This email address is too long.")
        validate_email(new_email)
    except ValidationError as exc:
        message = exc.messages[0] if "too long" in exc.messages[0] else "Enter an email address such as name@example.com."
        raise ValidationFailed(fields={"email": [message]}) from exc
    user = User.objects.select_for_update().get(pk=user.pk)
    if new_email == user.email.lower():
        raise ValidationFailed(fields={"email": ["This is already your email address."]})
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise ValidationFailed(fields={"email": [EMAIL_IN_USE]})
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])
    expires_at = clock.now() + LINK_TTL
    token = signing.dumps(
        {"j": secrets.token_urlsafe(12), "u": user.pk, "e": new_email, "x": int(expires_at.timestamp())},
        salt=_SALT, compress=True,
    )
    enqueue_on_commit("gigbook.accounts.tasks.send_email_change_link", user.pk, token)
    return token


def email_change_confirm(*, token: str) -> User:
    """Open the link: the pending address becomes the login email (once; no login needed).

    Raises TokenInvalid (bad or superseded link), TokenExpired, TokenUsed, or ValidationFailed
    when another account took the address meanwhile.
    """
    change = email_change_read(token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=change.user_id).first()
        if user is None:
            raise TokenInvalid("This confirmation link is not valid.")
        if UsedActionToken.objects.filter(token_id=change.token_id).exists() or (
            user.email == change.new_email and not user.pending_email
        ):
            raise TokenUsed(f"This link has already been used: your email address is {user.email}.")
        if user.pending_email != change.new_email:
            raise TokenInvalid("This link was replaced by a newer one. Use the link in the latest email we sent.")
        if User.objects.filter(email__iexact=change.new_email).exclude(pk=user.pk).exists():
            raise ValidationFailed(EMAIL_IN_USE, fields={"email": [EMAIL_IN_USE]})
        UsedActionToken.objects.create(token_id=change.token_id, purpose=_PURPOSE, used_at=clock.now())
        user.email, user.pending_email = change.new_email, ""
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "pending_email"])
        except IntegrityError as exc:
            raise ValidationFailed(EMAIL_IN_USE, fields={"email": [EMAIL_IN_USE]}) from exc
    return user


@transaction.atomic
def email_change_cancel(*, user: User) -> User:
    User.objects.filter(pk=user.pk).update(pending_email="")
    user.pending_email = ""
    return user
