"""Calendar times across DST, read back by parsers we did not write.

The feed and the email .ics are read with icalendar, vobject, the strict ``ical`` parser,
recurring-ical-events, icalevents and dateutil's VTIMEZONE reader; every reading must give each
booking's own UTC start and end. The same files are also read with every TZID renamed to a name no
tz database knows, so the parsers must use the file's own VTIMEZONEs (as Outlook does). Separately,
every VTIMEZONE onset is compared with the transitions zoneinfo shows when scanned minute by minute.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from dateutil import rrule as dateutil_rrule
from dateutil import tz as dateutil_tz
from ical.calendar_stream import IcsCalendarStream

from bookings import services
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = pytest.mark.django_db

U = UTC

# (zone, start, end) in UTC; each one a night or a week where the clocks change, or a year later
# (so a VTIMEZONE's later onsets are exercised, not only its first).
CASES = {
    # Ends 01:30 GMT on the fall-back night: the *second* 01:30 (the first is 00:30 UTC).
    "london-fall-back": ("Europe/London", datetime(2027, 10, 30, 22, 0, tzinfo=U), datetime(2027, 10, 31, 1, 30, tzinfo=U)),
    # Starts 01:20-05:00, the second 01:20 of 7 Nov 2027 in New York.
    "new-york-fall-back": ("America/New_York", datetime(2027, 11, 7, 6, 20, tzinfo=U), datetime(2027, 11, 7, 9, 0, tzinfo=U)),
    # 00:30 GMT to 03:30 BST across the skipped hour.
    "london-spring": ("Europe/London", datetime(2028, 3, 26, 0, 30, tzinfo=U), datetime(2028, 3, 26, 2, 30, tzinfo=U)),
    "london-summer-2029": ("Europe/London", datetime(2029, 5, 3, 9, 0, tzinfo=U), datetime(2029, 5, 3, 12, 0, tzinfo=U)),
    # 01:30 PST to 04:00 PDT; and a 09:00 PDT session two years on (read as 17:00 UTC before).
    "la-spring": ("America/Los_Angeles", datetime(2028, 3, 12, 9, 30, tzinfo=U), datetime(2028, 3, 12, 11, 0, tzinfo=U)),
    # The first hour after a spring change: 03:20 PDT (a VTIMEZONE with a late onset reads it as PST).
    "la-after-spring": ("America/Los_Angeles", datetime(2028, 3, 12, 10, 20, tzinfo=U), datetime(2028, 3, 12, 12, 0, tzinfo=U)),
    "la-summer-2029": ("America/Los_Angeles", datetime(2029, 5, 10, 16, 0, tzinfo=U), datetime(2029, 5, 10, 19, 0, tzinfo=U)),
    # Lord Howe moves 30 minutes: 01:45 +1030 to 03:00 +11 across the skipped half hour (3 Oct 2027)...
    "lord-howe-spring": ("Australia/Lord_Howe", datetime(2027, 10, 2, 15, 15, tzinfo=U), datetime(2027, 10, 2, 16, 0, tzinfo=U)),
    "lord-howe-after-spring": ("Australia/Lord_Howe", datetime(2027, 10, 2, 15, 40, tzinfo=U), datetime(2027, 10, 2, 17, 0, tzinfo=U)),
    # ...and both occurrences of 01:40 on 2 Apr 2028 (+11 first, +1030 second).
    "lord-howe-first-0140": ("Australia/Lord_Howe", datetime(2028, 4, 1, 14, 40, tzinfo=U), datetime(2028, 4, 1, 14, 55, tzinfo=U)),
    "lord-howe-second-0140": ("Australia/Lord_Howe", datetime(2028, 4, 1, 15, 10, tzinfo=U), datetime(2028, 4, 1, 17, 0, tzinfo=U)),
    "lord-howe-winter": ("Australia/Lord_Howe", datetime(2028, 7, 1, 8, 0, tzinfo=U), datetime(2028, 7, 1, 10, 0, tzinfo=U)),
    # Dublin (tzdata: negative DST in winter): 01:40 IST (first) to 01:20 GMT (second) on the fall-back night,
    # a winter evening and a summer evening.
    "dublin-fall-back": ("Europe/Dublin", datetime(2027, 10, 31, 0, 40, tzinfo=U), datetime(2027, 10, 31, 1, 20, tzinfo=U)),
    "dublin-winter": ("Europe/Dublin", datetime(2027, 12, 10, 19, 0, tzinfo=U), datetime(2027, 12, 10, 22, 0, tzinfo=U)),
    "dublin-summer": ("Europe/Dublin", datetime(2028, 7, 1, 18, 0, tzinfo=U), datetime(2028, 7, 1, 21, 0, tzinfo=U)),
}


@pytest.fixture
def gigs(now, producer, make_user):
    """One accepted booking per case, each with its own musician (some cases overlap in time)."""
    made = {}
    venues = {}
    for label, (zone, starts, ends) in CASES.items():
        if zone not in venues:
            venues[zone] = make_venue(producer, name=f"Studio {zone.split('/')[-1]}", time_zone=zone)
        player = make_user(musician=True, full_name=f"Player {label}")
        booking = offer(producer, make_profile(player), venue=venues[zone], starts_at=starts,
                        hours=(ends - starts).total_seconds() / 3600, ends_at=ends)
        made[label] = services.booking_accept(booking_id=booking.pk, actor=player)
    return made


# --- Readers -------------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    assert isinstance(value, datetime) and value.tzinfo is not None, value
    return value.astimezone(UTC)


def read_icalendar(text: str) -> dict[str, tuple]:
    cal = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): (_utc(e.decoded("DTSTART")), _utc(e.decoded("DTEND"))) for e in cal.walk("VEVENT")}


def read_own_vtimezones(text: str) -> dict[str, tuple]:
    """Local times resolved only through the file's VTIMEZONEs, never through a tz database: by
    dateutil's VTIMEZONE reader and by the onsets read as RFC 5545 defines them; both must agree."""
    cal = icalendar.Calendar.from_ical(text)
    by_dateutil = {str(tz["TZID"]): dateutil_tz.tzical(io.StringIO(tz.to_ical().decode())).get()
                   for tz in cal.walk("VTIMEZONE")}
    onsets = {str(tz["TZID"]): sorted(vtimezone_onsets(tz, datetime(2100, 1, 1, tzinfo=UTC)))
              for tz in cal.walk("VTIMEZONE")}

    def by_onsets(local: datetime, tzid: str) -> datetime:
        # The instant whose offset in force (that of the latest onset at or before it) is the offset
        # used to reach it from the local time; exactly one for a time that exists once.
        fits = []
        for offset in {offset_to for _, _, offset_to in onsets[tzid]}:
            instant = (local - offset).replace(tzinfo=UTC)
            in_force = [to for at, _, to in onsets[tzid] if at <= instant]
            if in_force and in_force[-1] == offset:
                fits.append(instant)
        assert len(fits) == 1, (tzid, local, fits)
        return fits[0]

    def instant(prop):
        tzid = prop.params.get("TZID")
        if tzid is None:
            return _utc(prop.dt)  # written in UTC
        local = prop.dt.replace(tzinfo=None)
        found = by_onsets(local, tzid)
        assert local.replace(tzinfo=by_dateutil[tzid]).astimezone(UTC) == found, (tzid, local)
        return found

    return {str(e["UID"]): (instant(e["DTSTART"]), instant(e["DTEND"])) for e in cal.walk("VEVENT")}


