"""Demo short-notice data: the producer's first-call lists and one call list part-way through.

Runs after the accounts, musicians and bookings seeders. Everything goes through the real
services, so the in-progress request behaves like a real one: the first player on the list has
declined, bass@gigbook.test has the offer now (its text message, with the one-tap link, is in
var/sms/), and the rest wait their turn. The beat sweep moves it on as time passes. Idempotent:
a second run finds the demo request and the favourites and adds nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bookings import services as booking_services
from bookings.gigrequests import services
from bookings.gigrequests.models import Favourite, GigRequest
from bookings.models import Venue
from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import DomainError
from musicians.models import MusicianProfile

TITLE = "Demo: tomorrow's bass chair"
PRODUCER = "producer@gigbook.test"
LONDON = ZoneInfo("Europe/London")
# instrument -> first-call players by email (demo accounts first; demo players are added by search).
FAVOURITES = {"tenor-sax": ["musician@gigbook.test"], "drums": ["drums@gigbook.test"]}


def _studio(producer) -> Venue:
    venue = Venue.objects.filter(owner=producer, name="Abbey Road Studio 2").first()
    if venue is None:
        venue = booking_services.venue_create(
            owner=producer, name="Abbey Road Studio 2", address="3 Abbey Road, London NW8 9AY", city="London",
            latitude=51.5320, longitude=-0.1780, time_zone="Europe/London", notes="Load-in via the side gate.",
        )
    return venue


def _profile(email: str) -> MusicianProfile | None:
    return MusicianProfile.objects.filter(user__email=email, status=MusicianProfile.Status.APPROVED).first()


def _gig_data(venue: Venue, now: datetime) -> dict:
    tomorrow = (now.astimezone(LONDON) + timedelta(days=1)).date()
    starts_at = datetime.combine(tomorrow, time(10), tzinfo=LONDON)
    return {
        "chairs": [{"instrument": "bass-guitar", "count": 1}], "kind": "studio_session", "venue": venue.pk,
        "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=4), "answer_by": starts_at - timedelta(hours=2),
        "title": TITLE, "brief_style": "Late-night soul, Motown feel", "brief_approach": "chart",
        "brief_notes": "Our bassist is ill. Four songs, charts on the stand; upright or electric welcome.",
        "currency": "GBP", "fee_basis": "hourly", "rate": Decimal("55"), "max_rate": Decimal("95"),
        "strategy": "call_list", "time_box_minutes": 30, "broadcast_threshold_hours": Decimal("12"),
        "max_invitees": 6,
    }


def seed(*, stdout=None) -> None:
    producer = User.objects.filter(email=PRODUCER, is_producer=True).first()
    if producer is None:
        return
    venue = _studio(producer)
    for slug, emails in FAVOURITES.items():
        for email in emails:
            profile = _profile(email)
            if profile is not None:
                services.favourite_add(producer=producer, musician_profile_id=profile.pk, instrument=slug)

    if GigRequest.objects.filter(producer=producer, title=TITLE).exists():
        if stdout:
            stdout.write("gig requests: demo already present")
        return
    now = clock.now()
    data = _gig_data(venue, now)
    try:
        preview = services.gig_request_preview(producer=producer, data=data)
    except DomainError as exc:
        if stdout:
            stdout.write(f"gig requests: demo request skipped ({exc.detail})")
        return
    candidates = preview["groups"][0]["candidates"]
    ben = _profile("bass@gigbook.test")
    others = [c.profile_id for c in candidates if ben is None or c.profile_id != ben.pk]
    if ben is None or not any(c.profile_id == ben.pk for c in candidates) or not others:
        if stdout:
            stdout.write("gig requests: demo request skipped (not enough bass players free tomorrow)")
        return
    # First call: a demo player, then Ben (bass@gigbook.test), so the demo opens with one decline.
    first = MusicianProfile.objects.get(pk=others[0])
    for profile_id in (first.pk, ben.pk):
        services.favourite_add(producer=producer, musician_profile_id=profile_id, instrument="bass-guitar")
    order = [first.pk, ben.pk, *others[1:5]]
    request = services.gig_request_create(
        producer=producer, data={**data, "invitees": [{"instrument": "bass-guitar", "musicians": order}]}
    )
    opening = request.invitations.get(musician=first.user)
    services.invitation_decline(invitation_id=opening.pk, actor=first.user, note="Away this week, sorry!")
    favourites = Favourite.objects.filter(producer=producer).count()
    if stdout:
        stdout.write(f"gig requests: {favourites} first-call favourites; a call list in progress (request {request.pk})")
