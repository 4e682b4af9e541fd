"""Moderation and trust: approved snapshots, reports, the audit log, reviews, endorsements,
recommendations and bookings flagged for an admin.

This app sits above ``musicians`` and ``bookings`` (it imports them; they never import it).
Writes go through ``trust.services``; reads with rules through ``trust.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bookings.models import Booking
from musicians.models import Genre, Instrument, MusicianProfile

# --- Moderation ----------------------------------------------------------------------------------


class PendingProfile(MusicianProfile):
    """The moderation queue in the admin: profiles waiting for review, oldest first."""

    class Meta:
        proxy = True
        verbose_name = "profile awaiting review"
        verbose_name_plural = "profiles awaiting review"
        permissions = [("moderate_profile", "Can approve, reject, suspend and reinstate musician profiles")]


class ModeratedProfile(MusicianProfile):
    """Every profile, for suspending and reinstating from the admin (any status)."""

    class Meta:
        proxy = True
        verbose_name = "profile (moderation)"
        verbose_name_plural = "profiles (moderation)"


class ReportedProfile(MusicianProfile):
    """Profiles with reports against them, grouped, most-reported first."""

    class Meta:
        proxy = True
        verbose_name = "reported profile"
        verbose_name_plural = "reported profiles"


class ApprovedSnapshot(models.Model):
    """What a profile looked like when it was last approved: the base of the moderation diff.

    The musicians app keeps only the live profile; this copy is taken by ``moderation_approve``.
    """

    profile = models.OneToOneField(MusicianProfile, on_delete=models.CASCADE, related_name="approved_snapshot")
    data = models.JSONField()
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Approved snapshot of profile {self.profile_id}"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One moderation action or one staff change made through the admin: who, when, what, before/after.

    Append-only: no update or delete path in code (save() refuses an existing row, the queryset
    refuses update/delete), no change/delete permission exists (``default_permissions``), and on
    PostgreSQL a trigger refuses UPDATE and DELETE (except clearing ``actor`` when a user is
    deleted; ``actor_label`` keeps who it was).
    """

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        SYSTEM = "system", "System"

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    reason_code = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditentry", "Can export the audit log as CSV")]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="trust_audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")


