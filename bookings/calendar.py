"""iCalendar output for bookings: the per-user subscription feed and the .ics on booking emails.

Built with the ``icalendar`` library, read back in the tests by icalendar, vobject and the strict
``ical`` parser (docs/bookings.md, "Calendars"). Rules that keep every client on the right instant:

* Times are written in the booking's (venue's) zone with a TZID, except when the start or end falls
  in a fall-back night's repeated hour: RFC 5545 resolves such a TZID time to the *first* occurrence,
  so those events are written in UTC (``...Z``), which no client can misread. (A UTC instant never
  lands in a spring-forward gap, so a non-existent local time cannot arise.)
* The VTIMEZONEs are generated here from zoneinfo's own transitions (``zone_transitions``), one
  observance per kind of change, each onset as local time *before* the change: a yearly RRULE where
  the onsets follow one, else one RDATE per line.
  icalendar's ``Timezone.from_tzid`` writes spring-forward onsets in the new offset (an hour late
  for London, 30 minutes for Lord Howe), and comma-separated RDATEs that vobject reads as one date.
* UID never changes; SEQUENCE is the booking's ``sequence``, raised by every transition and by venue
  edits a calendar shows; LAST-MODIFIED is the booking's ``updated_at``.
* Emails carry iTIP: METHOD:REQUEST on confirmation, METHOD:CANCEL on cancellation (same UID,
  higher SEQUENCE), with GigBook's sender address as ORGANIZER so mail clients apply the update.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings

from bookings.fees import money_text
from bookings.models import Booking

PRODID = "-//GigBook//Bookings//EN"
REFRESH = timedelta(hours=1)
# The README promises reminders in the feed: the same lead times as the email/SMS reminders.
ALARMS = (timedelta(hours=24), timedelta(hours=2))


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "gigbook.invalid"


def event_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@{_host()}"


def booking_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.pk}/"


# --- Time zones ------------------------------------------------------------------------------------


def is_ambiguous(moment: datetime, zone: ZoneInfo) -> bool:
    """True if ``moment``'s wall-clock time in ``zone`` happens twice (or never): a TZID cannot name it."""
    local = moment.astimezone(zone)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


@dataclass(frozen=True)
class Transition:
    at: datetime  # the UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    name: str  # the abbreviation in force after the change
    daylight: bool  # DAYLIGHT (True) or STANDARD observance in a VTIMEZONE

    @property
    def local_onset(self) -> datetime:
        """RFC 5545 §3.6.5: an observance's DTSTART/RDATE is local time in the offset *before* it."""
        return (self.at + self.offset_from).replace(tzinfo=None)


_DAY = 86400
_SCAN_FLOOR = int(datetime(1900, 1, 1, tzinfo=UTC).timestamp())


def _state(zone: ZoneInfo, ts: int) -> tuple[timedelta, timedelta, str]:
    moment = datetime.fromtimestamp(ts, zone)
    return moment.utcoffset(), moment.dst(), moment.tzname()


