"""Calendar import end to end against a local feed server: busy table rows, 304s, failures, staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gigbook.notifications.models import Notification
from musicians import services as musician_services
from musicians.calendar_import import parse, selectors, services
from musicians.calendar_import.models import ImportedCalendar
from musicians.models import BusyInterval

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def busy_rows(calendar) -> list[tuple[datetime, datetime]]:
    return list(
        BusyInterval.objects.filter(source="calendar", source_id=str(calendar.pk))
        .order_by("starts_at").values_list("starts_at", "ends_at")
    )


@pytest.fixture
def profile(musician):
    return musician_services.profile_start(user=musician)


def add_and_sync(profile, url, name=""):
    calendar = services.calendar_add(profile=profile, url=url, name=name)
    result = services.calendar_sync(calendar_id=calendar.pk)
    calendar.refresh_from_db()
    return calendar, result


def test_google_export_gives_the_hand_computed_busy_times(feeds, now, profile):
    calendar, result = add_and_sync(profile, feeds.url("/google.ics"))
    assert result == "synced"
    # Weekly Thursday rehearsal 19:00–21:00 London, COUNT=5 from 19 March: the 19th is before
    # "now"; the 26th is GMT, 2 April is BST (the clocks change on 29 March); 9 April is an EXDATE;
    # 16 April was moved by RECURRENCE-ID to Friday 17th 20:00–22:00 BST. The dentist is in UTC.
    # The all-day tour (5–6 April, opaque) runs from London midnight to London midnight (BST).
    # Free: the transparent coffee and all-day festival, the cancelled session, the past gig.
    assert busy_rows(calendar) == [
        (utc(2026, 3, 24, 9, 0), utc(2026, 3, 24, 12, 0)),
        (utc(2026, 3, 26, 19, 0), utc(2026, 3, 26, 21, 0)),
        (utc(2026, 4, 2, 18, 0), utc(2026, 4, 2, 20, 0)),
        (utc(2026, 4, 4, 23, 0), utc(2026, 4, 6, 23, 0)),
        (utc(2026, 4, 17, 19, 0), utc(2026, 4, 17, 21, 0)),
    ]
    assert calendar.time_zone == "Europe/London"
    assert calendar.busy_count == 5
    assert calendar.last_success_at == now and calendar.last_error == ""


def test_icloud_export_gives_the_hand_computed_busy_times(feeds, now, profile):
    calendar, _ = add_and_sync(profile, feeds.url("/icloud.ics"))
    # Daily 10:00–12:00 Berlin from 27 March until 30 March: 27th CET (09:00Z), 28th an EXDATE,
    # 29th CEST from the DST morning on (08:00Z), the 30th moved to 14:00–15:00 CEST.
    # All-day travel day 2 April: Berlin midnight to midnight (CEST, so 22:00Z the day before).
    # Mum's birthday is all-day but transparent: free.
    assert busy_rows(calendar) == [
        (utc(2026, 3, 27, 9, 0), utc(2026, 3, 27, 11, 0)),
        (utc(2026, 3, 29, 8, 0), utc(2026, 3, 29, 10, 0)),
        (utc(2026, 3, 30, 12, 0), utc(2026, 3, 30, 13, 0)),
        (utc(2026, 4, 1, 22, 0), utc(2026, 4, 2, 22, 0)),
    ]
    assert calendar.time_zone == "Europe/Berlin"


def test_outlook_export_with_windows_zone_names_gives_the_hand_computed_busy_times(feeds, now, profile):
    # The musician lives in New York, the Outlook calendar in "GMT Standard Time": its all-day
    # event must be London's day, not New York's.
    profile.user.time_zone = "America/New_York"
    profile.user.save(update_fields=["time_zone"])
    calendar, _ = add_and_sync(profile, feeds.url("/outlook.ics"))
    # Weekly Thursday 14:00–15:30 until 10 April: 26 March GMT; 2 April an EXDATE; 9 April moved
    # to 16:00–17:00 BST. Tentative jam night is busy; the free (transparent) lunch is not.
    # All-day recording day 1 April: London midnight (BST) to midnight.
    assert busy_rows(calendar) == [
        (utc(2026, 3, 26, 14, 0), utc(2026, 3, 26, 15, 30)),
        (utc(2026, 3, 28, 20, 0), utc(2026, 3, 28, 23, 0)),
        (utc(2026, 3, 31, 23, 0), utc(2026, 4, 1, 23, 0)),
        (utc(2026, 4, 9, 15, 0), utc(2026, 4, 9, 16, 0)),
    ]
    assert calendar.time_zone == "Europe/London"


def test_only_busy_times_are_stored_never_titles_or_places(feeds, now, profile):
    calendar, _ = add_and_sync(profile, feeds.url("/google.ics"))
    labels = set(BusyInterval.objects.filter(source="calendar").values_list("label", flat=True))
    assert labels == {"Busy (own calendar)"}
    stored = " ".join(str(v) for v in ImportedCalendar.objects.values().get(pk=calendar.pk).values())
    for private in ("Rehearsal", "Hackney", "Dentist", "charts", "google.ics"):
        assert private not in stored


def test_a_304_answer_costs_no_parsing_and_keeps_the_rows(feeds, now, frozen_clock, profile):
    calendar, _ = add_and_sync(profile, feeds.url("/google.ics"))
    row_ids = set(BusyInterval.objects.filter(source="calendar").values_list("pk", flat=True))
    parses = parse.parse_count
    later = frozen_clock.advance(timedelta(minutes=15))
    assert services.calendar_sync(calendar_id=calendar.pk) == "unchanged"
    assert feeds.served("/google.ics") == ["200", "304"]
    assert feeds.conditional == ["/google.ics"]
    assert parse.parse_count == parses
    assert set(BusyInterval.objects.filter(source="calendar").values_list("pk", flat=True)) == row_ids
    calendar.refresh_from_db()
    assert calendar.last_success_at == later and calendar.last_changed_at == now

    # A changed feed is fetched in full and read again.
    feeds.files["/google.ics"] = feeds.files["/google.ics"].replace(b"SUMMARY:Dentist", b"SUMMARY:Dentist (2)")
    assert services.calendar_sync(calendar_id=calendar.pk) == "synced"
    assert parse.parse_count == parses + 1


BAD_FEEDS = [
    ("500", "The calendar's server had a problem (error 500). We will try again."),
    ("html", "This address did not return a calendar (it looks like a web page or another file). "
             "Copy the calendar's public or secret address again."),
    ("big", "The calendar is larger than 5 MB, more than a personal calendar should be. "
            "Check that this is the right address."),
    ("big-chunked", "The calendar is larger than 5 MB, more than a personal calendar should be. "
                    "Check that this is the right address."),
    ("slow", "The calendar's server took too long to answer. We will try again."),
]


@pytest.mark.parametrize(("mode", "message"), BAD_FEEDS, ids=[mode for mode, _ in BAD_FEEDS])
def test_a_failing_feed_keeps_the_last_good_copy_and_says_why(feeds, now, frozen_clock, profile, settings,
                                                              mode, message):
    settings.CALENDAR_IMPORT_TIMEOUT_SECONDS = 1.0
    feeds.slow_seconds = 2.5
    calendar, _ = add_and_sync(profile, feeds.url("/google.ics"))
    good = busy_rows(calendar)
    assert len(good) == 5
    feeds.broken["/google.ics"] = mode
    frozen_clock.advance(timedelta(minutes=15))
    assert services.calendar_sync(calendar_id=calendar.pk) == "failed"
    calendar.refresh_from_db()
    assert calendar.last_error == message
    assert calendar.failures == 1
    assert calendar.last_success_at == now
    assert busy_rows(calendar) == good
    assert selectors.calendar_state(calendar) == "failing"


def test_broken_recurrence_rules_keep_the_last_good_copy(feeds, now, frozen_clock, profile):
    calendar, _ = add_and_sync(profile, feeds.url("/google.ics"))
    good = busy_rows(calendar)
    feeds.files["/google.ics"] = feeds.files["/broken_rrule.ics"]
    frozen_clock.advance(timedelta(minutes=15))
    assert services.calendar_sync(calendar_id=calendar.pk) == "failed"
    calendar.refresh_from_db()
    assert calendar.last_error == ("A repeating event in this calendar has a rule we cannot read. "
                                   "Open it in your calendar app and save it again.")
    assert busy_rows(calendar) == good


def test_a_redirect_loop_is_refused_and_one_redirect_is_followed(feeds, now, profile):
    calendar, result = add_and_sync(profile, feeds.url("/loop-a"))
    assert result == "failed"
    assert calendar.last_error == ("The calendar's address redirects in a loop. "
                                   "Copy the address again from your calendar.")
    # a -> b -> a: stopped when a comes round again, without asking for it a second time.
    assert feeds.served("/loop-a") == ["302"] and feeds.served("/loop-b") == ["301"]
    moved, result = add_and_sync(profile, feeds.url("/moved"))
    assert result == "synced" and moved.busy_count == 5


def test_a_calendar_that_cannot_sync_for_a_day_is_out_of_date_warned_once_and_flagged(
        feeds, now, frozen_clock, profile, producer, client_for):
    calendar, _ = add_and_sync(profile, feeds.url("/google.ics"), name="Band")
    feeds.broken["/google.ics"] = "500"
    frozen_clock.advance(timedelta(hours=23))
    services.calendar_sync(calendar_id=calendar.pk)
    assert services.calendars_warn_stale() == 0
    assert selectors.stale_profile_ids([profile.pk]) == set()

    frozen_clock.advance(timedelta(hours=1, minutes=1))
    services.calendar_sync(calendar_id=calendar.pk)
    assert services.calendars_warn_stale() == 1
    assert services.calendars_warn_stale() == 0  # one message, not one a minute
    message = Notification.objects.get(recipient=profile.user, kind="calendar_import_out_of_date")
    assert "Band" in message.body and "error 500" in message.body
    assert selectors.stale_profile_ids([profile.pk]) == {profile.pk}
    calendar.refresh_from_db()
    assert selectors.calendar_state(calendar) == "out_of_date"
    # The busy times are still there: out of date is never "free".
    assert len(busy_rows(calendar)) == 5

    # It works again: the flag goes, a later failure may warn again.
    del feeds.broken["/google.ics"]
    assert services.calendar_sync(calendar_id=calendar.pk) in ("synced", "unchanged")
    assert selectors.stale_profile_ids([profile.pk]) == set()
    calendar.refresh_from_db()
    assert calendar.stale_warned_at is None and selectors.calendar_state(calendar) == "ok"


def test_the_sweep_enqueues_each_due_calendar_once_and_moves_it_on(feeds, now, frozen_clock, profile,
                                                                   django_capture_on_commit_callbacks):
    first = services.calendar_add(profile=profile, url=feeds.url("/google.ics"))
    second = services.calendar_add(profile=profile, url=feeds.url("/icloud.ics"))
    assert services.calendars_enqueue_due() == 0  # both were just added (and synced on add)
    frozen_clock.advance(timedelta(minutes=15))
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.calendars_enqueue_due() == 2
    assert len(callbacks) == 2
    assert services.calendars_enqueue_due() == 0
    for calendar in (first, second):
        calendar.refresh_from_db()
        assert calendar.next_due_at == now + timedelta(minutes=30)


def test_a_claimed_calendar_is_not_synced_twice_at_once(feeds, now, profile):
    calendar = services.calendar_add(profile=profile, url=feeds.url("/google.ics"))
    ImportedCalendar.objects.filter(pk=calendar.pk).update(claimed_until=now + timedelta(seconds=60))
    assert services.calendar_sync(calendar_id=calendar.pk) == "skipped"
    assert feeds.requests == []


def test_removing_a_calendar_frees_its_busy_time_only(feeds, now, profile):
    google, _ = add_and_sync(profile, feeds.url("/google.ics"))
    icloud, _ = add_and_sync(profile, feeds.url("/icloud.ics"))
    services.calendar_remove(profile=profile, calendar_id=google.pk)
    assert busy_rows(google) == []
    assert len(busy_rows(icloud)) == 4


def test_a_rule_repeating_every_minute_is_refused_in_plain_words(feeds, now, profile, settings):
    settings.CALENDAR_IMPORT_MAX_EVENTS = 5000
    feeds.files["/minutely.ics"] = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:m@x\r\n"
        b"DTSTART:20260321T130000Z\r\nDTEND:20260321T130030Z\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar, result = add_and_sync(profile, feeds.url("/minutely.ics"))
    assert result == "failed"
    assert calendar.last_error == ("The calendar has more than 5000 events in the next months, more than we can "
                                   "read. Is a repeating event set to repeat every minute?")


@pytest.mark.django_db(transaction=True)
def test_adding_a_calendar_syncs_it_through_the_task_after_commit(feeds, now, musician, eager_celery):
    profile = musician_services.profile_start(user=musician)
    calendar = services.calendar_add(profile=profile, url=feeds.url("/icloud.ics"))
    calendar.refresh_from_db()
    assert calendar.last_success_at == now and calendar.busy_count == 4


def test_the_address_never_reaches_the_logs(feeds, now, profile, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    add_and_sync(profile, feeds.url("/google.ics"))
    feeds.broken["/google.ics"] = "500"
    calendar = ImportedCalendar.objects.get()
    ImportedCalendar.objects.filter(pk=calendar.pk).update(last_changed_at=None)  # an unconditional fetch
    services.calendar_sync(calendar_id=calendar.pk)
    assert f"calendar {calendar.pk} sync failed" in caplog.text
    assert "google.ics" not in caplog.text and f"127.0.0.1:{feeds.port}" not in caplog.text
