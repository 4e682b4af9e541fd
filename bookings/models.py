"""Venues, bookings (offers and their lifecycle), their history, materials and calendar feeds.

All writes go through ``bookings.services``; reads with rules through ``bookings.selectors``.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from bookings.db import PostgresExclusionConstraint, TsTzRange
from bookings.storage import materials_storage
from gigbook.accounts.validators import validate_time_zone
from gigbook.core import clock


class Venue(models.Model):
    """A studio or venue a producer books players into; reusable across that producer's bookings."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=120, blank=True)
    # What the producer picked from the place search ("NW8 9AY, London"); the pin may have moved from it.
    place = models.CharField(max_length=120, blank=True)
    # Required: short-notice requests and distance search measure from here (see gigbook.places).
    latitude = models.FloatField(validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)])
    longitude = models.FloatField(validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    notes = models.TextField(blank=True, max_length=2000, help_text="Parking, load-in, door codes…")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["owner", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="bookings_venue_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}" if self.city else self.name

    @property
    def map_url(self) -> str:
        from urllib.parse import quote_plus

        if self.latitude is not None and self.longitude is not None:
            return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"
        return f"https://www.openstreetmap.org/search?query={quote_plus(self.address)}"

    @property
    def directions_url(self) -> str:
        """A maps search for the address: on a phone it opens the maps app with directions."""
        from urllib.parse import urlencode

        where = ", ".join(part for part in (self.name, self.address, self.city) if part)
        return "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": where})


MONEY = {"max_digits": 12, "decimal_places": 3}


