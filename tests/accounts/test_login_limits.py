"""Sign-in limits: the admin is limited like /login/, only failures count, and a guesser cannot
lock the owner out (they are slowed down by address instead)."""

import pytest

pytestmark = pytest.mark.django_db

RIGHT = "pw-Str0ng-enough"
ATTACKER = "203.0.113.66"
OWNER_HOME = "198.51.100.7"


def _admin_login(client, email, password, address=ATTACKER, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password, **extra},
                       REMOTE_ADDR=address)


def test_thirty_wrong_admin_passwords_are_throttled_and_the_right_one_right_after_is_refused(client, staff_user):
    codes = [_admin_login(client, staff_user.email, f"guess-{n}").status_code for n in range(30)]
    assert codes[:5] == [200] * 5  # the sign-in form again, with "enter a correct email and password"
    assert set(codes[5:]) == {429}
    refused = _admin_login(client, staff_user.email, RIGHT)
    assert refused.status_code == 429
    assert "Too many sign-in attempts from here" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/", REMOTE_ADDR=ATTACKER).status_code == 302  # still signed out

    # The account is not locked: its owner, from their own address, gets in.
    owner = type(client)()
    signed_in = _admin_login(owner, staff_user.email, RIGHT, address=OWNER_HOME)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert owner.get("/admin/", REMOTE_ADDR=OWNER_HOME).status_code == 200


def test_successful_sign_ins_never_count_towards_a_limit(client, api_client, musician):
    for _ in range(12):  # more than twice the limit (5 a minute in tests)
        assert client.post("/login/", {"username": musician.email, "password": RIGHT}).status_code == 302
        client.logout()
        assert api_client.post("/api/auth/token/", {"email": musician.email, "password": RIGHT},
                               format="json").status_code == 200
    # A typo afterwards is an ordinary wrong password, not "too many attempts".
    wrong = client.post("/login/", {"username": musician.email, "password": "typo"})
    assert wrong.status_code == 200
    assert "Too many" not in wrong.content.decode()
    assert client.post("/login/", {"username": musician.email, "password": RIGHT}).status_code == 302


def test_a_guesser_is_slowed_down_but_cannot_lock_the_owner_out(client, api_client, musician):
    for n in range(8):
        client.post("/login/", {"username": musician.email, "password": f"guess-{n}"}, REMOTE_ADDR=ATTACKER)
    # The guessing address is refused, even with the right password...
    assert client.post("/login/", {"username": musician.email, "password": RIGHT},
                       REMOTE_ADDR=ATTACKER).status_code == 429
    assert api_client.post("/api/auth/token/", {"email": musician.email, "password": RIGHT}, format="json",
                           REMOTE_ADDR=ATTACKER).status_code == 429
    # ...while the owner signs in from home, on the site and through the API.
    owner = type(client)()
    assert owner.post("/login/", {"username": musician.email, "password": RIGHT},
                      REMOTE_ADDR=OWNER_HOME).status_code == 302
    assert api_client.post("/api/auth/token/", {"email": musician.email, "password": RIGHT}, format="json",
                           REMOTE_ADDR=OWNER_HOME).status_code == 200


def test_an_account_under_attack_gives_each_address_one_guess(client, musician):
    # Many addresses, one account: after the account collected the limit's worth of failures,
    # an address that has already failed for it gets no second guess this window.
    for n in range(5):
        client.post("/login/", {"username": musician.email, "password": "guess"}, REMOTE_ADDR=f"192.0.2.{n}")
    second_try = client.post("/login/", {"username": musician.email, "password": "guess-again"},
                             REMOTE_ADDR="192.0.2.1")
    assert second_try.status_code == 429
    fresh = client.post("/login/", {"username": musician.email, "password": "guess"}, REMOTE_ADDR="192.0.2.77")
    assert fresh.status_code == 200  # one guess (a wrong one) from a new address
    assert client.post("/login/", {"username": musician.email, "password": "another"},
                       REMOTE_ADDR="192.0.2.77").status_code == 429
    # The owner's fresh address still gets in.
    assert client.post("/login/", {"username": musician.email, "password": RIGHT},
                       REMOTE_ADDR=OWNER_HOME).status_code == 302
