"""Second factor for staff: one TOTP authenticator app per staff account (django-otp).

Use cases: start enrolment (an unconfirmed device with a fresh key), confirm it with a first code
(which also marks the current session as verified), and remove it with a current code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gigbook.core.errors import ValidationFailed

DEVICE_NAME = "Authenticator app"


def required_for(user) -> bool:
    """Whether ``user`` must give a code at the admin sign-in."""
    if not user.is_staff:
        return False
    return bool(settings.STAFF_REQUIRE_OTP) or device_for(user) is not None


def device_for(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device to show as a QR code (created once, reused on reload)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user, token: str, request=None) -> TOTPDevice:
    """Confirm the pending device with a code from the app. Raises ValidationFailed."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationFailed(fields={"token": ["Reload the page to get a new code to scan."]})
    if not (token or "").strip().isdigit() or not device.verify_token(token.strip()):
        raise ValidationFailed(fields={"token": ["That code is not right. Enter the 6 digits your app shows now."]})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one app per account
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if request is not None:
        otp_login(request, device)
    return device


@transaction.atomic
def totp_remove(*, user, token: str) -> None:
    """Remove the confirmed device; needs a current code so a borrowed session cannot do it."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return
    if not (token or "").strip().isdigit() or not device.verify_token(token.strip()):
        raise ValidationFailed(fields={"token": ["That code is not right. Enter the 6 digits your app shows now."]})
    TOTPDevice.objects.filter(user=user).delete()
