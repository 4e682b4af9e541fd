from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gigbook.accounts.models import User
from gigbook.accounts.validators import normalize_phone
from gigbook.core.errors import ValidationFailed
from gigbook.notifications.services import notify

ROLE_CHOICES = ("producer", "musician")


@transaction.atomic
def user_register(
    *, email: str, password: str, full_name: str, roles: list[str], phone: str = "", time_zone: str = "UTC"
) -> User:
    """Create an account with the chosen roles.

    Raises ValidationFailed (field errors) for a taken email, weak password or no role.
    """
    email = User.objects.normalize_email(email).lower()
    errors: dict[str, list[str]] = {}
    if not roles or any(role not in ROLE_CHOICES for role in roles):
        errors["roles"] = ["Choose producer, musician or both."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with this email already exists."]
    user = User(
        email=email,
        full_name=full_name.strip(),
        time_zone=time_zone,
        is_producer="producer" in roles,
        is_musician="musician" in roles,
    )
    try:
        user.phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    try:
        user.full_clean(exclude=["password", "phone", "email"] if errors.get("email") else ["password", "phone"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        raise ValidationFailed(fields={"email": ["An account with this email already exists."]}) from exc
    _welcome(user)
    return user


def _welcome(user: User) -> None:
    steps = []
    if user.is_musician:
        steps.append("Build your profile (instruments, rates, availability, demos) and submit it for review.")
    if user.is_producer:
        steps.append("Search for players by instrument, style, date and budget, or send a short-notice request.")
    notify(
        recipient=user,
        kind="welcome",
        title="Welcome to GigBook",
        body=" ".join(steps),
        url="/me/profile/" if user.is_musician else "/musicians/",
        dedupe_key="welcome",
    )


@transaction.atomic
def user_update(*, user: User, **changes) -> User:
    """Update the user's own settings (name, phone, time zone, roles, notification channels)."""
    errors: dict[str, list[str]] = {}
    if "phone" in changes:
        try:
            changes["phone"] = normalize_phone(changes["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    for field, value in changes.items():
        setattr(user, field, value)
    if not (user.is_producer or user.is_musician or user.is_staff):
        errors["roles"] = ["Keep at least one role: producer or musician."]
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    user.save()
    return user