def _change_at(zone: ZoneInfo, lo: int, hi: int) -> int:
    """The first second in (lo, hi] whose state differs from lo's (states at lo and hi differ)."""
    before = _state(zone, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _state(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def _daylight(dst_from: timedelta, dst_to: timedelta) -> bool:
    # zoneinfo follows tzdata's main format, where Europe/Dublin's winter is "daylight" time with a
    # negative save (Irish Standard Time is the summer). Calendar clients model DST as standard time
    # plus a positive save (Windows' time zones, Outlook), so we label as tzdata's "rearguard" format
    # does: a negative-save period is STANDARD and the period it gives way to is DAYLIGHT.
    # Only the labels differ; offsets and onsets are zoneinfo's exactly.
    if dst_to > timedelta(0):
        return True
    if dst_to < timedelta(0):
        return False
    return dst_from < timedelta(0)


def _transition(zone: ZoneInfo, ts: int) -> Transition:
    offset_from, dst_from, _ = _state(zone, ts - 1)
    offset_to, dst_to, name = _state(zone, ts)
    return Transition(datetime.fromtimestamp(ts, UTC), offset_from, offset_to, name, _daylight(dst_from, dst_to))


@lru_cache(maxsize=512)
def zone_transitions(tzid: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every change of offset, save or abbreviation in ``tzid`` from 1 Jan ``first_year`` to the end of
    ``last_year``, preceded by the last change before that window (the observance in force at its start).

    zoneinfo exposes no transition table (and the slim TZif files hold future rules only as a POSIX
    rule string it evaluates), so this asks zoneinfo itself: sample once a day, then bisect each
    changed day to the second. ~1.5k samples a year, a few ms, cached.
    """
    zone = ZoneInfo(tzid)
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    found: list[Transition] = []
    # The change in force at the window's start: step back a month at a time (zones can go decades
    # without one; never two changes within a month in the modern era).
    ts, here = start, _state(zone, start)
    while ts > _SCAN_FLOOR:
        earlier = max(ts - 30 * _DAY, _SCAN_FLOOR)
        if _state(zone, earlier) != here:
            found.append(_transition(zone, _change_at(zone, earlier, ts)))
            break
        ts = earlier
    ts, here = start, _state(zone, start)
    while ts < end:
        step = min(ts + _DAY, end)
        there = _state(zone, step)
        if there != here:
            found.append(_transition(zone, _change_at(zone, ts, step)))
        ts, here = step, there
    return tuple(found)


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _yearly_rule(changes: list[Transition], last_year: int) -> dict | None:
    """An RRULE giving these onsets ("last Sunday of March at 01:00"), or None if they follow none.

    Outlook turns a VTIMEZONE into a yearly rule and misreads RDATE-only ones (events in summer an
    hour off), so a pattern still in force at the window's end is written as an open-ended RRULE
    (as Google and Outlook write theirs). Not bounded with UNTIL: the strict ical parser cannot
    combine a local DTSTART with the UTC UNTIL that RFC 5545 requires there. A pattern that ended
    inside the window (a zone that dropped DST) stays a list of RDATEs.
    """
    onsets = [change.local_onset for change in changes]
    first = onsets[0]
    if len(onsets) < 2 or [o.year for o in onsets] != list(range(first.year, last_year + 1)):
        return None
    if any((o.month, o.time(), o.weekday()) != (first.month, first.time(), first.weekday()) for o in onsets):
        return None
    nth = {(o.day - 1) // 7 + 1 for o in onsets}
    from_end = {((o.replace(month=o.month % 12 + 1, day=1, year=o.year + o.month // 12) - timedelta(days=1)).day
                 - o.day) // 7 for o in onsets}
    # "Last Sunday" first: 25-28 March is also the 4th Sunday, but the rule (EU) is the last one, and a
    # client extending it should land on 31 March 2030, not the 24th.
    if from_end == {0}:
        position = -1
    elif len(nth) == 1 and min(nth) <= 4:
        position = min(nth)
    else:
        return None
    return {"freq": "YEARLY", "bymonth": first.month, "byday": f"{position}{_WEEKDAYS[first.weekday()]}"}


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The serialised VTIMEZONE for ``tzid``, exact for instants from ``first_year`` to ``last_year``.

    One observance per distinct (kind, offsets, name); its DTSTART is the first onset, the rest
    follow from a yearly RRULE when they fit one, else each onset is an RDATE line of its own.
    Cached as bytes and spliced in: serialising folds many lines.
    """
    component = icalendar.Timezone()
    component.add("tzid", tzid)
    # One year more than the events need: a booking's single spring change is then one of two, and
    # the yearly pattern (hence an RRULE Outlook can read) is recognisable.
    last_year += 1
    transitions = zone_transitions(tzid, first_year, last_year)
    if not transitions:
        # No change since 1900 (UTC, Etc/*): one observance from the epoch, offset unchanged.
        moment = datetime(first_year, 1, 1, tzinfo=ZoneInfo(tzid))
        offset = moment.utcoffset()
        transitions = (Transition(datetime(1970, 1, 1, tzinfo=UTC) - offset, offset, offset, moment.tzname(),
                                  _daylight(timedelta(0), moment.dst())),)
    groups: dict[tuple, list[Transition]] = {}
    for change in transitions:
        groups.setdefault((change.daylight, change.offset_from, change.offset_to, change.name), []).append(change)
    for (daylight, offset_from, offset_to, name), changes in sorted(groups.items(), key=lambda item: item[1][0].at):
        observance = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        observance.add("dtstart", changes[0].local_onset)
        rule = _yearly_rule(changes, last_year)
        if rule is not None:
            observance.add("rrule", rule)
        else:
            for change in changes:
                # One RDATE per line: vobject reads only the first date of a comma-separated list.
                # The first onset is repeated as an RDATE (RFC 5545 counts it once): the ical parser
                # (Home Assistant's) expands an observance without RRULE from its RDATEs only.
                observance.add("rdate", change.local_onset)
        observance.add("tzname", name)
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        component.add_component(observance)
    return component.to_ical()


# --- Events ------------------------------------------------------------------------------------------


def _local_text(moment: datetime, zone: ZoneInfo) -> str:
    # With the abbreviation (BST/GMT), so a time in a repeated hour is still unambiguous to a reader.
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


def when_text(booking: Booking) -> str:
    zone = booking.zone
    return (f"{_local_text(booking.starts_at, zone)} – {_local_text(booking.ends_at, zone)} "
            f"({booking.time_zone})")


def _description(booking: Booking, *, for_user) -> str:
    other = booking.musician if for_user is not None and for_user.pk == booking.producer_id else booking.producer
    lines = [
        f"{booking.get_kind_display()} · {booking.instrument.name}",
        f"When: {when_text(booking)}",
        f"With: {other.greeting_name}",
    ]
    if booking.brief_style:
        lines.append(f"Style: {booking.brief_style}")
    lines.append(f"Approach: {booking.get_brief_approach_display()}")
    if booking.brief_references:
        lines.append(f"References: {booking.brief_references}")
    if booking.brief_notes:
        lines.append(f"Notes: {booking.brief_notes}")
    if booking.venue_id and booking.venue.notes:
        lines.append(f"Venue notes: {booking.venue.notes}")
    lines.append(f"Fee: {money_text(booking.fee_total, booking.currency)}")
    if booking.status == Booking.Status.CANCELLED:
        lines.insert(0, f"CANCELLED: {booking.cancel_reason}")
    lines.append(f"Details: {booking_url(booking)}")
    return "\n".join(lines)


def _times(booking: Booking) -> tuple[datetime, datetime]:
    zone = booking.zone
    if is_ambiguous(booking.starts_at, zone) or is_ambiguous(booking.ends_at, zone):
        return booking.starts_at.astimezone(UTC), booking.ends_at.astimezone(UTC)
    return booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)


def _address(user) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = user.greeting_name
    return address


def _itip_parties(event: icalendar.Event, booking: Booking) -> None:
    # GigBook sends the message, so GigBook is the organizer (clients apply REQUEST/CANCEL only from
    # the organizer's address); both parties are attendees who have already said yes.
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{email}")
    organizer.params["CN"] = name or "GigBook"
    event.add("organizer", organizer)
    for user in (booking.producer, booking.musician):
        attendee = _address(user)
        attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE",
                                "CUTYPE": "INDIVIDUAL"})
        event.add("attendee", attendee)


