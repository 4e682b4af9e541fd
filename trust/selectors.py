"""Reads with rules for moderation and reputation. Each names its queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import NotFound
from musicians.models import MusicianProfile, ProfileGenre, ProfileInstrument
from trust.models import ApprovedSnapshot, AuditEntry, BookingFlag, Endorsement, Recommendation, Report, Review
from trust.services.reviews import REVIEW_WINDOW, visible_q
from trust.snapshots import profile_diff, profile_proposed_snapshot

Status = MusicianProfile.Status

# --- Moderation --------------------------------------------------------------------------------


def _open_reports() -> Subquery:
    return Subquery(
        Report.objects.filter(profile_id=OuterRef("pk"), status=Report.Status.OPEN)
        .order_by().values("profile_id").annotate(n=Count("id")).values("n")[:1]
    )


# The queue: first profiles and the waiting changes of live ones (which stay public meanwhile).
_PENDING_REVIEW = Q(status=Status.PENDING) | Q(status=Status.APPROVED, changes_state=MusicianProfile.ChangesState.PENDING)


def pending_review_count(*, user) -> int | None:
    """How many profiles wait in the review queue; None for people who cannot see the queue. One query."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("trust.view_pendingprofile")):
        return None
    return MusicianProfile.objects.filter(_PENDING_REVIEW).count()


def moderation_profiles(*, status: str | None = None) -> QuerySet:
    """Profiles for moderators, with what the diff needs prefetched.

    Pending: oldest submission first (a queue). Other statuses: most recently reviewed first.
    Queries per page: 1 (profiles + user + snapshot + open report count) + 4 prefetches
    (instruments, genres, media, credits), whatever the page size.
    """
    qs = MusicianProfile.objects.all()
    if status == Status.PENDING:
        qs = qs.filter(_PENDING_REVIEW)
    elif status:
        qs = qs.filter(status=status)
    qs = qs.select_related("user", "approved_snapshot", "reviewed_by").prefetch_related(
        Prefetch("instruments", queryset=ProfileInstrument.objects.select_related("instrument")),
        Prefetch("genres", queryset=ProfileGenre.objects.select_related("genre")),
        "media",
        "credits",
    ).annotate(open_reports=_open_reports())
    if status == Status.PENDING:
        return qs.order_by("submitted_at", "id")
    return qs.order_by("-reviewed_at", "-id")


def moderation_profile_get(*, profile_id: int) -> MusicianProfile:
    profile = moderation_profiles().filter(pk=profile_id).first()
    if profile is None:
        raise NotFound("No such musician profile.")
    return profile


def approved_snapshot_of(profile: MusicianProfile):
    try:
        return profile.approved_snapshot
    except ApprovedSnapshot.DoesNotExist:
        return None


def profile_changes(profile: MusicianProfile):
    """The diff since the last approved version (everything, for a first review), with a live
    profile's waiting changes in place."""
    snapshot = approved_snapshot_of(profile)
    return profile_diff(snapshot.data if snapshot else None, profile_proposed_snapshot(profile))


def report_list(*, status: str | None = None, profile_id: int | None = None) -> QuerySet:
    """Reports, newest first. One query (reporter, profile and its user, review joined)."""
    qs = Report.objects.select_related("reporter", "profile__user", "review", "resolved_by")
    if status:
        qs = qs.filter(status=status)
    if profile_id:
        qs = qs.filter(profile_id=profile_id)
    return qs.order_by("-created_at", "-id")


def reports_for_user(*, user) -> QuerySet:
    return Report.objects.filter(reporter=user).select_related("profile__user", "review").order_by("-created_at", "-id")


def reported_profiles() -> QuerySet:
    """Profiles with reports, grouped: open and total counts, most open reports first."""
    return (
        MusicianProfile.objects.filter(trust_reports__isnull=False)
        .select_related("user")
        .annotate(
            open_reports=Count("trust_reports", filter=Q(trust_reports__status=Report.Status.OPEN), distinct=True),
            total_reports=Count("trust_reports", distinct=True),
        )
        .order_by("-open_reports", "-total_reports", "id")
    )


def flag_list(*, open_only: bool = True) -> QuerySet:
    qs = BookingFlag.objects.select_related("booking__producer", "booking__musician", "booking__instrument",
                                            "booking__venue", "created_by", "resolved_by")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("booking__starts_at", "id")


def audit_list() -> QuerySet:
    return AuditEntry.objects.select_related("actor").order_by("-at", "-id")


# --- Reviews -----------------------------------------------------------------------------------


def reviews_visible(*, subject_id: int | None = None, profile_id: int | None = None,
                    direction: str | None = None, now: datetime | None = None) -> QuerySet:
    """Published, unhidden reviews about a user (or a musician profile's user), newest first.
    One query (author, subject and booking's instrument joined)."""
    now = now or clock.now()
    qs = Review.objects.filter(visible_q(now))
    if subject_id is not None:
        qs = qs.filter(subject_id=subject_id)
    if profile_id is not None:
        qs = qs.filter(subject__musician_profile__id=profile_id, direction=Review.Direction.OF_MUSICIAN)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.select_related("author", "subject", "booking__instrument").order_by("-created_at", "-id")


