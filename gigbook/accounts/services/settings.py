from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from gigbook.accounts.models import User
from gigbook.core.errors import ValidationFailed

EDITABLE = {"full_name", "display_name", "time_zone", "is_producer", "is_musician", "notify_by_email", "notify_by_sms"}


@transaction.atomic
def user_update(*, user: User, **changes) -> User:
    """Update the user's own name, display name, time zone, roles and account-wide channel switches.

    Email and phone change through their confirmation flows (email_change_request,
    phone_verification_start). Raises ValidationFailed with plain messages; nothing is saved then.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    fresh = User.objects.select_for_update().get(pk=user.pk)
    for field, value in changes.items():
        setattr(fresh, field, value.strip() if isinstance(value, str) and field != "time_zone" else value)
    if "display_name" in changes and not fresh.display_name:
        errors["display_name"] = ["Enter the name people should see."]
    if not (fresh.is_producer or fresh.is_musician or fresh.is_staff):
        errors["roles"] = ["Keep at least one role: producer or musician."]
    try:
        fresh.full_clean(exclude=["password", "email", "pending_email", "phone"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    fresh.save(update_fields=list(changes) or None)
    for field in changes:
        setattr(user, field, getattr(fresh, field))
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one. Raises ValidationFailed."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(current_password or ""):
        errors["current_password"] = ["Your current password is not right."]
    try:
        validate_password(new_password or "", user)
    except ValidationError as exc:
        errors["new_password"] = exc.messages
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def account_update(*, user: User, changes: dict) -> User:
    """One PATCH of the account: plain fields, plus starting an email change and/or a phone check.

    All or nothing: when any part is refused, every field's messages are raised together
    (ValidationFailed, or TooManyCodes when only the code limit was hit) and nothing is saved
    or sent.
    """
    from gigbook.accounts.services.email_change import email_change_request
    from gigbook.accounts.services.phone import phone_verification_start

    changes = dict(changes)
    new_email = changes.pop("email", None)
    phone = changes.pop("phone", None)
    country = changes.pop("phone_country", "")
    errors: dict[str, list[str]] = {}
    failure: ValidationFailed | None = None
    with transaction.atomic():
        steps = []
        if changes:
            steps.append(lambda: user_update(user=user, **changes))
        if new_email is not None:
            steps.append(lambda: email_change_request(user=user, new_email=new_email))
        if phone is not None:
            steps.append(lambda: phone_verification_start(user=user, phone=phone, country=country))
        for step in steps:
            try:
                with transaction.atomic():
                    step()
            except ValidationFailed as exc:
                failure = failure or exc
                for field, messages in exc.fields.items():
                    errors.setdefault(field, []).extend(messages)
        if failure is not None:
            transaction.set_rollback(True)
    if failure is not None:
        user.refresh_from_db()
        raise failure.__class__(fields=errors)
    user.refresh_from_db()
    return user