def booking_event(booking: Booking, *, for_user=None, stamp: datetime, itip: bool = False,
                  alarms: bool = False) -> icalendar.Event:
    cancelled = booking.status == Booking.Status.CANCELLED
    starts, ends = _times(booking)
    event = icalendar.Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("created", booking.created_at.astimezone(UTC))
    event.add("last-modified", booking.updated_at.astimezone(UTC))
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", f"{booking.instrument.name}: {booking.summary}")
    event.add("description", _description(booking, for_user=for_user))
    event.add("url", booking_url(booking))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if booking.venue_id:
        venue = booking.venue
        event.add("location", f"{venue.name}, {venue.address}")
        if venue.latitude is not None and venue.longitude is not None:
            event.add("geo", (venue.latitude, venue.longitude))
    else:
        event.add("location", "Remote recording")
    if itip:
        _itip_parties(event, booking)
    if alarms and not cancelled:
        for before in ALARMS:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{booking.instrument.name}: {booking.summary}")
            alarm.add("trigger", -before)  # relative to DTSTART
            event.add_component(alarm)
    return event


def _calendar(name: str, method: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    return cal


def _finish(cal: icalendar.Calendar, bookings: list[Booking]) -> bytes:
    body = cal.to_ical()
    # VTIMEZONEs only for zones an event names by TZID (UTC-written events need none), covering the
    # years the events span, placed before the events that use them.
    # icalendar writes UTC-like zones (UTC, Etc/UTC) with Z too; ask it which TZIDs it wrote.
    tzids = sorted(cal.get_missing_tzids())
    zoned = [b for b in bookings if b.time_zone in tzids]
    if not zoned:
        return body
    first_year = min(b.starts_at for b in zoned).year
    last_year = max(b.ends_at for b in zoned).year
    zones = b"".join(vtimezone(tzid, first_year, last_year) for tzid in tzids)
    at = body.find(b"BEGIN:VEVENT\r\n")
    return body[:at] + zones + body[at:]


def hold_event(hold, *, for_user, stamp: datetime) -> icalendar.Event:
    """A hold (pencil) the musician keeps: STATUS:TENTATIVE, its own UID, busy but not booked.

    When the hold is confirmed it leaves the feed and the booking's CONFIRMED event takes its place.
    """
    starts, ends = _times(hold)
    event = icalendar.Event()
    event.add("uid", f"hold-{hold.pk}@{_host()}")
    event.add("sequence", hold.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("created", hold.created_at.astimezone(UTC))
    event.add("last-modified", hold.updated_at.astimezone(UTC))
    event.add("dtstart", starts)
    event.add("dtend", ends)
    other = hold.musician if for_user.pk == hold.producer_id else hold.producer
    event.add("summary", f"Pencilled ({hold.rank_label}): {hold.instrument.name} with {other.greeting_name}")
    zone = hold.zone
    event.add("description", "\n".join([
        f"{hold.rank_label} from {hold.producer.greeting_name}, not confirmed yet.",
        f"When: {_local_text(hold.starts_at, zone)} – {_local_text(hold.ends_at, zone)} ({hold.time_zone})",
        f"Lapses: {_local_text(hold.expires_at, zone)} unless confirmed.",
        f"Details: {settings.SITE_URL}/holds/",
    ]))
    event.add("status", "TENTATIVE")
    event.add("transp", "OPAQUE")
    event.add("location", f"{hold.venue.name}, {hold.venue.address}" if hold.venue_id else "Remote recording")
    return event


def feed_ics(bookings: Iterable[Booking], *, user, stamp: datetime, holds: Iterable = ()) -> bytes:
    """The user's subscription feed: accepted, completed and (recently) cancelled bookings, with alarms,
    and the holds (pencils) kept on their time as TENTATIVE events."""
    cal = _calendar(f"GigBook – {user.greeting_name}", "PUBLISH")
    # Calendar apps poll subscriptions on their own schedule; these ask for hourly refreshes.
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    items = list(bookings)
    for booking in items:
        cal.add_component(booking_event(booking, for_user=user, stamp=stamp, alarms=True))
    pencils = list(holds)
    for hold in pencils:
        cal.add_component(hold_event(hold, for_user=user, stamp=stamp))
    return _finish(cal, items + pencils)


def booking_ics_method(booking: Booking) -> str:
    """The iTIP method of a booking's email .ics: CANCEL once cancelled, else REQUEST (add or update)."""
    return "CANCEL" if booking.status == Booking.Status.CANCELLED else "REQUEST"


def booking_ics(booking: Booking, *, for_user=None, stamp: datetime, itip: bool = True) -> str:
    """One booking as a one-event calendar.

    ``itip``: an iTIP message for an email attachment (send it as ``text/calendar; method=<method>``).
    Otherwise a plain entry (METHOD:PUBLISH, with the alarms) for an "Add to calendar" download: a
    downloaded REQUEST would make calendar apps treat it as an invitation to answer.
    """
    if not itip:
        cal = _calendar("GigBook booking", "PUBLISH")
        cal.add_component(booking_event(booking, for_user=for_user, stamp=stamp, alarms=True))
        return _finish(cal, [booking]).decode()
    cal = _calendar("GigBook booking", booking_ics_method(booking))
    cal.add_component(booking_event(booking, for_user=for_user, stamp=stamp, itip=True))
    return _finish(cal, [booking]).decode()

