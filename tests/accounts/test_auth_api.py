import pytest

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
TOKEN = "/api/auth/token/"


def register_payload(**overrides):
    payload = {
        "email": "new.player@example.com",
        "password": "a-long-Secret-42",
        "full_name": "New Player",
        "roles": ["musician"],
        "phone": "+44 7911 123456",
        "time_zone": "Europe/London",
    }
    payload.update(overrides)
    return payload


def test_register_creates_account_with_e164_phone_and_returns_working_token(api_client):
    response = api_client.post(REGISTER, register_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"]["phone"] == "+447911123456"
    assert body["user"]["roles"] == ["musician"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = api_client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "new.player@example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+44 12"}, "phone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"roles": []}, "roles"),
        ({"roles": ["drummer"]}, "roles"),
        ({"roles": "musician"}, "roles"),
        ({"password": "123"}, "password"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"full_name": 42.5, "email": 7}, "email"),
        ({"time_zone": ["UTC"]}, "time_zone"),
    ],
)
def test_register_bad_input_gets_400_with_field_message(api_client, overrides, field):
    response = api_client.post(REGISTER, register_payload(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert all(isinstance(message, str) and message for message in body["errors"][field])


def test_register_missing_fields_lists_each(api_client):
    response = api_client.post(REGISTER, {}, format="json")
    assert response.status_code == 400
    assert {"email", "password", "full_name", "roles"} <= set(response.json()["errors"])


def test_register_duplicate_email_case_insensitive(api_client, musician):
    response = api_client.post(REGISTER, register_payload(email="MIA@example.com"), format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_non_json_body_gets_400_not_500(api_client):
    response = api_client.generic("POST", REGISTER, "{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"  # the one 400 shape, whoever refused the input
    assert body["errors"] == {"non_field_errors": ["The request body could not be read."]}


def test_token_with_right_password(api_client, musician):
    response = api_client.post(TOKEN, {"email": "Mia@Example.com", "password": "pw-Str0ng-enough"}, format="json")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_token_with_wrong_password_is_400_with_readable_message(api_client, musician):
    response = api_client.post(TOKEN, {"email": "mia@example.com", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Email or password is wrong.", "code": "invalid",
                               "errors": {"non_field_errors": ["Email or password is wrong."]}}


def test_token_is_rate_limited_and_rotating_forwarded_for_does_not_reset_it(api_client, musician):
    statuses = []
    for attempt in range(8):
        response = api_client.post(
            TOKEN,
            {"email": "mia@example.com", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429] * 3
    # The right password from the same (real) address is refused too: X-Forwarded-For is ignored.
    response = api_client.post(
        TOKEN, {"email": "mia@example.com", "password": "pw-Str0ng-enough"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many attempts")
    assert response.json()["code"] == "throttled"


def test_me_requires_authentication_with_readable_detail(api_client):
    response = api_client.get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def test_a_wrong_token_is_401_even_where_anonymous_users_may_read(api_client):
    response = api_client.get("/api/instruments/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_me_patch_validates_phone_and_time_zone(client_for, musician):
    client = client_for(musician)
    response = client.patch("/api/me/", {"phone": "not a phone", "time_zone": "Nowhere/Land"}, format="json")
    assert response.status_code == 400
    assert {"phone", "time_zone"} <= set(response.json()["errors"])
    response = client.patch("/api/me/", {"phone": "+1 415 555 0100", "time_zone": "America/Los_Angeles"}, format="json")
    assert response.status_code == 200
    # The new number waits for its texted code; the time zone changes at once.
    assert response.json()["pending_phone"] == "+14155550100"
    assert response.json()["phone"] == ""
    musician.refresh_from_db()
    assert musician.time_zone == "America/Los_Angeles"


def test_me_patch_cannot_drop_every_role(client_for, musician):
    response = client_for(musician).patch("/api/me/", {"is_musician": False}, format="json")
    assert response.status_code == 400
    assert "roles" in response.json()["errors"]