class BookingFlag(models.Model):
    """An accepted booking an admin must look at (its musician was suspended). Never deleted."""

    class Reason(models.TextChoices):
        MUSICIAN_SUSPENDED = "musician_suspended", "Musician suspended"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="trust_flags")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["resolved_at", "created_at", "id"]
        verbose_name = "booking needing attention"
        verbose_name_plural = "bookings needing attention"
        constraints = [
            # One open flag per booking and reason: suspending twice (or twice at once) flags once.
            models.UniqueConstraint(
                fields=["booking", "reason"], condition=Q(resolved_at__isnull=True), name="trust_flag_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.booking_id}: {self.get_reason_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --- Reviews -------------------------------------------------------------------------------------


class Review(models.Model):
    """One side's review of the other after a completed booking.

    Blind: nobody but its author sees it until both sides have reviewed (``published_at`` is set
    for both at once) or the 30-day window closes (``window_closes_at``, computed on read; a sweep
    then stamps ``published_at`` and refreshes the ratings).
    """

    class Direction(models.TextChoices):
        OF_MUSICIAN = "of_musician", "Producer reviews musician"
        OF_PRODUCER = "of_producer", "Musician reviews producer"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    rating = models.PositiveSmallIntegerField()
    # Optional 1-5 scores for the aspects of ``direction`` (trust.reasons.REVIEW_ASPECTS).
    aspects = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField()
    window_closes_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.TextField(blank=True, max_length=1000)
    replied_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("hide_review", "Can hide and restore reviews")]
        constraints = [
            models.UniqueConstraint(fields=["booking", "author"], name="trust_review_once_per_side"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="trust_review_rating_1_5"),
            models.CheckConstraint(condition=~Q(author=F("subject")), name="trust_review_not_self"),
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True, reply_text="") | Q(replied_at__isnull=False),
                name="trust_review_reply_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "direction", "created_at"], name="trust_review_subject"),
            models.Index(fields=["window_closes_at"], condition=Q(published_at__isnull=True),
                         name="trust_review_unpublished"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} of booking {self.booking_id} ({self.rating}/5)"

    def is_published(self, now) -> bool:
        return (self.published_at is not None and self.published_at <= now) or now >= self.window_closes_at

    def is_visible(self, now) -> bool:
        return self.hidden_at is None and self.is_published(now)


# --- Reports -------------------------------------------------------------------------------------


class Report(models.Model):
    """A signed-in user's report about a profile or a review."""

    class Reason(models.TextChoices):
        FAKE = "fake", "Fake profile or impersonation"
        MISLEADING = "misleading", "Misleading credits, skills or rates"
        OFF_PLATFORM = "off_platform", "Asks to book or be paid outside GigBook"
        NO_SHOW = "no_show", "Did not turn up or was unreliable"
        HARASSMENT = "harassment", "Harassment or abuse"
        INAPPROPRIATE = "inappropriate", "Offensive or inappropriate content"
        SPAM = "spam", "Spam"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        NO_ACTION = "no_action", "We looked into it and found nothing against our rules"
        WARNED = "warned", "We talked to the person and asked them to change"
        CONTENT_REMOVED = "content_removed", "We removed the content"
        PROFILE_SUSPENDED = "profile_suspended", "We suspended the profile"
        REVIEW_HIDDEN = "review_hidden", "We hid the review"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_reports")
    profile = models.ForeignKey(
        MusicianProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="trust_reports"
    )
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(profile__isnull=False, review__isnull=True) | Q(profile__isnull=True, review__isnull=False),
                name="trust_report_one_target",
            ),
            # One open report per reporter and target: a second click cannot file it twice.
            models.UniqueConstraint(
                fields=["reporter", "profile"], condition=Q(status="open", profile__isnull=False),
                name="trust_report_one_open_per_profile",
            ),
            models.UniqueConstraint(
                fields=["reporter", "review"], condition=Q(status="open", review__isnull=False),
                name="trust_report_one_open_per_review",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | Q(status="resolved", resolved_at__isnull=False) & ~Q(outcome=""),
                name="trust_report_resolution_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["reporter", "created_at"], name="trust_report_reporter_recent"),
            models.Index(fields=["profile", "status"], name="trust_report_profile_status"),
        ]

    def __str__(self) -> str:
        target = f"profile {self.profile_id}" if self.profile_id else f"review {self.review_id}"
        return f"Report {self.pk} on {target} ({self.status})"


# --- Word of mouth -------------------------------------------------------------------------------


class Endorsement(models.Model):
    """A musician vouching for another's playing on one instrument or in one genre."""

    endorser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_given")
    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="endorsements")
    instrument = models.ForeignKey(Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    genre = models.ForeignKey(Genre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=280, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__isnull=False, genre__isnull=True) | Q(instrument__isnull=True, genre__isnull=False),
                name="trust_endorsement_one_skill",
            ),
            models.UniqueConstraint(
                fields=["endorser", "profile", "instrument"], condition=Q(instrument__isnull=False),
                name="trust_endorsement_unique_instrument",
            ),
            models.UniqueConstraint(
                fields=["endorser", "profile", "genre"], condition=Q(genre__isnull=False),
                name="trust_endorsement_unique_genre",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endorser_id} vouches for {self.profile_id}: {self.skill_name}"

    @property
    def skill_name(self) -> str:
        return self.instrument.name if self.instrument_id else self.genre.name


class Recommendation(models.Model):
    """A musician who declined an offer suggests a colleague; the producer can send them the offer."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the producer"
        OFFERED = "offered", "Offer sent"
        DISMISSED = "dismissed", "Dismissed"

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="recommendation")
    recommender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recommended = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="recommendations_received")
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    acted_at = models.DateTimeField(null=True, blank=True)
    new_booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="from_recommendation"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(new_booking__isnull=False), name="trust_recommendation_offer_has_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.pk}: profile {self.recommended_id} for booking {self.booking_id}"
