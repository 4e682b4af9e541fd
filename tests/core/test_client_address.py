"""Client addresses behind trusted proxies: rate limits stay per person behind the compose proxy."""

import pytest
from django.test import RequestFactory

from gigbook.core.clientip import client_address


def _request(remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_address(_request(forwarded="203.0.113.9")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_saw_is_used_and_forged_entries_are_not(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # nginx appends the address it saw; anything before it came from the client.
    assert client_address(_request(forwarded="203.0.113.9")) == "203.0.113.9"
    assert client_address(_request(forwarded="198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request(forwarded="")) == "10.0.0.5"


def test_behind_two_proxies_the_outer_proxys_view_is_used(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert client_address(_request(forwarded="forged, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


@pytest.mark.django_db
def test_sign_in_limits_are_per_client_behind_the_proxy(settings, client, make_user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    user = make_user(musician=True, email="behind@example.com")
    guesser = {"REMOTE_ADDR": "172.18.0.9", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for _ in range(8):
        client.post("/api/auth/token/", {"email": user.email, "password": "wrong"}, content_type="application/json",
                    **guesser)
    refused = client.post("/api/auth/token/", {"email": user.email, "password": "wrong"},
                          content_type="application/json", **guesser)
    assert refused.status_code == 429
    # Someone else behind the same proxy (same REMOTE_ADDR) still signs in.
    other = client.post("/api/auth/token/", {"email": user.email, "password": "pw-Str0ng-enough"},
                        content_type="application/json",
                        REMOTE_ADDR="172.18.0.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 200, other.content