def reviews_for_user(*, user, now: datetime | None = None) -> QuerySet:
    """What a user may see of their own reviews: all they wrote, and those about them once visible."""
    now = now or clock.now()
    return (
        Review.objects.filter(Q(author=user) | (Q(subject=user) & visible_q(now)))
        .select_related("author", "subject", "booking__instrument", "booking__venue")
        .order_by("-created_at", "-id")
    )


def bookings_to_review(*, user, now: datetime | None = None) -> QuerySet:
    """Completed bookings the user took part in, still inside the window, not yet reviewed by them."""
    now = now or clock.now()
    mine = Review.objects.filter(booking_id=OuterRef("pk"), author=user)
    return (
        Booking.objects.filter(Q(producer=user) | Q(musician=user), status=Booking.Status.COMPLETED,
                               completed_at__gt=now - REVIEW_WINDOW)
        .annotate(reviewed=Exists(mine)).filter(reviewed=False)
        .select_related("producer", "musician", "instrument", "venue")
        .order_by("-completed_at", "-id")
    )


@dataclass
class Reputation:
    rating_avg: Decimal | None
    rating_count: int
    gigs_completed: int
    rehired_by: int
    vouches: list[Endorsement] = field(default_factory=list)


def played_together_q(user_id: int) -> Exists:
    """Bookings (of someone else) that shared a producer and a stretch of time with a completed
    booking of ``user_id``: two players on the same session. A filter for ``Booking`` querysets."""
    return Exists(
        Booking.objects.filter(
            musician_id=user_id, status=Booking.Status.COMPLETED, producer_id=OuterRef("producer_id"),
            starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at"),
        )
    )


def played_together(*, user_id: int, other_user_id: int) -> bool:
    """True when both musicians completed bookings for the same producer at overlapping times."""
    if user_id == other_user_id:
        return False
    return Booking.objects.filter(played_together_q(user_id), musician_id=other_user_id,
                                  status=Booking.Status.COMPLETED).exists()


def bandmates(*, user) -> QuerySet:
    """Approved profiles of musicians the user has played with (see played_together). One query."""
    theirs = Booking.objects.filter(played_together_q(user.pk), musician_id=OuterRef("user_id"),
                                    status=Booking.Status.COMPLETED)
    return (
        MusicianProfile.objects.filter(status=Status.APPROVED, user__is_active=True)
        .exclude(user_id=user.pk).filter(Exists(theirs)).select_related("user").order_by("stage_name", "id")
    )


def endorsements_for_profile(*, profile_id: int) -> QuerySet:
    """Endorsements shown on a profile: by active users, newest first. One query."""
    return (
        Endorsement.objects.filter(profile_id=profile_id, endorser__is_active=True)
        .select_related("endorser__musician_profile", "instrument", "genre")
        .order_by("-created_at", "-id")
    )


def profile_reputation(*, profile: MusicianProfile) -> Reputation:
    """The figures producers see on a profile, computed from real bookings. Three queries."""
    completed = Booking.objects.filter(musician_id=profile.user_id, status=Booking.Status.COMPLETED)
    per_producer = completed.values("producer_id").annotate(n=Count("id"))
    gigs = 0
    rehired = 0
    for row in per_producer:
        gigs += row["n"]
        rehired += row["n"] >= 2
    return Reputation(
        rating_avg=profile.rating_avg,
        rating_count=profile.rating_count,
        gigs_completed=gigs,
        rehired_by=rehired,
        vouches=list(endorsements_for_profile(profile_id=profile.pk)[:30]),
    )


# --- Recommendations ---------------------------------------------------------------------------


def recommendation_get_for_producer(*, user, recommendation_id: int) -> Recommendation:
    rec = (
        Recommendation.objects.filter(pk=recommendation_id, booking__producer=user)
        .select_related("booking__musician", "booking__instrument", "booking__venue", "recommended__user",
                        "recommender", "new_booking")
        .first()
    )
    if rec is None:
        raise NotFound("No such recommendation.")
    return rec


def recommendations_for_user(*, user) -> QuerySet:
    """Recommendations a producer received or a musician made, newest first. One query."""
    return (
        Recommendation.objects.filter(Q(booking__producer=user) | Q(recommender=user))
        .select_related("booking__producer", "booking__musician", "booking__instrument", "booking__venue",
                        "recommended__user", "recommender", "new_booking")
        .order_by("-created_at", "-id")
    )


def recommendation_candidates(*, booking: Booking, user, q: str = "", limit: int = 20) -> list[MusicianProfile]:
    """Colleagues a musician could suggest for a declined booking: approved players of the
    booking's instrument (not themselves, not the producer), people they played with first.
    Two queries."""
    qs = (
        MusicianProfile.objects.filter(status=Status.APPROVED, user__is_active=True,
                                       instruments__instrument_id=booking.instrument_id)
        .exclude(user_id__in=[user.pk, booking.producer_id])
        .select_related("user")
    )
    if q:
        q = q.strip()[:80]
        qs = qs.filter(Q(stage_name__icontains=q) | Q(user__full_name__icontains=q) | Q(city__icontains=q))
    mates = set(bandmates(user=user).values_list("pk", flat=True))
    rows = list(qs.distinct().order_by("-rating_count", "stage_name", "id")[:200])
    rows.sort(key=lambda p: (p.pk not in mates, -(p.rating_avg or 0), p.display_name.lower()))
    for row in rows:
        row.played_with = row.pk in mates
    return rows[:limit]
