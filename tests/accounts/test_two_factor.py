"""A second factor for staff: enrol an authenticator app, then the admin asks for its code."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

RIGHT = "pw-Str0ng-enough"


def totp(secret_b32: str, *, step_offset: int = 0) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits) as an authenticator app computes it from the key."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int(time.time()) // 30 + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _enrol(client, staff_user) -> str:
    client.force_login(staff_user)
    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code to scan
    secret = re.search(r"<code>([A-Z2-7]+)</code>", html).group(1)
    wrong = client.post("/account/two-factor/", {"token": "000000" if totp(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert client.post("/account/two-factor/", {"token": totp(secret)}).status_code == 302
    assert TOTPDevice.objects.get(user=staff_user).confirmed
    client.logout()
    return secret


def _admin_login(client, email, password, token=""):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password, "otp_token": token})


def test_enrolled_staff_need_the_code_from_their_app_at_the_admin(client, staff_user):
    secret = _enrol(client, staff_user)

    without = _admin_login(client, staff_user.email, RIGHT)
    assert without.status_code == 200
    assert "Enter the 6-digit code from your authenticator app." in without.content.decode()
    assert client.get("/admin/").status_code == 302

    wrong_code = f"{(int(totp(secret, step_offset=1)) + 1) % 1_000_000:06d}"
    refused = _admin_login(client, staff_user.email, RIGHT, wrong_code)
    assert "That code is not right" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    # django-otp throttles a device after a wrong code (1 s, doubling with each failure).
    throttled = _admin_login(client, staff_user.email, RIGHT, totp(secret, step_offset=1))
    assert "temporarily disabled" in throttled.content.decode()
    time.sleep(1.1)
    # The next step's code (the one used at enrolment cannot be used twice).
    signed_in = _admin_login(client, staff_user.email, RIGHT, totp(secret, step_offset=1))
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_signed_in_on_the_site_without_the_code_are_asked_for_it_by_the_admin(client, staff_user):
    _enrol(client, staff_user)
    assert client.post("/login/", {"username": staff_user.email, "password": RIGHT}).status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert "code from your authenticator app" in response.content.decode()


def test_staff_without_an_app_use_the_admin_with_a_password_unless_it_is_required(client, staff_user, settings):
    settings.STAFF_REQUIRE_OTP = False
    assert _admin_login(client, staff_user.email, RIGHT).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()

    settings.STAFF_REQUIRE_OTP = True
    response = _admin_login(client, staff_user.email, RIGHT)
    assert response.status_code == 200
    assert "/account/two-factor/" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_removing_the_app_needs_a_current_code(client, staff_user):
    secret = _enrol(client, staff_user)
    client.force_login(staff_user)
    assert client.post("/account/two-factor/", {"action": "remove", "token": "12345"}).status_code == 400
    assert TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    assert client.post("/account/two-factor/", {"action": "remove", "token": totp(secret, step_offset=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user).exists()


def test_the_enrolment_page_is_for_staff_only(client, musician):
    client.force_login(musician)
    assert client.get("/account/two-factor/").status_code == 404