def read_vobject(text: str) -> dict[str, tuple]:
    cal = vobject.readOne(text)
    return {e.uid.value: (_utc(e.dtstart.value), _utc(e.dtend.value)) for e in cal.vevent_list}


def read_ical(text: str) -> dict[str, tuple]:
    cal = IcsCalendarStream.calendar_from_ics(text)  # the strict RFC 5545 parser (Home Assistant's)
    return {e.uid: (_utc(e.dtstart), _utc(e.dtend)) for e in cal.events}


def read_recurring_ical_events(text: str) -> dict[str, tuple]:
    cal = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(cal).between(datetime(2000, 1, 1), datetime(2100, 1, 1))
    return {str(e["UID"]): (_utc(e["DTSTART"].dt), _utc(e["DTEND"].dt)) for e in found}


def read_icalevents(text: str) -> dict[str, tuple]:
    # icalevents switches icalendar to pytz when imported (process-wide); give it pytz for its own
    # call only, so nothing else in the test run reads calendars through pytz.
    from icalevents import icalevents

    icalendar.use_pytz()
    try:
        found = icalevents.events(string_content=text, start=datetime(2000, 1, 1, tzinfo=UTC),
                                  end=datetime(2100, 1, 1, tzinfo=UTC))
    finally:
        icalendar.use_zoneinfo()
    return {e.uid: (_utc(e.start), _utc(e.end)) for e in found}


