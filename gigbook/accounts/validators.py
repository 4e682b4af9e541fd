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
        raise ValidationError("“%(value)s” is not a known time zone (use an IANA name such as Europe/London).", params={"value": value})


def normalize_phone(value: str) -> str:
    """Return ``value`` in E.164 (``+447911123456``) or raise ValidationError.

    Numbers must carry their country code: we text musicians in several countries.
    """
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Enter a phone number with its country code, e.g. +44 7911 123456.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("This phone number is not valid. Include the country code, e.g. +1 415 555 0100.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value:
        normalize_phone(value)
