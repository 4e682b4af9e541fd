"""SSRF guard and address handling: private addresses are refused unless the setting allows them."""

from __future__ import annotations

import pytest

from gigbook.core.errors import ValidationFailed
from musicians import services as musician_services
from musicians.calendar_import import crypto, services
from musicians.calendar_import.fetch import FetchError, fetch, normalize_url
from musicians.models import BusyInterval

pytestmark = pytest.mark.django_db

PRIVATE = "This address points to a private or local network, which calendars are not fetched from."


@pytest.fixture
def profile(musician):
    return musician_services.profile_start(user=musician)


@pytest.fixture
def guarded(settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False


def test_a_feed_at_127_0_0_1_is_refused_when_adding(feeds, guarded, profile):
    with pytest.raises(ValidationFailed) as refused:
        services.calendar_add(profile=profile, url=feeds.url("/google.ics"))
    assert refused.value.fields == {"url": [PRIVATE]}
    assert feeds.requests == []


def test_a_name_that_resolves_to_loopback_is_refused_when_fetching(feeds, now, guarded, profile):
    calendar = services.calendar_add(profile=profile, url=feeds.url("/google.ics", host="localhost"))
    assert services.calendar_sync(calendar_id=calendar.pk) == "failed"
    calendar.refresh_from_db()
    assert calendar.last_error == PRIVATE
    assert feeds.requests == []  # nothing was sent
    assert not BusyInterval.objects.filter(source="calendar").exists()


def test_the_same_feed_is_read_when_the_setting_allows_local_addresses(feeds, now, settings, profile):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    calendar = services.calendar_add(profile=profile, url=feeds.url("/google.ics", host="localhost"))
    assert services.calendar_sync(calendar_id=calendar.pk) == "synced"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/cal.ics",
    "http://10.1.2.3/cal.ics",
    "http://192.168.1.10/cal.ics",
    "http://172.16.0.5/cal.ics",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://100.64.0.1/cal.ics",  # carrier-grade NAT
    "http://0.0.0.0/cal.ics",
    "http://[::1]/cal.ics",
    "http://[fe80::1]/cal.ics",
    "http://[::ffff:127.0.0.1]/cal.ics",  # IPv4-mapped loopback
    "webcal://localhost/cal.ics",
])
def test_private_and_local_addresses_are_refused(guarded, url):
    with pytest.raises(FetchError) as refused:
        fetch(url)
    assert str(refused.value) == PRIVATE


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/cal.ics", "Use the calendar's web address (it starts with https:// or webcal://)."),
    ("file:///etc/passwd", "Use the calendar's web address (it starts with https:// or webcal://)."),
    ("calendar.google.com/private.ics", "Use the calendar's web address (it starts with https:// or webcal://)."),
    ("https://user:pw@example.com/cal.ics", "Addresses with a user name or password in them are not supported."),
])
def test_addresses_that_are_not_web_addresses_are_refused_in_plain_words(profile, url, message):
    with pytest.raises(ValidationFailed) as refused:
        services.calendar_add(profile=profile, url=url)
    assert refused.value.fields == {"url": [message]}


def test_webcal_means_https():
    assert (normalize_url(" webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5 ")
            == "https://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5")


def test_the_address_is_stored_encrypted_and_shown_only_as_its_server(profile):
    secret = "https://calendar.google.com/calendar/ical/mia%40example.com/private-0123456789abcdef/basic.ics"
    calendar = services.calendar_add(profile=profile, url=secret)
    assert "private-0123456789abcdef" not in calendar.url_encrypted
    assert "calendar.google.com" not in calendar.url_encrypted
    assert calendar.url_hint == "calendar.google.com/…"
    assert crypto.decrypt_url(calendar.url_encrypted) == secret