READERS = {
    "icalendar": read_icalendar,
    "own-vtimezones": read_own_vtimezones,
    "vobject": read_vobject,
    "ical": read_ical,
    "recurring-ical-events": read_recurring_ical_events,
    "icalevents": read_icalevents,
}


def unknown_tzids(text: str) -> str:
    """The same calendar with every TZID renamed to one no tz database has, so a parser can only use
    the file's own VTIMEZONEs."""
    tzids = sorted(set(re.findall(r"^TZID:(.+?)\r$", text, flags=re.M)))
    for n, tzid in enumerate(tzids):
        text = text.replace(f"TZID:{tzid}\r\n", f"TZID:GigBook-Zone-{n}\r\n")
        text = text.replace(f"TZID={tzid}:", f"TZID=GigBook-Zone-{n}:")
    assert not tzids or "GigBook-Zone-0" in text
    return text


def assert_every_reader_gets_the_booked_instants(text: str, expected: dict[str, tuple]) -> None:
    for variant, content in (("as written", text), ("unknown TZIDs", unknown_tzids(text))):
        for name, read in READERS.items():
            if variant == "unknown TZIDs" and name == "vobject":
                # vobject drops a VTIMEZONE whose offsets equal UTC's over 2000-2020 (its fixed
                # comparison window) and leaves the times naive: our London/Dublin VTIMEZONEs start
                # at the events' years, so a renamed one looks like UTC there. With real TZIDs it
                # resolves them itself (read above).
                continue
            got = read(content)
            assert got == expected, (variant, name, {k: (v, expected.get(k)) for k, v in got.items()
                                                     if v != expected.get(k)})


def expected_instants(bookings) -> dict[str, tuple]:
    return {f"booking-{b.pk}@127.0.0.1": (b.starts_at, b.ends_at) for b in bookings}


def feed_text(client_for, api_client, user) -> str:
    url = client_for(user).get("/api/calendar/").json()["url"]
    response = api_client.get(url.split("testserver", 1)[1])
    assert response.status_code == 200
    return response.content.decode()


def email_ics(user, booking, kind="booking_accepted") -> tuple[str, str]:
    note = Notification.objects.get(recipient=user, kind=kind, url=f"/bookings/{booking.pk}/")
    [attachment] = note.attachments
    return attachment["content"], attachment["mimetype"]


# --- Instants --------------------------------------------------------------------------------------------


def test_feed_gives_every_parser_the_booked_utc_times_across_dst(gigs, client_for, api_client, producer):
    text = feed_text(client_for, api_client, producer)
    assert_every_reader_gets_the_booked_instants(text, expected_instants(gigs.values()))


def test_email_ics_gives_every_parser_the_booked_utc_times_across_dst(gigs):
    for booking in gigs.values():
        for user in (booking.producer, booking.musician):
            text, _ = email_ics(user, booking)
            assert_every_reader_gets_the_booked_instants(text, expected_instants([booking]))


def test_times_in_a_repeated_hour_are_written_in_utc_and_others_in_the_venue_zone(gigs, client_for, api_client,
                                                                                  producer):
    cal = icalendar.Calendar.from_ical(feed_text(client_for, api_client, producer))
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    repeated = {"london-fall-back", "new-york-fall-back", "lord-howe-first-0140", "lord-howe-second-0140",
                "dublin-fall-back"}
    for label, booking in gigs.items():
        event = events[f"booking-{booking.pk}@127.0.0.1"]
        for prop in ("DTSTART", "DTEND"):
            if label in repeated:
                assert event[prop].to_ical().endswith(b"Z") and "TZID" not in event[prop].params, (label, prop)
            else:
                assert event[prop].params["TZID"] == booking.time_zone, (label, prop)
        # The reader still sees the venue's zone and the abbreviation that tells the two 01:30s apart.
        assert f"({booking.time_zone})" in str(event["DESCRIPTION"])
    london = events[f"booking-{gigs['london-fall-back'].pk}@127.0.0.1"]
    assert "When: Sat 30 Oct 2027 23:00 BST – Sun 31 Oct 2027 01:30 GMT (Europe/London)" in str(london["DESCRIPTION"])


# --- VTIMEZONE against tzdata ------------------------------------------------------------------------------


