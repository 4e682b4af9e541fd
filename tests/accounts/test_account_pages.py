"""Server-rendered sign-up, account page and "finish your profile" checklist (no browser)."""

import re

import pytest
from django.core import mail

from gigbook.accounts.models import User
from gigbook.accounts.zones import offered_time_zones, time_zone_choices
from gigbook.notifications import preferences
from gigbook.notifications.sms import MemorySMSBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


def _signup_data(**overrides):
    data = {"full_name": "Lena Strings", "email": "lena@example.com", "password": "cello-and-viola-2026",
            "role": "musician", "time_zone": "Europe/London", "phone_country": "GB", "phone": "07700 900123"}
    data.update(overrides)
    return data


def test_time_zones_offered_are_real_canonical_zones_common_first():
    offered = offered_time_zones()
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"} <= offered
    assert not {"Factory", "localtime", "US/Eastern", "GB", "Etc/GMT+5", "Asia/Calcutta", "Europe/Kiev"} & offered
    (common_label, common), (_, rest) = time_zone_choices()
    assert common[0][0] == "Europe/London"
    assert len(offered) < 450


def test_sign_up_page_offers_the_zone_list_and_a_country_selector(client):
    page = client.get("/signup/").content.decode()
    assert '<optgroup label="Common">' in page
    assert "Factory" not in page and "localtime" not in page
    assert 'name="phone_country"' in page and '<option value="GB" selected>' in page
    assert "accounts-zone.js" in page and 'id="zone-countries"' in page


def test_a_form_error_keeps_everything_but_the_password_and_says_so(client):
    response = client.post("/signup/", _signup_data(phone="12345", email="LENA@example.com"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a valid phone number for the country chosen" in page
    assert 'value="Lena Strings"' in page and 'value="LENA@example.com"' in page and 'value="12345"' in page
    assert '<option value="GB" selected>' in page and '<option value="Europe/London" selected>' in page
    assert "cello-and-viola-2026" not in page
    assert "type it again" in page
    assert not User.objects.exists()


def test_an_unknown_time_zone_is_a_message_not_a_500(client):
    response = client.post("/signup/", _signup_data(time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode() or "Pick your time zone" in response.content.decode()


def test_a_new_musician_lands_on_the_checklist(client, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", _signup_data())
    assert response.status_code == 302 and response["Location"] == "/me/start/"
    user = User.objects.get()
    assert user.phone == "+447700900123" and not user.phone_verified
    page = client.get("/me/start/").content.decode()
    assert "Finish your profile" in page
    assert "9 steps left" in page  # 5 required, 3 optional, and sending it for review
    assert 'href="/me/profile/#field-headline"' in page
    # The code texted at sign-up can be entered right there.
    code = re.search(r"\b(\d{6})\b", MemorySMSBackend.outbox[-1]["text"]).group(1)
    response = client.post("/account/", {"action": "code", "code-code": code, "next": "/me/start/"})
    assert response.status_code == 302 and response["Location"] == "/me/start/"
    user.refresh_from_db()
    assert user.phone_verified


def test_a_producer_lands_on_the_home_page(client):
    response = client.post("/signup/", _signup_data(role="producer", phone=""))
    assert response["Location"] == "/"


# --- Account page -------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, musician):
    client.force_login(musician)
    return client


def test_account_page_shows_every_section(signed_in):
    page = signed_in.get("/account/").content.decode()
    for anchor in ("name", "email", "phone", "password", "notifications"):
        assert f'id="{anchor}"' in page
    for group in preferences.KIND_GROUPS:
        assert group.label in page
    assert "Short-notice offers always arrive at once" in page


def test_account_page_bad_input_is_shown_next_to_the_field_and_typed_values_kept(signed_in, musician):
    long_name = "x" * 151
    response = signed_in.post("/account/", {"action": "name", "name-display_name": long_name,
                                            "name-full_name": "Mia M", "name-time_zone": "Europe/London"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_name-display_name_error"' in page and "at most 150 characters" in page
    assert 'value="Mia M"' in page
    musician.refresh_from_db()
    assert musician.full_name == "Mia Musician"

    response = signed_in.post("/account/", {"action": "phone", "phone-phone_country": "GB", "phone-phone": "0770"})
    assert response.status_code == 400
    assert "not a valid phone number for the country chosen" in response.content.decode()
    assert 'value="0770"' in response.content.decode()

    response = signed_in.post("/account/", {"action": "code", "code-code": "123456"})
    assert response.status_code == 400
    assert "There is no code waiting for this account" in response.content.decode()


def test_account_page_email_change_and_confirmation_link(signed_in, client, musician, django_capture_on_commit_callbacks,
                                                         eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post("/account/", {"action": "email", "email-email": "mia.new@example.com"})
    assert response.status_code == 302
    page = signed_in.get("/account/").content.decode()
    assert "Waiting for you to open the link we sent to <strong>mia.new@example.com</strong>" in page
    link = re.search(r"(/account/email/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    signed_in.logout()
    assert "Use this email address" in client.get(link).content.decode()  # GET only asks
    musician.refresh_from_db()
    assert musician.email == "mia@example.com"
    response = client.post(link)
    assert response.status_code == 200 and "you now log in with" in response.content.decode()
    response = client.post(link)
    assert response.status_code == 409 and "already been used" in response.content.decode()


def test_account_page_notification_settings(signed_in, musician):
    data = {"action": "notifications", "notif-quiet_hours_start": "22:00", "notif-quiet_hours_end": "07:00"}
    for group in preferences.KIND_GROUP_CODES:
        data[f"notif-pref_{group}_email"] = "on"
    del data["notif-pref_reviews_email"]
    response = signed_in.post("/account/", data)
    assert response.status_code == 302
    musician.refresh_from_db()
    assert str(musician.quiet_hours_start) == "22:00:00"
    assert preferences.preferences_for(musician)["reviews"]["email"] is False
    assert preferences.preferences_for(musician)["offers"]["email"] is True
    response = signed_in.post("/account/", {**data, "notif-quiet_hours_end": "7 in the morning"})
    assert response.status_code == 400 and "Enter a time such as 07:30." in response.content.decode()


def test_account_page_needs_a_login(client):
    assert client.get("/account/").status_code == 302
