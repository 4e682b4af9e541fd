"""Short-notice gig requests: one post, several chairs, invitations sent to phones, one winner per chair.

State that depends on time is stored as timestamps and computed on read (``effective_status``):
an invitation past its ``deadline`` is timed out and a request past its ``answer_by`` is expired,
whether or not the beat sweep has written that yet. Writes go through ``services``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bookings.models import MONEY, Booking, Venue
from gigbook.accounts.validators import validate_time_zone


class GigRequest(models.Model):
    """A producer's short-notice request: the slot, the terms, the fill strategy and its progress.

    ``open -> filled | expired | cancelled``. ``next_step_at`` is the earliest moment something
    is due (a time box ending, the broadcast threshold, the answer-by deadline, a dispatch to
    re-check); the beat sweep picks up open requests whose moment has come.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FILLED = "filled", "Filled"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    class Strategy(models.TextChoices):
        BROADCAST = "broadcast", "Broadcast to everyone at once"
        CALL_LIST = "call_list", "Call list, one at a time"
        TIGHTENING = "tightening", "Call list that tightens as the gig nears"

    class FeeBasis(models.TextChoices):
        HOURLY = "hourly", "Hourly"
        FLAT = "flat", "Flat fee"

    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gig_requests")
    title = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=Booking.Kind.choices)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="gig_requests")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    brief_style = models.CharField(max_length=200, blank=True)
    brief_approach = models.CharField(max_length=10, choices=Booking.Approach.choices, default=Booking.Approach.CHART)
    brief_notes = models.TextField(blank=True, max_length=4000)

    currency = models.CharField(max_length=3)
    fee_basis = models.CharField(max_length=8, choices=FeeBasis.choices, default=FeeBasis.HOURLY)
    rate = models.DecimalField(**MONEY, help_text="The fee offered: per hour, or the flat amount.")
    max_rate = models.DecimalField(
        **MONEY, null=True, blank=True,
        help_text="Optional ceiling: a player whose published rate is above the offer but within this gets their rate.",
    )

    strategy = models.CharField(max_length=12, choices=Strategy.choices)
    max_invitees = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Per instrument: a broadcast invites the best N (blank: all); a call list is this long (blank: 25).",
    )
    time_box_minutes = models.PositiveIntegerField(default=10)
    # A player with push on is texted only if they have not opened the offer's push within this.
    push_fallback_minutes = models.PositiveIntegerField(default=2)
    broadcast_threshold_hours = models.DecimalField(max_digits=5, decimal_places=2, default=12)
    answer_by = models.DateTimeField(help_text="Deadline for the whole request.")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    next_step_at = models.DateTimeField(null=True, blank=True)
    broadcast_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a tightening call list turned into a broadcast."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    filled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    widened_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="widened_into"
    )
    idempotency_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="gigreq_ends_after_start"),
            models.CheckConstraint(condition=Q(answer_by__lte=F("starts_at")), name="gigreq_answer_by_before_start"),
            models.CheckConstraint(
                condition=Q(kind="remote_recording", venue__isnull=True) | (~Q(kind="remote_recording") & Q(venue__isnull=False)),
                name="gigreq_venue_unless_remote",
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "filled", "expired", "cancelled"]), name="gigreq_status_valid"),
            models.CheckConstraint(condition=Q(strategy__in=["broadcast", "call_list", "tightening"]), name="gigreq_strategy_valid"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & (Q(max_rate__isnull=True) | Q(max_rate__gte=F("rate"))),
                name="gigreq_fee_valid",
            ),
            models.CheckConstraint(condition=Q(time_box_minutes__gte=1), name="gigreq_time_box_positive"),
            models.UniqueConstraint(
                fields=["producer", "idempotency_key"], condition=~Q(idempotency_key=""), name="gigreq_idempotency_unique"
            ),
        ]
        indexes = [
            # The sweep's whole working set: open requests with something due.
            models.Index(fields=["next_step_at"], condition=Q(status="open"), name="gigreq_open_due"),
            models.Index(fields=["producer", "-created_at"], name="gigreq_producer_recent"),
        ]

    def __str__(self) -> str:
        return f"Gig request {self.pk} ({self.status})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def effective_status(self, now: datetime) -> str:
        """``expired`` once ``answer_by`` has passed, even before the sweep writes it."""
        if self.status == self.Status.OPEN and now >= self.answer_by:
            return self.Status.EXPIRED
        return self.status

    @property
    def summary(self) -> str:
        what = self.title or self.get_kind_display()
        where = f" at {self.venue.name}" if self.venue_id else " (remote)"
        return f"{what}{where}"