def zoneinfo_transitions(tzid: str, start: datetime, end: datetime) -> set[tuple]:
    """(UTC instant, offset before, offset after) of every change in [start, end], found by sampling
    zoneinfo every 3 hours and walking each changed stretch minute by minute."""
    zone = ZoneInfo(tzid)
    step = timedelta(hours=3)

    def state(moment):
        local = moment.astimezone(zone)
        return local.utcoffset(), local.tzname()

    found = set()
    moment, here = start - step, state(start - step)
    while moment <= end:
        later = moment + step
        there = state(later)
        if there != here:
            minute, before = moment, here
            while minute < later:
                after = state(minute + timedelta(minutes=1))
                if after != before:
                    found.add((minute + timedelta(minutes=1), before[0], after[0]))
                minute, before = minute + timedelta(minutes=1), after
        moment, here = later, there
    return found


def vtimezone_onsets(component, until: datetime) -> dict[tuple, tuple[str, str]]:
    """{(UTC onset, offset from, offset to): (kind, name)} of a VTIMEZONE, read with icalendar's raw values
    (a yearly RRULE expanded with dateutil up to ``until``)."""
    onsets = {}
    for observance in component.subcomponents:
        offset_from = observance["TZOFFSETFROM"].td
        offset_to = observance["TZOFFSETTO"].td
        start = observance["DTSTART"].dt
        locals_ = {start}  # RFC 5545: an RDATE equal to DTSTART is the same onset
        rdates = observance.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            locals_.update(period.dt for period in rdate.dts)
        if "RRULE" in observance:
            rule = observance["RRULE"].to_ical().decode()
            for local in dateutil_rrule.rrulestr(rule, dtstart=start):
                if local - offset_from > until.replace(tzinfo=None):
                    break
                locals_.add(local)
        for local in sorted(locals_):
            assert local.tzinfo is None  # RFC 5545: local time, no TZID, no Z
            key = ((local - offset_from).replace(tzinfo=UTC), offset_from, offset_to)
            assert key not in onsets
            onsets[key] = (observance.name, str(observance["TZNAME"]))
    return onsets


def check_vtimezones(text: str, bookings) -> set[str]:
    cal = icalendar.Calendar.from_ical(text)
    # One date per RDATE line (vobject reads only the first of a comma-separated list).
    assert not [line for line in text.split("\r\n") if line.startswith("RDATE") and "," in line]
    checked = set()
    for component in cal.walk("VTIMEZONE"):
        tzid = str(component["TZID"])
        last_event = max(b.ends_at for b in bookings if b.time_zone == tzid)
        # Up to the last event or the last listed onset, whichever is later (RRULEs are open-ended).
        bound = max(max(vtimezone_onsets(component, last_event))[0], last_event)
        onsets = vtimezone_onsets(component, bound)
        first = min(onsets)[0]
        if len(onsets) == 1 and min(onsets)[1] == min(onsets)[2]:
            # A zone with no change since 1900 gets one observance with an unchanged offset, no onset.
            onsets = {}
        assert first <= min(b.starts_at for b in bookings if b.time_zone == tzid)
        expected = zoneinfo_transitions(tzid, first, bound)
        assert set(onsets) == expected, (tzid, sorted(set(onsets) ^ expected))
        zone = ZoneInfo(tzid)
        for (at, _, offset_to), (kind, name) in onsets.items():
            after = at.astimezone(zone)
            assert (after.utcoffset(), after.tzname()) == (offset_to, name), (tzid, at)
            # DAYLIGHT where zoneinfo's save is positive; Dublin's negative winter save is written as
            # STANDARD, so its summer (save 0 next to a negative one) is DAYLIGHT (docs/bookings.md).
            daylight = after.dst() > timedelta(0) or (tzid == "Europe/Dublin" and after.dst() == timedelta(0))
            assert kind == ("DAYLIGHT" if daylight else "STANDARD"), (tzid, at, kind)
        checked.add(tzid)
    return checked


def test_feed_vtimezone_onsets_equal_tzdata_transitions(gigs, client_for, api_client, producer):
    text = feed_text(client_for, api_client, producer)
    checked = check_vtimezones(text, list(gigs.values()))
    # Every zone that has an event written with a TZID is covered (the repeated-hour ones are UTC).
    assert checked == {"Europe/London", "America/Los_Angeles", "Australia/Lord_Howe", "Europe/Dublin"}
    # The onsets the issue found late: London springs forward at 01:00 UTC, Lord Howe at 15:30 UTC.
    # London's summer time as its rule (Outlook reads VTIMEZONEs as yearly rules, not RDATEs).
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in text


