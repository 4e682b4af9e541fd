"""Phone verification: a 6-digit code texted to the new number; texts go there only once it is entered."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac

from gigbook.accounts.models import PhoneVerification, User
from gigbook.accounts.validators import normalize_phone
from gigbook.core import clock
from gigbook.core.errors import ValidationFailed
from gigbook.core.tasks import enqueue_on_commit

CODE_TTL = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
# Per account and per number, so nobody can use us to flood a phone with texts.
MAX_CODES_PER_HOUR = 5


class TooManyCodes(ValidationFailed):
    status_code = 429
    default_detail = "Too many codes asked for. Wait a while and try again."
    default_code = "throttled"


def _hash(*, user_id: int, phone: str, code: str) -> str:
    return salted_hmac("gigbook.phone-code", f"{user_id}:{phone}:{code}", algorithm="sha256").hexdigest()


def _local(user: User, moment) -> str:
    return f"{moment.astimezone(user.zone):%H:%M} ({user.time_zone})"


@transaction.atomic
def phone_verification_start(*, user: User, phone: str, country: str = "") -> PhoneVerification:
    """Text a new code to ``phone`` (read in ``country``'s national format when it has no +code).

    Earlier unused codes stop working. The user's phone does not change until ``phone_verify``.
    Raises ValidationFailed for an unreadable or unchanged number, TooManyCodes past the hourly limit.
    Side effect: the text is sent by a Celery task after commit.
    """
    try:
        number = normalize_phone(phone, country)
    except ValidationError as exc:
        raise ValidationFailed(fields={"phone": exc.messages}) from exc
    if not number:
        raise ValidationFailed(fields={"phone": ["Enter your mobile number."]})
    user = User.objects.select_for_update().get(pk=user.pk)
    if number == user.phone and user.phone_verified:
        raise ValidationFailed(fields={"phone": ["This is already your verified number."]})
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    recent = PhoneVerification.objects.filter(created_at__gt=hour_ago)
    for scope in (recent.filter(user=user), recent.filter(phone=number)):
        times = list(scope.order_by("created_at").values_list("created_at", flat=True)[:MAX_CODES_PER_HOUR])
        if len(times) >= MAX_CODES_PER_HOUR:
            raise TooManyCodes(fields={"phone": [
                f"We have sent {MAX_CODES_PER_HOUR} codes in the last hour. "
                f"Ask again after {_local(user, times[0] + timedelta(hours=1))}."
            ]})
    PhoneVerification.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = PhoneVerification.objects.create(
        user=user, phone=number, code_hash=_hash(user_id=user.pk, phone=number, code=code),
        created_at=now, expires_at=now + CODE_TTL,
    )
    enqueue_on_commit("gigbook.accounts.tasks.send_phone_code", verification.pk, code)
    return verification


def phone_verify(*, user: User, code: str) -> User:
    """Enter the code texted to the new number: it becomes the user's verified phone.

    Raises ValidationFailed (field ``code``) for a malformed, wrong, expired or reused code, or when
    none is waiting. A wrong try is counted (and committed) even though the call fails.
    """
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed(fields={"code": ["Enter the 6-digit code from the text we sent you."]})
    now = clock.now()
    problem = None
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        latest = PhoneVerification.objects.select_for_update().filter(user=fresh).first()
        if latest is None:
            problem = "There is no code waiting for this account. Ask for a new code."
        elif latest.used_at is not None:
            problem = ("This code has already been used. Your number is verified; ask for a new code "
                       "only to change it again.")
        elif not hmac.compare_digest(latest.code_hash, _hash(user_id=fresh.pk, phone=latest.phone, code=code)):
            if _was_used(fresh, code):
                problem = "This code has already been used. Use the code in the latest text, or ask for a new one."
            elif latest.expires_at <= now:
                problem = "That code is not right, and the latest one has expired. Ask for a new code."
            elif latest.failed_attempts + 1 >= MAX_WRONG_TRIES:
                latest.failed_attempts += 1
                latest.expires_at = now
                latest.save(update_fields=["failed_attempts", "expires_at"])
                problem = "That code is not right, and that was the last try. Ask for a new code."
            else:
                latest.failed_attempts += 1
                latest.save(update_fields=["failed_attempts"])
                left = MAX_WRONG_TRIES - latest.failed_attempts
                problem = f"That code is not right. Check the latest text we sent you ({left} tries left)."
        elif latest.expires_at <= now:
            minutes = int(CODE_TTL.total_seconds() // 60)
            problem = f"This code has expired: codes work for {minutes} minutes. Ask for a new one."
        else:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            fresh.phone, fresh.phone_verified_at = latest.phone, now
            fresh.save(update_fields=["phone", "phone_verified_at"])
            user.phone, user.phone_verified_at = fresh.phone, fresh.phone_verified_at
    if problem:
        raise ValidationFailed(problem, fields={"code": [problem]})
    return user


def _was_used(user: User, code: str) -> bool:
    for phone, code_hash in PhoneVerification.objects.filter(user=user, used_at__isnull=False).values_list("phone", "code_hash")[:20]:
        if hmac.compare_digest(code_hash, _hash(user_id=user.pk, phone=phone, code=code)):
            return True
    return False


def pending_phone(user: User) -> PhoneVerification | None:
    """The number waiting for its code, if any (for the account page and API)."""
    latest = PhoneVerification.objects.filter(user=user).first()
    if latest is None or latest.used_at is not None or latest.expires_at <= clock.now():
        return None
    return latest