class Chair(models.Model):
    """One seat to fill. ``booking`` is set once, by a conditional update, in the accept transaction."""

    request = models.ForeignKey(GigRequest, on_delete=models.CASCADE, related_name="chairs")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="1, 2, … within this instrument.")
    # OneToOne: a booking fills at most one chair; NULL until filled.
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="gig_chair")
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "instrument", "number"], name="gigreq_chair_unique"),
            models.CheckConstraint(
                condition=Q(booking__isnull=True, filled_by__isnull=True, filled_at__isnull=True)
                | Q(booking__isnull=False, filled_by__isnull=False, filled_at__isnull=False),
                name="gigreq_chair_filled_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.number} of request {self.request_id}"

    @property
    def is_filled(self) -> bool:
        return self.booking_id is not None


class Invitation(models.Model):
    """One musician asked for one chair group (an instrument) of a request.

    ``queued -> sent -> seen -> accepted | declined | timed_out | withdrawn``; a queued invitation
    can also be withdrawn (the chair filled, the request ended, or the player stopped being
    free before their turn). ``delivered`` is not stored: it is read from the notification's
    deliveries.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SEEN = "seen", "Seen"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        TIMED_OUT = "timed_out", "Timed out"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Reason(models.TextChoices):
        NONE = "", "—"
        FILLED = "filled", "The chair was filled"
        CANCELLED = "cancelled", "The request was cancelled"
        EXPIRED = "expired", "The request expired"
        NOT_FREE = "not_free", "No longer free or bookable"
        WIDENED = "widened", "Continued in a widened request"

    OPEN_STATUSES = (Status.SENT, Status.SEEN)
    PENDING_STATUSES = (Status.QUEUED, Status.SENT, Status.SEEN)

    request = models.ForeignKey(GigRequest, on_delete=models.CASCADE, related_name="invitations")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.PROTECT, related_name="+")
    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gig_invitations")
    position = models.PositiveIntegerField(help_text="Order in this instrument's call list, from 1.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True, default="")
    offered_rate = models.DecimalField(**MONEY)
    score = models.FloatField(default=0)
    # Why this player was ranked where they are (shown to the producer): favourite, past gigs, …
    ranking = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # Broadcasts hand large batches to Celery: released = handed over, not yet sent.
    released_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, help_text="Answer by; set when sent.")
    seen_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="The musician's note when declining.")
    # A closing message owed to an invitee who was asked and did not answer ("filled, thank you",
    # "cancelled"). Recorded in the transaction that closes the offer, written to the outbox just
    # after it (see services.announce_notices), by the sweep if that step was lost.
    notice = models.CharField(max_length=10, blank=True, default="")
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    chair = models.OneToOneField(Chair, null=True, blank=True, on_delete=models.SET_NULL, related_name="winner_invitation")
    notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["request", "instrument", "position", "id"]
        constraints = [
            # A musician is asked for one chair per request: they cannot sit in two.
            models.UniqueConstraint(fields=["request", "musician"], name="gigreq_invitation_once_per_request"),
            models.UniqueConstraint(fields=["request", "instrument", "position"], name="gigreq_invitation_position_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "seen", "accepted", "declined", "timed_out", "withdrawn"]),
                name="gigreq_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="queued") | Q(status="withdrawn") | Q(sent_at__isnull=False, deadline__isnull=False),
                name="gigreq_invitation_sent_has_deadline",
            ),
            models.CheckConstraint(condition=~Q(status="accepted") | Q(chair__isnull=False), name="gigreq_invitation_accepted_has_chair"),
            models.CheckConstraint(condition=Q(offered_rate__gte=0), name="gigreq_invitation_rate_not_negative"),
        ]
        indexes = [
            models.Index(fields=["musician", "status"], name="gigreq_inv_musician_status"),
            models.Index(fields=["request", "status", "instrument", "position"], name="gigreq_inv_request_status"),
            models.Index(
                fields=["closed_at"], condition=Q(notice_sent_at__isnull=True) & ~Q(notice=""), name="gigreq_inv_notice_due"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.status})"

    def effective_status(self, now: datetime) -> str:
        """``timed_out`` once past the deadline, even before the sweep writes it."""
        if self.status in self.OPEN_STATUSES and self.deadline is not None and now >= self.deadline:
            return self.Status.TIMED_OUT
        return self.status


class Favourite(models.Model):
    """A producer's first-call player for one instrument; ``position`` orders the list."""

    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.CASCADE, related_name="+")
    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourited_by")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["producer", "instrument", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["producer", "instrument", "musician"], name="gigreq_favourite_unique"),
            models.CheckConstraint(condition=~Q(producer=F("musician")), name="gigreq_favourite_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.producer_id} ★ {self.musician_id} ({self.instrument_id})"


class ResponseStats(models.Model):
    """How a musician answers short-notice offers (raw data: their invitations' timestamps).

    Recomputed by the services whenever one of their invitations is answered or times out.
    """

    musician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gig_response_stats")
    offers_counted = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    response_rate = models.FloatField(null=True, blank=True, help_text="0..1; None until an offer has been counted.")
    median_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "response stats"
        verbose_name_plural = "response stats"

    def __str__(self) -> str:
        return f"Response stats of {self.musician_id}"