def test_email_vtimezone_onsets_equal_tzdata_transitions(gigs):
    for booking in gigs.values():
        text, _ = email_ics(booking.musician, booking)
        assert check_vtimezones(text, [booking]) <= {booking.time_zone}


@pytest.mark.parametrize(("zone", "offset"), [("Asia/Kolkata", timedelta(hours=5, minutes=30)),
                                              ("Etc/GMT-3", timedelta(hours=3)), ("UTC", None)])
def test_zone_without_recent_changes_gets_one_valid_observance(now, client_for, api_client, producer, musician,
                                                               profile, zone, offset):
    # Kolkata last changed in 1945; Etc/GMT-3 never did; UTC is written with Z and needs no VTIMEZONE.
    booking = offer(producer, profile, starts_at=datetime(2027, 7, 1, 9, tzinfo=U), time_zone=zone)
    services.booking_accept(booking_id=booking.pk, actor=musician)
    text = feed_text(client_for, api_client, musician)
    assert_every_reader_gets_the_booked_instants(text, expected_instants([booking]))
    if offset is None:
        assert "BEGIN:VTIMEZONE" not in text and "DTSTART:20270701T090000Z" in text
        return
    [component] = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    assert [o["TZOFFSETTO"].td for o in component.subcomponents] == [offset]
    check_vtimezones(text, [booking])


# --- Changes, cancellation, alarms, money -------------------------------------------------------------------


def _event(text: str, booking):
    [event] = [e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
               if str(e["UID"]) == f"booking-{booking.pk}@127.0.0.1"]
    return event


def test_venue_edit_after_acceptance_raises_sequence_and_sends_an_update(now, frozen_clock, client_for, api_client,
                                                                         producer, musician, profile, venue):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    before = _event(feed_text(client_for, api_client, musician), booking)
    assert before.decoded("LAST-MODIFIED") == now
    assert before.decoded("DTSTAMP") == now

    edited_at = frozen_clock.advance(timedelta(hours=5))
    services.venue_update(owner=producer, venue_id=venue.pk, name="Abbey Road Studio 3", address="5 Abbey Road")
    after = _event(feed_text(client_for, api_client, musician), booking)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert str(after["LOCATION"]) == "Abbey Road Studio 3, 5 Abbey Road"
    assert after.decoded("LAST-MODIFIED") == edited_at
    for user in (producer, musician):
        text, mimetype = email_ics(user, booking, kind="booking_venue_changed")
        assert mimetype == "text/calendar; method=REQUEST"
        update = _event(text, booking)
        assert int(update["SEQUENCE"]) == int(after["SEQUENCE"])
        assert str(update["LOCATION"]) == "Abbey Road Studio 3, 5 Abbey Road"

    # A field no calendar shows changes nothing there.
    services.venue_update(owner=producer, venue_id=venue.pk, city="Westminster")
    assert int(_event(feed_text(client_for, api_client, musician), booking)["SEQUENCE"]) == int(after["SEQUENCE"])


def test_cancellation_email_is_an_itip_cancel_with_the_same_uid_and_a_higher_sequence(
        now, producer, musician, profile, venue, settings, eager_celery, django_capture_on_commit_callbacks):
    from django.core import mail

    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    request = _event(email_ics(musician, booking)[0], booking)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking_id=booking.pk, actor=producer, reason="Studio flooded")
    cancellations = [m for m in mail.outbox if "Cancelled" in m.subject]
    assert sorted(m.to[0] for m in cancellations) == sorted([producer.email, musician.email])
    for message in cancellations:
        [part] = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "CANCEL"
        text = part.get_content()
        for name, read in READERS.items():
            assert read(text) == expected_instants([booking]), name
        cal = icalendar.Calendar.from_ical(text)
        assert str(cal["METHOD"]) == "CANCEL"
        cancel = _event(text, booking)
        assert str(cancel["UID"]) == str(request["UID"])
        assert int(cancel["SEQUENCE"]) > int(request["SEQUENCE"])
        assert str(cancel["STATUS"]) == "CANCELLED"
        assert str(cancel["ORGANIZER"]) == f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
        assert str(cancel["ORGANIZER"]) == str(request["ORGANIZER"])
        assert {str(a) for a in cancel["ATTENDEE"]} == {f"mailto:{producer.email}", f"mailto:{musician.email}"}
        # The strict parser accepts the iTIP message as a whole.
        assert IcsCalendarStream.calendar_from_ics(text).events[0].status == "CANCELLED"


