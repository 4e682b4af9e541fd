"""Validators shared by forms, serializers and the model."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Pick one from the list, such as Europe/London.",
            params={"value": value[:64]},
        )


def _example(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE) if region else None
    if example is None:
        return "+44 7700 900123"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalize_phone(value: str, region: str = "") -> str:
    """Return ``value`` in E.164 (``+447700900123``) or raise ValidationError.

    A number with its country code (+44 …, 0044 …) is read as such; otherwise it is read in the
    national format of ``region`` (an ISO country code such as "GB": "07700 900123").
    """
    value = (value or "").strip()
    if not value:
        return ""
    region = (region or "").upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        region = ""
    if len(value) > 32:
        raise ValidationError("This phone number is too long.")
    try:
        parsed = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException as exc:
        if region:
            raise ValidationError(
                f"We could not read this as a phone number. Type it as you would dial it at home, "
                f"e.g. {_example(region)}, or with its country code."
            ) from exc
        raise ValidationError("Choose your country, or type the number with its country code, e.g. +44 7700 900123.") from exc
    # A valid number, or one shaped like a mobile number of its country: a code texted to it
    # proves it, and the strict plan check rejects reserved ranges such as UK 07700 900xxx.
    if not (
        phonenumbers.is_valid_number(parsed)
        or phonenumbers.is_possible_number_for_type(parsed, phonenumbers.PhoneNumberType.MOBILE)
    ):
        if region:
            raise ValidationError(
                f"This is not a valid phone number for the country chosen. Check the digits "
                f"(e.g. {_example(region)}), or choose another country."
            )
        raise ValidationError("This phone number is not valid. Check the digits and the country code, e.g. +1 415 555 0100.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value:
        normalize_phone(value)