class Booking(models.Model):
    """One musician booked (or offered) for one stretch of time by one producer."""

    class Kind(models.TextChoices):
        STUDIO_SESSION = "studio_session", "Studio session"
        LIVE_SHOW = "live_show", "Live show"
        REHEARSAL = "rehearsal", "Rehearsal"
        TOUR_DATE = "tour_date", "Tour date"
        REMOTE_RECORDING = "remote_recording", "Remote recording"

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        COUNTERED = "countered", "Countered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    class Approach(models.TextChoices):
        CHART = "chart", "Play the chart"
        IMPROVISE = "improvise", "Improvise"
        MIXED = "mixed", "Chart, with room to improvise"

    class FeeBasis(models.TextChoices):
        HOURLY = "hourly", "Hourly"
        SESSION = "session", "Per 3-hour session"
        DAY = "day", "Day rate"
        FLAT = "flat", "Flat fee"

    class Source(models.TextChoices):
        OFFER = "offer", "Offer"
        SHORT_NOTICE = "short_notice", "Short-notice request"
        HOLD = "hold", "Confirmed hold"

    # Statuses that hold the musician's time. Completed bookings keep blocking so history stays
    # consistent: an accepted booking turning completed can never create an overlap.
    BLOCKING_STATUSES = (Status.ACCEPTED, Status.COMPLETED)
    OPEN_STATUSES = (Status.OFFERED, Status.COUNTERED)

    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings_as_producer")
    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings_as_musician")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.PROTECT, related_name="+")
    doubles = models.ManyToManyField("musicians.Instrument", blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    # The zone the booking is shown in to both sides: the venue's, or the producer's choice when remote.
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    title = models.CharField(max_length=120, blank=True)

    # --- The brief -------------------------------------------------------------------------
    brief_style = models.CharField(max_length=200, blank=True)
    brief_references = models.TextField(blank=True, max_length=4000)
    brief_approach = models.CharField(max_length=10, choices=Approach.choices, default=Approach.CHART)
    brief_notes = models.TextField(blank=True, max_length=4000)

    # --- Fee terms in force (the offer's, or the accepted counter's) -------------------------
    currency = models.CharField(max_length=3)
    fee_basis = models.CharField(max_length=8, choices=FeeBasis.choices)
    rate = models.DecimalField(**MONEY)
    minimum_call_hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0"))
    overtime_rate_per_half_hour = models.DecimalField(**MONEY, default=Decimal("0"))
    overtime_half_hours = models.PositiveSmallIntegerField(default=0)
    doubling_fee = models.DecimalField(**MONEY, default=Decimal("0"))
    cartage_fee = models.DecimalField(**MONEY, default=Decimal("0"))
    travel_fee = models.DecimalField(**MONEY, default=Decimal("0"))
    per_diem = models.DecimalField(**MONEY, default=Decimal("0"))
    per_diem_days = models.PositiveSmallIntegerField(default=0)
    quote = models.JSONField(default=dict)  # fees.Quote.as_json()
    fee_total = models.DecimalField(**MONEY)
    below_published_rate = models.BooleanField(default=False)
    published_amount = models.DecimalField(**MONEY, null=True, blank=True)
    rate_note = models.CharField(max_length=300, blank=True)
    # The musician's cancellation terms, copied when the offer is made so later profile edits
    # never change what was agreed.
    late_cancellation_window_hours = models.PositiveIntegerField(default=0)
    late_cancellation_fee = models.DecimalField(**MONEY, default=Decimal("0"))

    # --- A counter-proposal waiting for the producer -------------------------------------------
    counter_terms = models.JSONField(null=True, blank=True)
    counter_quote = models.JSONField(null=True, blank=True)
    counter_total = models.DecimalField(**MONEY, null=True, blank=True)
    counter_below_published_rate = models.BooleanField(default=False)
    counter_note = models.TextField(blank=True, max_length=2000)
    countered_at = models.DateTimeField(null=True, blank=True)

    # --- Lifecycle -----------------------------------------------------------------------------
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.OFFER)
    expires_at = models.DateTimeField(help_text="Answer-by time of the offer.")
    status_changed_at = models.DateTimeField()
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_note = models.TextField(blank=True, max_length=2000)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="When the fee was frozen.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.TextField(blank=True, max_length=2000)
    cancelled_late = models.BooleanField(default=False)
    cancellation_fee = models.DecimalField(**MONEY, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: bumped on every change, so subscribed calendars replace the event.
    sequence = models.PositiveIntegerField(default=0)

    # --- Reminders: due times stored at accept, swept by beat; *_sent_at marks each sent once ---
    remind_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    remind_2h_at = models.DateTimeField(null=True, blank=True)
    reminded_2h_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # Set by booking_offer when an Idempotency-Key replay returned an existing booking.
    replayed: bool = False

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bookings_booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(kind="remote_recording", venue__isnull=True) | (~Q(kind="remote_recording") & Q(venue__isnull=False)),
                name="bookings_booking_venue_unless_remote",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["offered", "countered", "accepted", "declined", "expired", "withdrawn",
                                        "cancelled", "completed"]),
                name="bookings_booking_status_valid",
            ),
            models.CheckConstraint(condition=~Q(producer=F("musician")), name="bookings_booking_not_self"),
            models.CheckConstraint(
                condition=Q(rate__gte=0, fee_total__gte=0, overtime_rate_per_half_hour__gte=0, doubling_fee__gte=0,
                            cartage_fee__gte=0, travel_fee__gte=0, per_diem__gte=0, late_cancellation_fee__gte=0),
                name="bookings_booking_money_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "completed"]) | Q(accepted_at__isnull=False),
                name="bookings_booking_accepted_has_time",
            ),
            # The guarantee: one musician never holds two accepted bookings whose times overlap.
            # '[)' bounds: back-to-back bookings (10-12, 12-13) do not conflict.
            PostgresExclusionConstraint(
                name="bookings_no_double_booking",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("musician", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=["accepted", "completed"]),
                violation_error_code="double_booking",
                violation_error_message="The musician already has an accepted booking at this time.",
            ),
        ]
        indexes = [
            models.Index(fields=["musician", "status", "starts_at"], name="bookings_musician_status_start"),
            models.Index(fields=["producer", "status", "starts_at"], name="bookings_producer_status_start"),
            # The beat sweeps each look only at their own small slice of rows.
            models.Index(fields=["expires_at"], condition=Q(status="offered"), name="bookings_offer_expiry"),
            models.Index(fields=["starts_at"], condition=Q(status="countered"), name="bookings_counter_start"),
            models.Index(fields=["ends_at"], condition=Q(status="accepted"), name="bookings_accepted_end"),
            models.Index(
                fields=["remind_24h_at"], condition=Q(status="accepted", reminded_24h_at__isnull=True),
                name="bookings_remind_24h_due",
            ),
            models.Index(
                fields=["remind_2h_at"], condition=Q(status="accepted", reminded_2h_at__isnull=True),
                name="bookings_remind_2h_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk} ({self.status})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    def effective_status(self, now: datetime) -> str:
        """The status as of ``now``: an offer past its answer-by time is expired, swept or not."""
        if self.status == self.Status.OFFERED and now >= self.expires_at:
            return self.Status.EXPIRED
        return self.status

    def is_party(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.producer_id, self.musician_id)

    @property
    def summary(self) -> str:
        what = self.title or self.get_kind_display()
        where = f" at {self.venue.name}" if self.venue_id else " (remote)"
        return f"{what}{where}"


class Hold(models.Model):
    """A pencil: a producer's ranked, expiring claim on a musician's time that is not a booking yet.

    Rank 1 is the 1st hold on that time; a hold moves up when one above it ends. Every deadline is
    a stored timestamp (``expires_at``, ``challenge_ends_at``) that the beat sweep acts on, and
    state that depends on time is also computed on read (``effective_status``). A confirmed hold
    points at the accepted booking it became.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        HELD = "held", "Held"
        CONFIRMED = "confirmed", "Confirmed"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"
        DECLINED = "declined", "Declined"

    class EndReason(models.TextChoices):
        NONE = "", "Open"
        PRODUCER = "producer", "Released by the producer"
        MUSICIAN = "musician", "Released by the musician"
        CHALLENGE = "challenge", "Not confirmed within the challenge window"
        BUMPED = "bumped", "The time was booked"

    ACTIVE_STATUSES = (Status.REQUESTED, Status.HELD)

    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds_as_producer")
    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds_as_musician")
    instrument = models.ForeignKey("musicians.Instrument", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Booking.Kind.choices)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="holds")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    title = models.CharField(max_length=120, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    # The fee terms it would become (as given to the offer form), with the quote made when placed.
    fee_terms = models.JSONField(default=dict)
    currency = models.CharField(max_length=3)
    fee_total = models.DecimalField(**MONEY)
    quote = models.JSONField(default=dict)

    rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, default="")
    expires_at = models.DateTimeField()
    challenge_window_hours = models.PositiveSmallIntegerField(default=24)
    # On the challenger while its challenge runs: when the holds above it lapse unless confirmed.
    challenge_ends_at = models.DateTimeField(null=True, blank=True)
    # On a challenged hold: confirm or release by then.
    challenged_until = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="hold")
    # iCalendar SEQUENCE for the tentative event.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "rank", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bookings_hold_ends_after_start"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="bookings_hold_rank_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "held", "confirmed", "released", "expired", "declined"]),
                name="bookings_hold_status_valid",
            ),
            models.CheckConstraint(condition=~Q(producer=F("musician")), name="bookings_hold_not_self"),
        ]
        indexes = [
            models.Index(fields=["musician", "status", "starts_at"], name="bookings_hold_musician"),
            models.Index(fields=["producer", "status", "starts_at"], name="bookings_hold_producer"),
            # The beat sweep reads only due rows.
            models.Index(fields=["expires_at"], condition=Q(status__in=["requested", "held"]), name="bookings_hold_due"),
            models.Index(fields=["challenge_ends_at"], condition=Q(status="held", challenge_ends_at__isnull=False),
                         name="bookings_hold_challenge_due"),
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} (rank {self.rank}, {self.status})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def effective_status(self, now: datetime) -> str:
        """An open hold past ``expires_at`` is expired, swept or not."""
        if self.status in self.ACTIVE_STATUSES and now >= self.expires_at:
            return self.Status.EXPIRED
        return self.status

    def is_party(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.producer_id, self.musician_id)

    @property
    def rank_label(self) -> str:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(self.rank if self.rank < 20 else self.rank % 10, "th")
        return f"{self.rank}{suffix} hold"


class BookingEvent(models.Model):
    """The history of a booking: who did what, when, from which state to which."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["booking", "at", "id"]

    LABELS = {
        "offer": "made the offer", "accept": "accepted", "decline": "declined", "counter": "sent a counter-offer",
        "withdraw": "withdrew the offer", "accept_counter": "accepted the counter-offer",
        "decline_counter": "declined the counter-offer", "cancel": "cancelled", "complete": "marked it completed",
        "expire": "expired (not answered in time)", "create_accepted": "booked it (short-notice)",
        "reschedule": "changed the time, place or fee (call sheet)",
    }

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '∅'} → {self.to_status} ({self.action})"

    @property
    def label(self) -> str:
        return self.LABELS.get(self.action, self.action)


def _material_path(instance: Material, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the detected type's extension.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"bookings/{instance.booking_id}/{uuid.uuid4().hex}.{extension}"


class Material(models.Model):
    """A chart or reference recording for a booking. Served only through the parties' download view."""

    class Kind(models.TextChoices):
        CHART = "chart", "Chart"
        REFERENCE = "reference", "Reference"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="materials")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHART)
    file = models.FileField(upload_to=_material_path, storage=materials_storage, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["booking", "created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private iCalendar subscription. Revoking replaces the token; the old URL stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(default=clock.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


class OfferIdempotencyKey(models.Model):
    """``Idempotency-Key`` of a ``POST /api/bookings/``: a retry with the same key returns the same booking."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="bookings_idempotency_unique")]
        indexes = [models.Index(fields=["created_at"], name="bookings_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
