"""The musician's calendar list, add, remove and sync-now, over the API and the editor page."""

from __future__ import annotations

import pytest

from musicians import services as musician_services
from musicians.calendar_import import services
from musicians.calendar_import.models import ImportedCalendar

pytestmark = pytest.mark.django_db

SECRET = "https://calendar.google.com/calendar/ical/mia%40example.com/private-0123456789abcdef/basic.ics"


def test_a_musician_adds_lists_syncs_and_removes_a_calendar(client_for, musician, django_assert_num_queries,
                                                            django_capture_on_commit_callbacks):
    client = client_for(musician)
    with django_capture_on_commit_callbacks() as callbacks:
        added = client.post("/api/me/calendar-import/", {"url": SECRET, "name": "Google"}, format="json")
    assert added.status_code == 201, added.content
    assert len([c for c in callbacks if "sync_calendar" in repr(c)]) == 1  # first sync enqueued after commit
    body = added.json()
    assert body["address"] == "calendar.google.com/…" and body["state"] == "waiting"
    assert "private-0123456789abcdef" not in added.content.decode()

    client.post("/api/me/calendar-import/", {"url": "webcal://p52-caldav.icloud.com/published/2/abc"}, format="json")
    with django_assert_num_queries(2):  # count, page
        listed = client.get("/api/me/calendar-import/")
    assert listed.status_code == 200
    assert [c["address"] for c in listed.json()["results"]] == ["calendar.google.com/…", "p52-caldav.icloud.com/…"]
    assert "private-0123456789abcdef" not in listed.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        synced = client.post(f"/api/me/calendar-import/{body['id']}/sync/")
    assert synced.status_code == 202 and len([c for c in callbacks if "sync_calendar" in repr(c)]) == 1
    assert client.delete(f"/api/me/calendar-import/{body['id']}/").status_code == 204
    assert not ImportedCalendar.objects.filter(pk=body["id"]).exists()


def test_another_musicians_calendar_is_not_found(client_for, make_user):
    owner = make_user(musician=True)
    calendar = services.calendar_add(profile=musician_services.profile_start(user=owner), url=SECRET)
    stranger = client_for(make_user(musician=True))
    assert stranger.delete(f"/api/me/calendar-import/{calendar.pk}/").status_code == 404
    assert stranger.post(f"/api/me/calendar-import/{calendar.pk}/sync/").status_code == 404
    assert stranger.get("/api/me/calendar-import/").json()["results"] == []
    assert ImportedCalendar.objects.filter(pk=calendar.pk).exists()


def test_producers_and_strangers_cannot_import(client_for, producer, api_client):
    assert client_for(producer).get("/api/me/calendar-import/").status_code == 403
    assert api_client.get("/api/me/calendar-import/").status_code == 401


@pytest.mark.parametrize(("body", "message"), [
    ({}, "Paste your calendar's address."),
    ({"url": ""}, "Paste your calendar's address."),
    ({"url": "not a link"}, "Use the calendar's web address (it starts with https:// or webcal://)."),
    ({"url": "http://127.0.0.1/x.ics"},
     "This address points to a private or local network, which calendars are not fetched from."),
])
def test_bad_addresses_get_a_plain_words_400(client_for, musician, settings, body, message):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    answer = client_for(musician).post("/api/me/calendar-import/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"url": [message]}
    assert not ImportedCalendar.objects.exists()


def test_a_musician_may_import_only_a_few_calendars(client_for, musician, settings):
    settings.CALENDAR_IMPORT_MAX_PER_MUSICIAN = 2
    client = client_for(musician)
    for _ in range(2):
        assert client.post("/api/me/calendar-import/", {"url": SECRET}, format="json").status_code == 201
    refused = client.post("/api/me/calendar-import/", {"url": SECRET}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"url": ["You can import up to 2 calendars. Remove one first."]}


def test_the_editor_page_lists_calendars_and_its_forms_work(client, musician, feeds, now):
    client.force_login(musician)
    answer = client.post("/me/calendar-import/add/", {"url": feeds.url("/google.ics"), "name": "Band <b>"})
    assert answer.status_code == 302 and answer["Location"] == "/me/profile/#s-calendars"
    calendar = ImportedCalendar.objects.get()
    services.calendar_sync(calendar_id=calendar.pk)
    page = client.get("/me/profile/").content.decode()
    assert 'id="s-calendars"' in page
    assert "Band &lt;b&gt;" in page and "Last synced" in page and "5 busy times" in page
    assert "google.ics" not in page  # the address itself is never shown back
    feeds.broken["/google.ics"] = "html"
    services.calendar_sync(calendar_id=calendar.pk)
    page = client.get("/me/profile/").content.decode()
    assert "Last try failed: This address did not return a calendar" in page
    bad = client.post("/me/calendar-import/add/", {"url": "ftp://x"}, follow=True).content.decode()
    assert "Use the calendar&#x27;s web address" in bad
    assert client.post(f"/me/calendar-import/{calendar.pk}/remove/").status_code == 302
    assert not ImportedCalendar.objects.exists()
