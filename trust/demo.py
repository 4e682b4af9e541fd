"""Demo data for moderation and reputation. Runs last (after accounts, musicians, bookings).

Idempotent: each piece is looked up before it is made, so a second run adds nothing. What can go
through the services does (reports, reviews, endorsements, the recommendation, the profile edit
that lands in the queue); past bookings are written by the bookings seeder's own helper, because
the services rightly refuse to create bookings in the past.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from bookings.models import Booking, Venue
from gigbook.accounts.models import User
from gigbook.core import clock
from gigbook.core.errors import DomainError
from musicians import services as musician_services
from musicians.models import MusicianProfile
from trust import services
from trust.models import ApprovedSnapshot, Endorsement, Recommendation, Report, Review
from trust.permissions import MODERATORS_GROUP
from trust.snapshots import profile_snapshot

MODERATOR_EMAIL = "moderator@gigbook.test"
APPROVED = MusicianProfile.Status.APPROVED

# Past gigs that make the reputation figures real: title, producer, musician, venue, days ago, hour, hours.
# The first shares Abbey Road's room and time with the bookings seeder's "last month's session"
# (musician@), so the two players played together and may vouch for each other.
PAST_GIGS = [
    ("Demo: last month's session, bass", "producer@gigbook.test", "bass@gigbook.test", "Abbey Road Studio 2", 21, 10, 3),
    ("Demo: spring single, reeds", "producer@gigbook.test", "musician@gigbook.test", "Abbey Road Studio 2", 45, 14, 3),
    ("Demo: LA horn overdubs", "studio.manager@gigbook.test", "musician@gigbook.test", "Sunset Sound", 12, 12, 3),
]
# title of a completed booking, author email, rating, text, aspects
REVIEWS = [
    ("Demo: last month's session", "producer@gigbook.test", 5,
     "Had the horn lines memorised before the downbeat. First take was the keeper.",
     {"preparation": 5, "reading": 5, "feel": 5, "punctuality": 5}),
    ("Demo: last month's session", "musician@gigbook.test", 5, "Clear charts, good coffee, paid within a week.",
     {"paid_on_time": 5, "punctuality": 5, "communication": 4}),
    ("Demo: LA horn overdubs", "studio.manager@gigbook.test", 3,
     "Lovely tone, but arrived twenty minutes after the call time.", {"punctuality": 2, "feel": 5}),
    ("Demo: LA horn overdubs", "musician@gigbook.test", 4, "Well-run room; the session ran long but was paid.",
     {"paid_on_time": 5}),
    # Only one side in yet: stays hidden until Ben reviews too, or the 30 days pass.
    ("Demo: last month's session, bass", "producer@gigbook.test", 4, "Solid and easy to work with.", {}),
]
REPLY = ("Demo: LA horn overdubs", "studio.manager@gigbook.test",
         "Sorry again — the 101 was closed. I stayed on to make up the time.")


def _moderator(stdout) -> User | None:
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    user, created = User.objects.get_or_create(
        email=MODERATOR_EMAIL,
        defaults={"full_name": "Mo Moderator", "is_staff": True, "phone": "+447911123009",
                  "phone_verified_at": clock.now(), "time_zone": "Europe/London"},
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if group is not None:
        user.groups.add(group)
    return user


def _past_gigs(users, now) -> int:
    try:  # the bookings seeder's writer for back-dated bookings (history, fees, busy time)
        from bookings.demo import _write
    except ImportError:
        return 0
    made = 0
    for title, producer_email, musician_email, venue_name, days_ago, hour, hours in PAST_GIGS:
        producer = users.get(producer_email)
        profile = MusicianProfile.objects.filter(user__email=musician_email, status=APPROVED).first()
        venue = Venue.objects.filter(owner=producer, name=venue_name).first() if producer else None
        if producer is None or profile is None or venue is None:
            continue
        if Booking.objects.filter(producer=producer, musician=profile.user, title=title).exists():
            continue
        zone = ZoneInfo(venue.time_zone)
        day = (now.astimezone(zone) - timedelta(days=days_ago)).date()
        start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        with transaction.atomic():
            if _write(title=title, producer=producer, profile=profile, venue=venue, kind="studio_session",
                      start=start, hours=hours, status=Booking.Status.COMPLETED, now=now) is not None:
                made += 1
    return made


def _reviews(users) -> int:
    made = 0
    for title, author_email, rating, text, aspects in REVIEWS:
        author = users.get(author_email)
        booking = Booking.objects.filter(title=title, status=Booking.Status.COMPLETED).first()
        if author is None or booking is None or Review.objects.filter(booking=booking, author=author).exists():
            continue
        try:
            services.review_create(author=author, booking_id=booking.pk, rating=rating, text=text, aspects=aspects)
            made += 1
        except DomainError:
            continue  # e.g. the 30 days are over on an old demo database
    title, author_email, reply = REPLY
    review = Review.objects.filter(booking__title=title, author__email=author_email, replied_at__isnull=True).first()
    if review is not None:
        try:
            services.review_reply(author=review.subject, review_id=review.pk, text=reply)
        except DomainError:
            pass
    return made


def _endorsements() -> int:
    made = 0
    pairs = [("musician@gigbook.test", "bass@gigbook.test", "bass-guitar", "Locks in with the kick drum all day."),
             ("bass@gigbook.test", "musician@gigbook.test", "tenor-sax", "The best section player in London.")]
    for endorser_email, endorsed_email, slug, note in pairs:
        endorser = User.objects.filter(email=endorser_email).first()
        profile = MusicianProfile.objects.filter(user__email=endorsed_email, status=APPROVED).first()
        if endorser is None or profile is None or Endorsement.objects.filter(endorser=endorser, profile=profile).exists():
            continue
        try:
            services.endorsement_create(endorser=endorser, profile_id=profile.pk, instrument=slug, note=note)
            made += 1
        except DomainError:
            continue
    return made


def _demo_players():
    return MusicianProfile.objects.filter(user__email__startswith="demo.player", status=APPROVED).order_by(
        "user__email")


def _queue_with_a_diff(moderator) -> bool:
    """An approved player edits their public text: back in the queue, with a diff to review."""
    profile = _demo_players().filter(approved_snapshot__isnull=True).first()
    if profile is None or ApprovedSnapshot.objects.filter(profile__user__email__startswith="demo.player").exists():
        return False
    ApprovedSnapshot.objects.create(profile=profile, data=profile_snapshot(profile),
                                    approved_at=clock.now() - timedelta(days=40), approved_by=moderator)
    musician_services.profile_update(user=profile.user, changes={
        "headline": f"{profile.headline} — now booking for summer festivals",
        "bio": f"{profile.bio}\n\nText me on WhatsApp for cash gigs, cheaper than booking here!".strip(),
    })
    return True


def _reports(users) -> int:
    players = list(_demo_players().filter(approved_snapshot__isnull=True)[5:7])
    if len(players) < 2 or Report.objects.filter(reporter__email__endswith="@gigbook.test").exists():
        return 0
    plan = [
        ("producer@gigbook.test", players[0], "off_platform", "Asked me to pay cash to skip the booking fee."),
        ("studio.manager@gigbook.test", players[0], "no_show", "Did not turn up to a confirmed session."),
        ("bandleader@gigbook.test", players[1], "misleading", "Credits list a record they did not play on."),
    ]
    made = 0
    for reporter_email, profile, reason, details in plan:
        reporter = users.get(reporter_email)
        if reporter is None:
            continue
        try:
            services.report_create(reporter=reporter, profile_id=profile.pk, reason=reason, details=details)
            made += 1
        except DomainError:
            continue
    return made


def _recommendation() -> bool:
    """The drummer who declined Sam's LA session suggests a colleague."""
    booking = Booking.objects.filter(title="Demo: LA session, drums", status=Booking.Status.DECLINED).first()
    if booking is None or Recommendation.objects.filter(booking=booking).exists():
        return False
    colleague = (
        MusicianProfile.objects.filter(status=APPROVED, instruments__instrument_id=booking.instrument_id)
        .exclude(user_id__in=[booking.musician_id, booking.producer_id]).order_by("user__email").first()
    )
    if colleague is None:
        return False
    try:
        services.recommendation_create(booking_id=booking.pk, actor=booking.musician, recommended_profile_id=colleague.pk,
                                       note="Plays with a lighter touch than me; perfect for this one.")
    except DomainError:
        return False
    return True


def seed(*, stdout=None) -> None:
    now = clock.now()
    users = {u.email: u for u in User.objects.filter(email__endswith="@gigbook.test")}
    moderator = _moderator(stdout)
    gigs = _past_gigs(users, now)
    reviews = _reviews(users)
    vouches = _endorsements()
    diff = _queue_with_a_diff(moderator)
    reports = _reports(users)
    recommended = _recommendation()
    if stdout:
        stdout.write(
            f"trust: moderator {MODERATOR_EMAIL}; {gigs} past gigs, {reviews} reviews, {vouches} endorsements, "
            f"{reports} reports, {'a' if diff else 'no new'} profile edit in the queue, "
            f"{'a' if recommended else 'no new'} recommendation"
        )
