"""GET/PATCH /api/me/, phone and email confirmation, password, /api/me/notification-settings/."""

import re

import pytest
from django.core import mail

from gigbook.notifications.sms import MemorySMSBackend

pytestmark = pytest.mark.django_db

ME = "/api/me/"
SETTINGS = "/api/me/notification-settings/"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks, eager_celery):
    """Requests whose on-commit work (texts, emails) really runs."""

    class _Runner:
        def __call__(self, method, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return method(*args, **kwargs)

    return _Runner()


def _plain(messages):
    """Messages people read: no field or format names."""
    for message in messages:
        assert not re.search(r"E\.164|IANA|\b[a-z]+_[a-z]+\b|\bnull\b|regex", message), message


def test_me_shows_the_account(client_for, musician):
    body = client_for(musician).get(ME).json()
    assert body["display_name"] == "Mia Musician"
    assert body["email"] == "mia@example.com" and body["pending_email"] == ""
    assert body["phone"] == "" and body["phone_verified"] is False and body["pending_phone"] is None
    assert body["time_zone"] == "Europe/London"


def test_patch_changes_display_name_and_time_zone(client_for, musician):
    response = client_for(musician).patch(ME, {"display_name": "DJ Mia", "time_zone": "America/New_York"}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "DJ Mia"
    musician.refresh_from_db()
    assert (musician.display_name, musician.time_zone) == ("DJ Mia", "America/New_York")


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"time_zone": "Nowhere/Land"}, "time_zone", "not a time zone we know"),
        ({"phone": "12345", "phone_country": "GB"}, "phone", "not a valid phone number"),
        ({"phone": "07700 900123"}, "phone", "Choose your country"),
        ({"phone": "07700 900123", "phone_country": "XX"}, "phone_country", "Choose a country from the list"),
        ({"display_name": "x" * 151}, "display_name", "150 characters or fewer"),
        ({"display_name": ""}, "display_name", "Fill this in"),
        ({"email": "not-an-address"}, "email", "Enter an email address"),
        ({"email": "y" * 250 + "@example.com"}, "email", "254 characters or fewer"),
    ],
)
def test_bad_input_is_a_400_with_plain_words_next_to_the_field(client_for, musician, payload, field, words):
    response = client_for(musician).patch(ME, {**payload, "full_name": "Should Not Save"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert words in " ".join(errors[field])
    _plain(errors[field])
    musician.refresh_from_db()
    assert musician.full_name == "Mia Musician"  # nothing of the refused PATCH is saved


def test_an_email_already_used_is_refused_and_nothing_else_saves(client_for, musician, make_user):
    make_user(email="taken@example.com")
    response = client_for(musician).patch(ME, {"email": "Taken@Example.com", "display_name": "New Name"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"email": ["Another account already uses this email address."]}
    musician.refresh_from_db()
    assert musician.display_name == "Mia Musician" and musician.pending_email == ""


def test_email_change_through_the_api_waits_for_the_link(client_for, api_client, musician, committed):
    client = client_for(musician)
    response = committed(client.patch, ME, {"email": "mia.new@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["email"] == "mia@example.com"
    assert response.json()["pending_email"] == "mia.new@example.com"
    token = re.search(r"/account/email/confirm/([^/\s]+)/", mail.outbox[0].body).group(1)
    response = api_client.post("/api/me/email/confirm/", {"token": token}, format="json")
    assert response.status_code == 200 and response.json()["email"] == "mia.new@example.com"
    again = api_client.post("/api/me/email/confirm/", {"token": token}, format="json")
    assert again.status_code == 409 and "already been used" in again.json()["detail"]
    bad = api_client.post("/api/me/email/confirm/", {"token": "garbage"}, format="json")
    assert bad.status_code == 400 and "not valid" in bad.json()["detail"]


def test_phone_change_through_the_api_waits_for_the_code(client_for, musician, committed):
    client = client_for(musician)
    response = committed(client.patch, ME, {"phone": "07700 900123", "phone_country": "GB"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "" and response.json()["pending_phone"] == "+447700900123"
    code = re.search(r"\b(\d{6})\b", MemorySMSBackend.outbox[-1]["text"]).group(1)
    wrong = client.post("/api/me/phone/verify/", {"code": f"{(int(code) + 1) % 1_000_000:06d}"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["code"][0].startswith("That code is not right.")
    ok = client.post("/api/me/phone/verify/", {"code": code}, format="json")
    assert ok.status_code == 200, (ok.json(), MemorySMSBackend.outbox)
    assert ok.json()["phone"] == "+447700900123" and ok.json()["phone_verified"] is True
    reused = client.post("/api/me/phone/verify/", {"code": code}, format="json")
    assert reused.status_code == 400 and "already been used" in reused.json()["errors"]["code"][0]


def test_too_many_codes_is_a_429_with_a_time(client_for, musician, committed):
    client = client_for(musician)
    for n in range(5):
        assert committed(client.patch, ME, {"phone": f"+44770090070{n}"}, format="json").status_code == 200
    response = client.patch(ME, {"phone": "+447700900799"}, format="json")
    assert response.status_code == 429
    assert response.json()["errors"]["phone"][0].startswith("We have sent 5 codes in the last hour.")


def test_password_change(client_for, musician):
    client = client_for(musician)
    response = client.post("/api/me/password/", {"current_password": "wrong", "new_password": "short"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["current_password"] == ["Your current password is not right."]
    response = client.post("/api/me/password/", {"current_password": "pw-Str0ng-enough",
                                                 "new_password": "another-long-secret-7"}, format="json")
    assert response.status_code == 204
    musician.refresh_from_db()
    assert musician.check_password("another-long-secret-7")


def test_notification_settings_read_and_change(client_for, make_user):
    user = make_user(email="n@example.com", phone="+447911123456")
    client = client_for(user)
    body = client.get(SETTINGS).json()
    assert set(body["preferences"]) == {"offers", "confirmations", "reminders", "short_notice", "reviews", "moderation",
                                        "billing"}
    assert body["preferences"]["offers"] == {"email": True, "sms": True, "push": True}
    assert body["quiet_hours_start"] is None
    response = client.patch(SETTINGS, {"preferences": {"reviews": {"sms": False}}, "quiet_hours_start": "22:00",
                                       "quiet_hours_end": "07:30"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["preferences"]["reviews"] == {"email": True, "sms": False, "push": True}
    assert body["preferences"]["offers"] == {"email": True, "sms": True, "push": True}  # kinds not sent are kept
    assert (body["quiet_hours_start"], body["quiet_hours_end"]) == ("22:00", "07:30")
    # Clearing quiet hours.
    body = client.patch(SETTINGS, {"quiet_hours_start": None, "quiet_hours_end": None}, format="json").json()
    assert body["quiet_hours_start"] is None and body["preferences"]["reviews"]["sms"] is False


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"preferences": {"gossip": {"email": True}}}, "preferences", "is not a kind of message we send"),
        ({"preferences": {"offers": {"pigeon": True}}}, "preferences", "We cannot send messages by"),
        ({"preferences": {"offers": {"sms": True}}}, "preferences", "verify a mobile number"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end", "Give both the start and the end"),
        ({"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"}, "quiet_hours_start", "Enter a time such as 22:00"),
    ],
)
def test_notification_settings_bad_input(client_for, musician, payload, field, words):
    response = client_for(musician).patch(SETTINGS, payload, format="json")
    assert response.status_code == 400
    assert words in " ".join(response.json()["errors"][field])


def test_settings_need_a_login(api_client):
    assert api_client.get(SETTINGS).status_code == 401
    assert api_client.patch(ME, {"display_name": "x"}, format="json").status_code == 401