def test_feed_events_carry_display_alarms_24h_and_2h_before_unless_cancelled(now, client_for, api_client, producer,
                                                                             musician, profile, venue, make_user):
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    other = make_user(musician=True)
    dropped = offer(producer, make_profile(other), venue=venue, starts_at=now + timedelta(days=4))
    services.booking_accept(booking_id=dropped.pk, actor=other)
    services.booking_cancel(booking_id=dropped.pk, actor=producer, reason="Budget cut")
    text = feed_text(client_for, api_client, producer)
    alarms = _event(text, booking).walk("VALARM")
    assert [(str(a["ACTION"]), a.decoded("TRIGGER")) for a in alarms] == [
        ("DISPLAY", -timedelta(hours=24)), ("DISPLAY", -timedelta(hours=2))]
    assert all(str(a["DESCRIPTION"]) for a in alarms)
    assert _event(text, dropped).walk("VALARM") == []
    # The strict parser reads the alarms too.
    [strict] = [e for e in IcsCalendarStream.calendar_from_ics(text).events if e.uid == f"booking-{booking.pk}@127.0.0.1"]
    assert sorted(a.trigger for a in strict.alarm) == [-timedelta(hours=24), -timedelta(hours=2)]


@pytest.mark.parametrize(("currency", "shown"), [("GBP", "Fee: £"), ("JPY", "Fee: ¥")])
def test_description_shows_the_fee_in_the_currency_minor_units(now, client_for, api_client, producer, musician,
                                                               make_user, venue, currency, shown):
    profile = make_profile(musician, currency=currency)
    booking = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.booking_accept(booking_id=booking.pk, actor=musician)
    booking.refresh_from_db()
    description = str(_event(feed_text(client_for, api_client, musician), booking)["DESCRIPTION"])
    [fee_line] = [line for line in description.splitlines() if line.startswith("Fee: ")]
    assert fee_line.startswith(shown)
    digits = fee_line.removeprefix(shown).replace(",", "")
    decimals = 0 if currency == "JPY" else 2
    assert digits == f"{booking.fee_total:.{decimals}f}"


@pytest.mark.parametrize(("tzid", "first_year", "last_year"), [
    ("Europe/London", 2027, 2027), ("America/New_York", 2026, 2030), ("Australia/Lord_Howe", 2026, 2030),
    ("Europe/Dublin", 2026, 2030), ("America/Sao_Paulo", 2017, 2021),  # Brazil dropped DST in 2019
    ("Africa/Casablanca", 2026, 2028),  # Ramadan changes: no yearly rule, RDATEs only
    ("Asia/Tehran", 2021, 2024), ("Pacific/Chatham", 2027, 2028),  # DST dropped 2022; +1245/+1345
])
def test_generated_vtimezone_onsets_equal_zoneinfo_for_awkward_zones(tzid, first_year, last_year):
    from bookings.calendar import vtimezone

    text = vtimezone(tzid, first_year, last_year).decode()
    [component] = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{text}END:VCALENDAR\r\n").walk("VTIMEZONE")
    bound = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    onsets = vtimezone_onsets(component, bound)
    first = min(onsets)[0]
    assert first < datetime(first_year, 1, 1, tzinfo=UTC)  # the change in force when the window opens
    bound = max(max(onsets)[0], bound)
    assert set(vtimezone_onsets(component, bound)) == zoneinfo_transitions(tzid, first, bound)
    # A rule that stopped inside the window is never written as an open-ended RRULE.
    if tzid in {"America/Sao_Paulo", "Asia/Tehran", "Africa/Casablanca"}:
        assert "RRULE" not in text
    else:
        assert text.count("RRULE:FREQ=YEARLY") == 2


def test_add_to_calendar_download_is_a_plain_entry_not_an_invitation(gigs, api_client):
    from bookings.phone import event_ics_path

    booking = gigs["london-fall-back"]  # ends in the repeated hour
    response = api_client.get(event_ics_path(booking))
    assert response.status_code == 200
    text = response.content.decode()
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["METHOD"]) == "PUBLISH"
    event = _event(text, booking)
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    assert len(event.walk("VALARM")) == 2
    assert_every_reader_gets_the_booked_instants(text, expected_instants([booking]))


def test_a_venue_change_is_a_confirmation_kind_of_message():
    from gigbook.notifications.preferences import kind_group

    # People who want confirmations by email (with their .ics) get the update the same way.
    assert kind_group("booking_venue_changed") == kind_group("booking_accepted") == "confirmations"
