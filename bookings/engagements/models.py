"""Multi-date engagements: one offer of many dates (a tour, a run of sessions, a residency).

Each date is its own ``bookings.Booking`` (so the no-double-booking constraint, the calendar feed,
reminders and invoices work per date), tied to the engagement by an ``EngagementDate`` row that
also carries what only an engagement has: the date's place in the run and its travel days.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from bookings.models import Booking


class Engagement(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired"
        # The producer took back every date still open before the musician answered.
        WITHDRAWN = "withdrawn", "Withdrawn"

    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="engagements_as_producer")
    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="engagements_as_musician")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120)
    note = models.TextField(blank=True, max_length=4000)
    # The producer's choice: may the musician take some dates and decline the rest?
    allow_partial = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    expires_at = models.DateTimeField(help_text="Answer-by time for every date of the offer.")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["offered", "answered", "expired", "withdrawn"]),
                                   name="engagements_status_valid"),
            models.CheckConstraint(condition=~Q(status="answered") | Q(answered_at__isnull=False),
                                   name="engagements_answered_has_time"),
            models.CheckConstraint(condition=~Q(producer=models.F("musician")), name="engagements_not_self"),
        ]
        indexes = [
            models.Index(fields=["producer", "created_at"], name="engagements_producer"),
            # The expiry sweep's scan: unanswered engagements by answer-by time.
            models.Index(fields=["expires_at"], condition=Q(status="offered"), name="engagements_offered_due"),
            models.Index(fields=["musician", "created_at"], name="engagements_musician"),
        ]

    def __str__(self) -> str:
        return f"Engagement {self.pk}: {self.title}"

    def effective_status(self, now: datetime) -> str:
        """Unanswered past the answer-by time reads as expired, swept or not."""
        if self.status == self.Status.OFFERED and now >= self.expires_at:
            return self.Status.EXPIRED
        return self.status

    def is_party(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.producer_id, self.musician_id)


class EngagementDate(models.Model):
    """One date of an engagement: its booking (times, venue, fee and cancellation terms) plus the
    travel days paid with it (its per diem covers them)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="dates")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="engagement_date")
    position = models.PositiveSmallIntegerField()
    travel_days = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["engagement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "position"], name="engagements_date_position_unique"),
            models.CheckConstraint(condition=Q(travel_days__lte=14), name="engagements_date_travel_days_max"),
        ]

    def __str__(self) -> str:
        return f"Date {self.position} of engagement {self.engagement_id}"
