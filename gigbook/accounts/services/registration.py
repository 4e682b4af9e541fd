from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gigbook.accounts.models import User
from gigbook.accounts.services.phone import phone_verification_start
from gigbook.accounts.validators import normalize_phone
from gigbook.core.errors import ValidationFailed
from gigbook.notifications.services import notify

ROLE_CHOICES = ("producer", "musician")
EMAIL_TAKEN = "An account with this email address already exists. Log in, or reset your password."


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    roles: list[str],
    phone: str = "",
    phone_country: str = "",
    time_zone: str = "UTC",
    display_name: str = "",
) -> User:
    """Create an account with the chosen roles.

    A phone number (national format read in ``phone_country``) is stored in E.164 but texts go
    to it only after the code sent to it now is entered. Raises ValidationFailed (field errors)
    for a taken email, weak password, unreadable phone, unknown time zone or no role.
    """
    email = User.objects.normalize_email(email).lower()
    errors: dict[str, list[str]] = {}
    if not roles or any(role not in ROLE_CHOICES for role in roles):
        errors["roles"] = ["Choose producer, musician or both."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [EMAIL_TAKEN]
    user = User(
        email=email,
        full_name=full_name.strip(),
        display_name=(display_name or full_name).strip(),
        time_zone=time_zone,
        is_producer="producer" in roles,
        is_musician="musician" in roles,
    )
    try:
        user.phone = normalize_phone(phone, phone_country)
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
            if field == "email" and errors.get("email"):
                continue
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        raise ValidationFailed(fields={"email": [EMAIL_TAKEN]}) from exc
    if user.phone:
        phone_verification_start(user=user, phone=user.phone)
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
        url="/me/start/" if user.is_musician else "/musicians/",
        dedupe_key="welcome",
    )
