"""Calendar feeds and .ics attachments, parsed back with the icalendar library."""

from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bookings import services
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db


def feed_url(client):
    return client.get("/api/calendar/").json()["url"]


def fetch(client, url):
    path = url.split("testserver", 1)[1]
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(cal):
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_feed_lists_accepted_bookings_in_the_venue_zone_with_vtimezone(now, client_for, api_client, producer, musician,
                                                                       profile):
    nashville = make_venue(producer, name="Ocean Way", time_zone="America/Chicago", latitude=36.1408, longitude=-86.7917)
    accepted = offer(producer, profile, venue=nashville, starts_at=datetime(2027, 6, 10, 19, 0),
                     ends_at=datetime(2027, 6, 10, 22, 0), brief_notes="Bring the Wurlitzer")
    services.booking_accept(booking_id=accepted.pk, actor=musician)
    offer(producer, profile, venue=nashville, starts_at=now + timedelta(days=20))  # only offered: not in the feed

    url = feed_url(client_for(musician))
    cal = fetch(api_client, url)  # no login: the secret URL is the credential
    assert str(cal["REFRESH-INTERVAL"].to_ical().decode()) == "PT1H"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    [event] = events(cal).values()
    assert str(event["UID"]) == f"booking-{accepted.pk}@127.0.0.1"
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    start = event.decoded("DTSTART")
    assert start == datetime(2027, 6, 10, 19, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert event.decoded("DTEND") - start == timedelta(hours=3)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 1
    assert "Ocean Way" in str(event["LOCATION"])
    assert "Bring the Wurlitzer" in str(event["DESCRIPTION"])
    assert f"/bookings/{accepted.pk}/" in str(event["DESCRIPTION"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]
    # The VTIMEZONE really describes Chicago's rules: the event converts back to the right instant.
    assert event.decoded("DTSTART").astimezone(ZoneInfo("UTC")) == accepted.starts_at


def test_producer_sees_the_same_event_in_their_feed(now, client_for, api_client, producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    musician_events = events(fetch(api_client, feed_url(client_for(musician))))
    producer_events = events(fetch(api_client, feed_url(client_for(producer))))
    assert musician_events.keys() == producer_events.keys() == {f"booking-{booking.pk}@127.0.0.1"}


def test_cancellation_keeps_the_uid_raises_sequence_and_marks_cancelled(now, client_for, api_client, producer, musician,
                                                                        profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    url = feed_url(client_for(musician))
    before = events(fetch(api_client, url))[f"booking-{booking.pk}@127.0.0.1"]
    services.booking_cancel(booking_id=booking.pk, actor=producer, reason="Moved")
    after = events(fetch(api_client, url))[f"booking-{booking.pk}@127.0.0.1"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["STATUS"]) == "CANCELLED"
    assert "CANCELLED: Moved" in str(after["DESCRIPTION"])


def test_feed_shows_only_the_users_own_bookings_and_is_empty_but_valid(now, client_for, api_client, producer, musician,
                                                                       profile, venue, make_user):
    other = make_user(musician=True)
    booking = offer(producer, make_profile(other), venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=other)
    cal = fetch(api_client, feed_url(client_for(musician)))
    assert events(cal) == {}
    assert str(cal["VERSION"]) == "2.0"


def test_rotating_the_token_revokes_the_old_url(now, client_for, api_client, musician):
    client = client_for(musician)
    old = feed_url(client)
    new = client.post("/api/calendar/rotate/").json()["url"]
    assert new != old
    assert api_client.get(old.split("testserver", 1)[1]).status_code == 404
    fetch(api_client, new)
    assert client.get("/api/calendar/").json()["url"] == new


def test_unknown_or_inactive_feed_is_404(now, client_for, api_client, musician):
    url = feed_url(client_for(musician))
    assert api_client.get("/calendar/not-a-token.ics").status_code == 404
    musician.is_active = False
    musician.save()
    assert api_client.get(url.split("testserver", 1)[1]).status_code == 404


def test_feed_records_fetches_without_writing_on_every_poll(now, client_for, api_client, musician, frozen_clock):
    url = feed_url(client_for(musician))
    fetch(api_client, url)
    feed = musician.calendar_feed
    feed.refresh_from_db()
    assert feed.last_fetched_at == now
    frozen_clock.advance(timedelta(seconds=30))
    fetch(api_client, url)
    feed.refresh_from_db()
    assert feed.last_fetched_at == now


def test_confirmation_email_carries_a_parseable_ics(now, producer, musician, profile, venue, settings):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    for user in (producer, musician):
        note = Notification.objects.get(recipient=user, kind="booking_accepted")
        [attachment] = note.attachments
        assert attachment["filename"] == f"gigbook-booking-{booking.pk}.ics"
        assert attachment["mimetype"] == "text/calendar; method=REQUEST"
        cal = icalendar.Calendar.from_ical(attachment["content"])
        assert str(cal["METHOD"]) == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert str(event["ORGANIZER"]) == f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
        assert sorted(str(a) for a in event["ATTENDEE"]) == sorted([f"mailto:{producer.email}", f"mailto:{musician.email}"])
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTSTART").astimezone(ZoneInfo("UTC")) == booking.starts_at


def test_remote_booking_event_has_no_venue(now, client_for, api_client, producer, musician, profile):
    booking = offer(producer, profile, starts_at=datetime(2027, 7, 1, 9), ends_at=datetime(2027, 7, 1, 11),
                    time_zone="Asia/Tokyo")
    services.booking_accept(booking_id=booking.pk, actor=musician)
    [event] = events(fetch(api_client, feed_url(client_for(musician)))).values()
    assert str(event["LOCATION"]) == "Remote recording"
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"


def test_confirmation_emails_really_go_out_with_the_ics(now, producer, musician, profile, venue, eager_celery,
                                                        django_capture_on_commit_callbacks):
    from django.core import mail

    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_accept(booking_id=booking.pk, actor=musician)
    confirmations = [m for m in mail.outbox if "Confirmed" in m.subject]
    assert sorted(m.to[0] for m in confirmations) == sorted([producer.email, musician.email])
    for message in confirmations:
        [(filename, content, mimetype)] = message.attachments
        assert filename.endswith(".ics") and mimetype == "text/calendar; method=REQUEST"
        [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == f"booking-{booking.pk}@127.0.0.1"


def test_a_kept_hold_is_tentative_in_the_feed_and_a_confirmed_one_becomes_the_booking(
        now, client_for, api_client, producer, musician, profile, venue):
    from bookings.models import Hold
    from tests.bookings.factories import pencil

    hold = pencil(producer, profile, venue=venue, starts_at=now + timedelta(days=5))
    requested_only = pencil(producer, profile, venue=venue, starts_at=now + timedelta(days=9))
    services.hold_accept(hold_id=hold.pk, actor=musician)
    url = feed_url(client_for(musician))
    [event] = events(fetch(api_client, url)).values()  # a requested hold is not on the calendar yet
    assert str(event["UID"]) == f"hold-{hold.pk}@127.0.0.1"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "1st hold" in str(event["SUMMARY"])
    assert event.decoded("DTSTART").astimezone(ZoneInfo("UTC")) == hold.starts_at
    assert requested_only.status == Hold.Status.REQUESTED

    services.hold_confirm(hold_id=hold.pk, actor=producer)
    hold.refresh_from_db()
    [event] = events(fetch(api_client, url)).values()
    assert (str(event["UID"]), str(event["STATUS"])) == (f"booking-{hold.booking_id}@127.0.0.1", "CONFIRMED")
