"""Demo studios, venues and bookings in every state. Idempotent: each demo booking has a fixed title.

Runs after the accounts and musicians seeders. The open offer from producer@gigbook.test to
musician@gigbook.test goes through ``booking_offer`` so it arrives like a real one (inbox entry
and phone link); the rest are written directly with back-dated history, because the services
rightly refuse to create bookings in the past.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from bookings import fees, services
from bookings.models import Booking, BookingEvent, Hold, Venue
from bookings.services import offers
from bookings.services import terms as offer_terms
from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import DomainError
from musicians.models import BusyInterval, Instrument, MusicianProfile

VENUES = [
    # owner, name, address, city, lat, lng, zone, notes
    ("producer@gigbook.test", "Abbey Road Studio 2", "3 Abbey Road, London NW8 9AY", "London", 51.5320, -0.1780,
     "Europe/London", "No parking on site; load-in via the side gate."),
    ("producer@gigbook.test", "The Jazz Café", "5 Parkway, London NW1 7PG", "London", 51.5389, -0.1437,
     "Europe/London", "Soundcheck 17:00. Backline drums and a Nord provided."),
    ("producer@gigbook.test", "Hansa Studios", "Köthener Str. 38, 10963 Berlin", "Berlin", 52.5058, 13.3793,
     "Europe/Berlin", "Meistersaal on the 2nd floor; lift for heavy gear."),
    ("studio.manager@gigbook.test", "Sunset Sound", "6650 Sunset Blvd, Los Angeles, CA 90028", "Los Angeles",
     34.0981, -118.3356, "America/Los_Angeles", "Studio 1. Street parking after 18:00."),
    ("studio.manager@gigbook.test", "The Troubadour", "9081 Santa Monica Blvd, West Hollywood, CA 90069",
     "West Hollywood", 34.0816, -118.3893, "America/Los_Angeles", "Load-in through the alley."),
    ("bandleader@gigbook.test", "Ocean Way Nashville", "1200 17th Ave S, Nashville, TN 37212", "Nashville",
     36.1408, -86.7917, "America/Chicago", "Former church; quiet on the stairs during takes."),
]

# title, producer, musician, venue name (None: remote), kind, days from today, local start hour, hours, status
BOOKINGS = [
    ("Demo: soul single, keys", "producer@gigbook.test", "musician@gigbook.test", "Abbey Road Studio 2",
     "studio_session", 5, 11, 3, Booking.Status.OFFERED),
    ("Demo: album tracking, bass", "producer@gigbook.test", "bass@gigbook.test", "Abbey Road Studio 2",
     "studio_session", 9, 10, 6, Booking.Status.COUNTERED),
    ("Demo: Jazz Café residency", "producer@gigbook.test", "musician@gigbook.test", "The Jazz Café",
     "live_show", 12, 20, 3, Booking.Status.ACCEPTED),
    ("Demo: Berlin strings overdub", "producer@gigbook.test", "drums@gigbook.test", "Hansa Studios",
     "studio_session", 20, 14, 4, Booking.Status.ACCEPTED),
    ("Demo: LA session, drums", "studio.manager@gigbook.test", "drums@gigbook.test", "Sunset Sound",
     "studio_session", 7, 12, 3, Booking.Status.DECLINED),
    ("Demo: remote overdub", "producer@gigbook.test", "bass@gigbook.test", None,
     "remote_recording", 3, 9, 2, Booking.Status.EXPIRED),
    ("Demo: rehearsal (withdrawn)", "producer@gigbook.test", "drums@gigbook.test", "The Jazz Café",
     "rehearsal", 8, 14, 2, Booking.Status.WITHDRAWN),
    ("Demo: Troubadour show (cancelled)", "studio.manager@gigbook.test", "musician@gigbook.test", "The Troubadour",
     "live_show", 15, 21, 2, Booking.Status.CANCELLED),
    ("Demo: last month's session", "producer@gigbook.test", "musician@gigbook.test", "Abbey Road Studio 2",
     "studio_session", -21, 10, 3, Booking.Status.COMPLETED),
    ("Demo: Nashville tour date", "bandleader@gigbook.test", "bass@gigbook.test", "Ocean Way Nashville",
     "tour_date", 30, 19, 4, Booking.Status.ACCEPTED),
    # Past work the demo musician has invoiced (billing's demo seeder makes the invoices).
    ("Demo: spring album session", "producer@gigbook.test", "musician@gigbook.test", "Abbey Road Studio 2",
     "studio_session", -80, 10, 4, Booking.Status.COMPLETED),
    ("Demo: Jazz Café late show", "producer@gigbook.test", "musician@gigbook.test", "The Jazz Café",
     "live_show", -55, 20, 3, Booking.Status.COMPLETED),
]


def _instrument_for(profile: MusicianProfile) -> Instrument | None:
    row = profile.instruments.select_related("instrument").order_by("-is_primary", "position").first()
    return row.instrument if row else None


def _write(*, title, producer, profile, venue, kind, start, hours, status, now) -> Booking | None:
    instrument = _instrument_for(profile)
    if instrument is None or profile.hourly_rate is None:
        return None
    zone = venue.time_zone if venue else producer.time_zone
    end = start + timedelta(hours=hours)
    terms = fees.FeeTerms(currency=profile.currency, basis="hourly", rate=profile.hourly_rate,
                          minimum_call_hours=profile.minimum_call_hours or Decimal("0"),
                          cartage_fee=Decimal("40") if kind == "live_show" else Decimal("0"))
    quote = fees.quote(terms, starts_at=start, ends_at=end)
    check = fees.rate_check(terms, services.published_rates(profile), kind_is_live=kind == "live_show",
                            starts_at=start, ends_at=end)
    offered_at = min(now, start) - timedelta(days=2)
    booking = Booking(
        producer=producer, musician=profile.user, instrument=instrument, kind=kind, venue=venue, time_zone=zone,
        starts_at=start, ends_at=end, title=title, brief_style="Demo brief: warm, behind the beat",
        brief_approach=Booking.Approach.MIXED, late_cancellation_window_hours=profile.late_cancellation_window_hours or 0,
        late_cancellation_fee=profile.late_cancellation_fee or Decimal("0"), status=Booking.Status.OFFERED,
        expires_at=min(offered_at + timedelta(hours=24), start), created_at=offered_at, updated_at=now,
        status_changed_at=offered_at, status_changed_by=producer,
    )
    offer_terms._set_terms(booking, terms, quote, check)
    events = [("offer", "", Booking.Status.OFFERED, producer, "", offered_at)]
    answered = offered_at + timedelta(hours=3)
    musician = profile.user
    if status == Booking.Status.COUNTERED:
        booking.counter_terms = {**offer_terms._terms_json(terms), "rate": str(terms.rate + 10)}
        counter = fees.FeeTerms(**{**terms.__dict__, "rate": terms.rate + 10})
        booking.counter_quote = {**fees.quote(counter, starts_at=start, ends_at=end).as_json(), "doubles_count": 0}
        booking.counter_total = Decimal(booking.counter_quote["total"])
        booking.counter_note = "Happy to do it at my usual session rate."
        booking.countered_at = answered
        booking.expires_at = start
        events.append(("counter", "offered", status, musician, booking.counter_note, answered))
    elif status in (Booking.Status.ACCEPTED, Booking.Status.CANCELLED, Booking.Status.COMPLETED):
        booking.accepted_at = answered
        offers._set_reminders(booking, answered)
        events.append(("accept", "offered", Booking.Status.ACCEPTED, musician, "", answered))
        if status == Booking.Status.CANCELLED:
            booking.cancelled_at, booking.cancelled_by = answered + timedelta(hours=5), producer
            booking.cancel_reason = "The artist moved the show."
            events.append(("cancel", "accepted", status, producer, booking.cancel_reason, booking.cancelled_at))
        elif status == Booking.Status.COMPLETED:
            booking.completed_at = end
            events.append(("complete", "accepted", status, None, "", end))
    elif status == Booking.Status.DECLINED:
        booking.response_note = "Away that week, sorry!"
        events.append(("decline", "offered", status, musician, booking.response_note, answered))
    elif status == Booking.Status.WITHDRAWN:
        events.append(("withdraw", "offered", status, producer, "Session moved.", answered))
    elif status == Booking.Status.EXPIRED:
        booking.expires_at = now - timedelta(hours=1)
        events.append(("expire", "offered", status, None, "", booking.expires_at))
    booking.status = status
    booking.sequence = len(events) - 1
    booking.status_changed_at, booking.status_changed_by = events[-1][5], events[-1][3]
    booking.save()
    BookingEvent.objects.bulk_create([
        BookingEvent(booking=booking, action=action, from_status=src, to_status=dst, actor=actor, note=note, at=at)
        for action, src, dst, actor, note, at in events
    ])
    if status in (Booking.Status.ACCEPTED, Booking.Status.COMPLETED):
        BusyInterval.objects.get_or_create(source=BusyInterval.Source.BOOKING, source_id=str(booking.pk),
                                           starts_at=start, defaults={"profile": profile, "ends_at": end,
                                                                      "label": "Booked"})
    return booking


def seed(*, stdout=None) -> None:
    now = clock.now()
    users = {u.email: u for u in User.objects.filter(email__endswith="@gigbook.test")}
    venues: dict[str, Venue] = {}
    for owner_email, name, address, city, lat, lng, zone, notes in VENUES:
        owner = users.get(owner_email)
        if owner is None:
            continue
        venue, _ = Venue.objects.get_or_create(
            owner=owner, name=name,
            defaults={"address": address, "city": city, "latitude": lat, "longitude": lng, "time_zone": zone,
                      "notes": notes, "created_at": now},
        )
        venues[name] = venue
    profiles = {p.user.email: p for p in MusicianProfile.objects.select_related("user").filter(
        user__email__endswith="@gigbook.test", status=MusicianProfile.Status.APPROVED)}
    made = 0
    for title, producer_email, musician_email, venue_name, kind, days, hour, hours, status in BOOKINGS:
        producer, profile = users.get(producer_email), profiles.get(musician_email)
        venue = venues.get(venue_name) if venue_name else None
        if producer is None or profile is None or (venue_name and venue is None):
            continue
        if Booking.objects.filter(producer=producer, musician=profile.user, title=title).exists():
            continue
        zone = ZoneInfo(venue.time_zone if venue else producer.time_zone)
        day = (now.astimezone(zone) + timedelta(days=days)).date()
        start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        with transaction.atomic():
            if status == Booking.Status.OFFERED:
                instrument = _instrument_for(profile)
                if instrument is None:
                    continue
                try:
                    services.booking_offer(
                        producer=producer, musician_profile_id=profile.pk, instrument=instrument, kind=kind,
                        venue=venue, starts_at=start, ends_at=start + timedelta(hours=hours), title=title,
                        brief_style="Demo brief: Rhodes and Wurlitzer, 70s soul",
                        brief_references="Bill Withers – Lovely Day", brief_approach=Booking.Approach.MIXED,
                        expires_at=min(start, now + timedelta(days=3)),
                    )
                except DomainError:
                    continue  # e.g. the demo musician blocked that time
            elif _write(title=title, producer=producer, profile=profile, venue=venue, kind=kind, start=start,
                        hours=hours, status=status, now=now) is None:
                continue
        made += 1
    pencils = _seed_holds(users, profiles, venues, now)
    if stdout:
        stdout.write(f"bookings: {len(venues)} venues, {made} new demo bookings, {pencils} new demo holds")


def _seed_holds(users, profiles, venues, now) -> int:
    """A 1st and a 2nd hold on the same date for the demo musician, both kept (pencilled)."""
    profile = profiles.get("musician@gigbook.test")
    first, second = users.get("producer@gigbook.test"), users.get("studio.manager@gigbook.test")
    studio = venues.get("Abbey Road Studio 2")
    if None in (profile, first, second, studio):
        return 0
    if Hold.objects.filter(musician=profile.user, title__startswith="Demo:").exists():
        return 0
    instrument = _instrument_for(profile)
    if instrument is None:
        return 0
    zone = ZoneInfo("Europe/London")
    # Day 6: clear of the demo offer (day 5) and the demo musician's festival (days 10-12).
    day = (now.astimezone(zone) + timedelta(days=6)).date()
    start = datetime.combine(day, time(10), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    try:
        with transaction.atomic():
            one = services.hold_place(
                producer=first, musician_profile_id=profile.pk, instrument=instrument, kind="studio_session",
                venue=studio, starts_at=start, ends_at=start + timedelta(hours=4), title="Demo: film score (pencil)",
                note="Waiting on the studio's confirmation.")
            two = services.hold_place(
                producer=second, musician_profile_id=profile.pk, instrument=instrument, kind="remote_recording",
                time_zone="Europe/London", starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=3),
                title="Demo: ad jingle (pencil)")
            for hold in (one, two):
                services.hold_accept(hold_id=hold.pk, actor=profile.user)
    except DomainError:
        return 0  # e.g. the demo musician blocked that day
    return 2
