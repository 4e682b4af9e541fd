"""The browser (session) side of accounts: sign-up errors, login limits, password reset by email."""

import re

import pytest
from django.core import mail

from gigbook.accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_with_bad_input_re_renders_with_field_errors(client):
    response = client.post(
        "/signup/",
        {"full_name": "", "email": "nope", "password": "1", "role": "drummer", "phone": "12", "time_zone": "Mars/Base"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"full_name", "email", "role", "time_zone"} <= set(form.errors)
    assert User.objects.count() == 0


def test_signup_as_both_roles_logs_in(client):
    response = client.post(
        "/signup/",
        {
            "full_name": "Bo Both",
            "email": "bo@example.com",
            "password": "double-duty-2026",
            "role": "both",
            "phone": "",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="bo@example.com")
    assert (user.is_producer, user.is_musician, user.time_zone) == (True, True, "America/New_York")
    assert client.get("/").context["user"] == user


def test_login_is_rate_limited_even_with_rotating_forwarded_for(client, musician):
    codes = [
        client.post(
            "/login/", {"username": "mia@example.com", "password": "bad"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(7)
    ]
    assert codes[:5] == [200] * 5  # the form re-rendered with an error
    assert codes[5:] == [429, 429]
    response = client.post("/login/", {"username": "mia@example.com", "password": "pw-Str0ng-enough"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_password_reset_by_email_end_to_end(client, musician):
    response = client.post("/password-reset/", {"email": "mia@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "brand-new-Pass-77", "new_password2": "brand-new-Pass-77"})
    assert response.status_code == 302
    assert client.login(email="mia@example.com", password="brand-new-Pass-77")


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_is_rate_limited(client, musician):
    codes = [client.post("/password-reset/", {"email": "mia@example.com"}).status_code for _ in range(7)]
    assert codes[-1] == 429
    assert len(mail.outbox) == 5


def test_pages_render_times_in_the_users_time_zone(client, make_user):
    from gigbook.notifications.services import notify

    user = make_user(email="tokyo@example.com", time_zone="Asia/Tokyo")
    notification = notify(recipient=user, kind="k", title="t", body="b")
    client.force_login(user)
    html = client.get("/inbox/").content.decode()
    local = notification.created_at.astimezone(user.zone)
    assert local.strftime("%H:%M") in html
