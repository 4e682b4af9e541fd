"""Musician profiles, reference lists (instruments, genres) and busy time.

Writes go through ``musicians.services``; reads with rules (search, visibility) through
``musicians.selectors``. Models only hold fields, constraints and one-row helpers.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from musicians.geo import public_point

# Mean Earth radius used for every distance (SQL and Python use the same figure, so the search
# and the booking checks never disagree about a boundary).
EARTH_RADIUS_KM = 6371.0088
MAX_TRAVEL_RADIUS_KM = 20000
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0


class Instrument(models.Model):
    class Family(models.TextChoices):
        STRINGS = "strings", "Strings"
        GUITARS = "guitars", "Guitars and fretted"
        KEYS = "keys", "Keys"
        BRASS = "brass", "Brass"
        WOODWIND = "woodwind", "Woodwind"
        PERCUSSION = "percussion", "Drums and percussion"
        VOICE = "voice", "Voice"
        ELECTRONIC = "electronic", "Electronic and production"
        FOLK = "folk", "Folk and world"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    family = models.CharField(max_length=20, choices=Family.choices)

    class Meta:
        ordering = ["family", "name"]

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _profile_photo_path(instance: MusicianProfile, filename: str) -> str:
    # A fresh name per upload: browsers and CDNs never show a stale cached photo.
    return f"musicians/photos/{instance.pk or 'new'}/{filename}"


class MusicianProfile(models.Model):
    """One per musician user: the shop window producers search and book from."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="musician_profile")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True, max_length=2000)
    suspension_reason = models.TextField(blank=True, max_length=2000)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class ChangesState(models.TextChoices):
        NONE = "", "No changes waiting"
        PENDING = "pending", "Changes waiting for review"
        REJECTED = "rejected", "Changes not approved"

    # Edits of reviewed fields (services.REVIEW_FIELDS) of a profile that is already live wait here
    # until a moderator approves them; the fields above keep the approved version, so the public page,
    # search and bookings go on reading the row as it is. Values are JSON: text as strings, ``photo``
    # as a stored file name, ``media`` and ``credits`` as lists of dicts (see services).
    pending_changes = models.JSONField(default=dict, blank=True)
    changes_state = models.CharField(max_length=10, choices=ChangesState.choices, default="", blank=True)

    # --- Public identity -----------------------------------------------------------------
    stage_name = models.CharField(max_length=120, blank=True)
    headline = models.CharField(max_length=160, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    photo = models.ImageField(upload_to=_profile_photo_path, blank=True, max_length=255)

    # --- Where and how they work -------------------------------------------------------------
    city = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)]
    )
    travel_radius_km = models.PositiveIntegerField(default=50, validators=[MaxValueValidator(MAX_TRAVEL_RADIUS_KM)])
    willing_to_tour = models.BooleanField(default=False)
    records_remotely = models.BooleanField(default=False)
    reads_notation = models.BooleanField(default=False)
    reads_chords = models.BooleanField(default=False)
    reads_nashville = models.BooleanField(default=False)
    # Empty means "not said" (shown as nothing), which is not the same as zero years.
    years_experience = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(80)])
    union_membership = models.CharField(max_length=200, blank=True)
    equipment_notes = models.TextField(blank=True, max_length=2000)
    # ISO 639-1 codes from Django's LANG_INFO, e.g. ["en", "es"].
    languages = models.JSONField(default=list, blank=True)

    # --- Rates (all in ``currency``; Decimal, never float) -----------------------------------
    currency = models.CharField(max_length=3, default="GBP")
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    session_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="A standard 3-hour session."
    )
    day_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    live_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    minimum_call_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    overtime_rate_per_half_hour = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    doubling_fee = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Per extra instrument played."
    )
    cartage_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    late_cancellation_window_hours = models.PositiveIntegerField(null=True, blank=True)
    late_cancellation_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rate_notes = models.CharField(max_length=500, blank=True)

    # --- Maintained by the reviews feature ---------------------------------------------------
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)

    # --- Maintained by short-notice requests (bookings.gigrequests): how fast offers are answered ---
    response_rate = models.FloatField(
        null=True, blank=True, help_text="Share of short-notice offers answered in the last 12 months (0-1)."
    )
    median_response_seconds = models.PositiveIntegerField(null=True, blank=True)

    # --- Derived, kept in step by save(): search helpers -------------------------------------
    # The lat/lng rectangle the musician's travel radius covers (around the public point). A venue outside it is out of
    # reach, so the search prunes with this box (GiST-indexed on PostgreSQL) before the exact
    # great-circle test.
    # The centre of the ~5 km grid cell holding the home (musicians.geo): search measures distances
    # and reach from here, so nothing it answers reveals the exact position.
    public_latitude = models.FloatField(null=True, blank=True, editable=False)
    public_longitude = models.FloatField(null=True, blank=True, editable=False)
    reach_lat_min = models.FloatField(null=True, blank=True, editable=False)
    reach_lat_max = models.FloatField(null=True, blank=True, editable=False)
    reach_lng_min = models.FloatField(null=True, blank=True, editable=False)
    reach_lng_max = models.FloatField(null=True, blank=True, editable=False)
    # Lower-cased names, headline and bio for ``q`` (trigram-indexed on PostgreSQL).
    search_text = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending", "approved", "rejected", "suspended"]),
                name="musicians_profile_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(changes_state__in=["", "pending", "rejected"]), name="musicians_profile_changes_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0), name="musicians_profile_hourly_rate_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(session_rate__isnull=True) | Q(session_rate__gte=0),
                name="musicians_profile_session_rate_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(day_rate__isnull=True) | Q(day_rate__gte=0), name="musicians_profile_day_rate_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(live_rate__isnull=True) | Q(live_rate__gte=0), name="musicians_profile_live_rate_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="musicians_profile_lat_lng_valid",
            ),
            # Only approved profiles are searchable, and an approved profile must be bookable:
            # the hourly rate is required to publish.
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(hourly_rate__isnull=False),
                name="musicians_profile_approved_has_rate",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "hourly_rate"], name="musicians_prof_status_hourly"),
            models.Index(fields=["status", "years_experience"], name="musicians_prof_status_exp"),
            # PostgreSQL also has musicians_prof_rating (migration 0004) for the default ordering.
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.refresh_derived()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "reach_lat_min", "reach_lat_max", "reach_lng_min", "reach_lng_max", "search_text", "updated_at",
                "public_latitude", "public_longitude",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/musicians/{self.pk}/"

    @property
    def display_name(self) -> str:
        return self.stage_name or self.user.greeting_name

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED

    def refresh_derived(self) -> None:
        """Recompute the reach box and the search text from this row's own fields."""
        self.public_latitude, self.public_longitude = public_point(self.latitude, self.longitude)
        box = reach_box(self.public_latitude, self.public_longitude, self.travel_radius_km)
        self.reach_lat_min, self.reach_lat_max, self.reach_lng_min, self.reach_lng_max = box
        names = (self.user.display_name, self.user.full_name) if self.user_id else ()
        self.search_text = " ".join(
            part for part in (self.stage_name, *dict.fromkeys(names), self.headline, self.bio) if part
        ).lower()

    def rate_for(self, kind: str) -> Decimal | None:
        return getattr(self, RATE_KIND_FIELDS[kind])


RATE_KIND_FIELDS = {"hourly": "hourly_rate", "session": "session_rate", "day": "day_rate", "live": "live_rate"}


def reach_box(lat: float | None, lng: float | None, radius_km: float | None):
    """(lat_min, lat_max, lng_min, lng_max) enclosing every point within ``radius_km``.

    Conservative: near a pole or across the 180° meridian it widens to all longitudes rather
    than wrap, and the exact great-circle test then decides.
    """
    if lat is None or lng is None or radius_km is None:
        return (None, None, None, None)
    # A hair of slack so a venue exactly on the boundary is never pruned by float rounding.
    dlat = radius_km / KM_PER_DEGREE_LAT + 1e-6
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if lat_min <= -90.0 or lat_max >= 90.0:
        return (lat_min, lat_max, -180.0, 180.0)
    # Longitude span is widest at the box's edge furthest from the equator.
    widest = max(abs(lat_min), abs(lat_max))
    cos_lat = math.cos(math.radians(widest))
    dlng = 180.0 if cos_lat <= 1e-9 else min(180.0, radius_km / (KM_PER_DEGREE_LAT * cos_lat) + 1e-6)
    lng_min, lng_max = lng - dlng, lng + dlng
    if lng_min < -180.0 or lng_max > 180.0:
        return (lat_min, lat_max, -180.0, 180.0)
    return (lat_min, lat_max, lng_min, lng_max)


class ProfileInstrument(models.Model):
    class Skill(models.TextChoices):
        EXPERT = "expert", "Expert (first call)"
        PROFESSIONAL = "professional", "Professional"
        CAPABLE = "capable", "Capable double"

    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="instruments")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(default=False)
    skill_level = models.CharField(max_length=16, choices=Skill.choices, default=Skill.PROFESSIONAL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile", "-is_primary", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "instrument"], name="musicians_profinst_unique"),
            models.UniqueConstraint(
                fields=["profile"], condition=Q(is_primary=True), name="musicians_profinst_one_primary"
            ),
        ]
        # The search asks "who plays X" (instrument first); the profile page asks the reverse,
        # which the unique constraint's index already serves.
        indexes = [models.Index(fields=["instrument", "profile"], name="musicians_profinst_inst_prof")]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.instrument_id}"


class ProfileGenre(models.Model):
    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="genres")
    genre = models.ForeignKey(Genre, on_delete=models.PROTECT, related_name="+")
    strength = models.PositiveSmallIntegerField(default=1, help_text="1 = strongest.")

    class Meta:
        ordering = ["profile", "strength", "id"]
        constraints = [models.UniqueConstraint(fields=["profile", "genre"], name="musicians_profgenre_unique")]
        indexes = [models.Index(fields=["genre", "profile"], name="musicians_profgenre_genre_prof")]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.genre_id}"


class DemoMedia(models.Model):
    class Kind(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        VIMEO = "vimeo", "Vimeo"
        SOUNDCLOUD = "soundcloud", "SoundCloud"
        BANDCAMP = "bandcamp", "Bandcamp"
        WEBSITE = "website", "Website"

    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    url = models.URLField(max_length=500)
    title = models.CharField(max_length=120, blank=True)
    # The player URL we frame, derived from ``url`` by host rules; blank when the host gives
    # no embeddable player for it (then the page shows a link).
    embed_url = models.URLField(max_length=600, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile", "position", "id"]

    def __str__(self) -> str:
        return self.url


class Credit(models.Model):
    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="credits")
    artist = models.CharField(max_length=120)
    title = models.CharField(max_length=160)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    role = models.CharField(max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile", "position", "id"]

    def __str__(self) -> str:
        return f"{self.artist} – {self.title}"


class UnavailabilityBlock(models.Model):
    """Time the musician marks unavailable, entered in their own time zone.

    ONCE: [starts_at, ends_at) as aware datetimes. WEEKLY: every ``weekday`` from
    ``start_time`` to ``end_time`` local wall-clock time (an end at or before the start runs
    past midnight), from ``valid_from`` until ``valid_until`` (inclusive, open-ended if blank),
    in ``time_zone`` (the musician's zone when the block was made), so DST moves the UTC instants
    and not the wall-clock hours. Concrete intervals live in BusyInterval.
    """

    class Kind(models.TextChoices):
        ONCE = "once", "One-off"
        WEEKLY = "weekly", "Every week"

    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="unavailability")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 = Monday … 6 = Sunday")
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    note = models.CharField(max_length=200, blank=True, help_text="Private: only you see it.")
    # How far the weekly rule has been written into BusyInterval (exclusive).
    expanded_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["profile", "kind", "starts_at", "weekday", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="once", starts_at__isnull=False, ends_at__isnull=False, ends_at__gt=F("starts_at"))
                    | Q(
                        kind="weekly",
                        weekday__gte=0,
                        weekday__lte=6,
                        start_time__isnull=False,
                        end_time__isnull=False,
                        valid_from__isnull=False,
                    )
                ),
                name="musicians_block_shape_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} block {self.pk}"


class BusyInterval(models.Model):
    """A concrete [starts_at, ends_at) when a musician is not available.

    The one table both search and booking checks read. Written by musicians (expanded
    unavailability blocks) and by bookings through ``musicians.services.busy_interval_add``,
    so ``musicians`` never needs to import ``bookings``. Half-open: touching intervals do not
    overlap. PostgreSQL gets a GiST index on ``tstzrange(starts_at, ends_at)`` (migration 0002).
    """

    class Source(models.TextChoices):
        BLOCK = "block", "Unavailability block"
        BOOKING = "booking", "Booking"
        # A producer's hold the musician accepted: "pencilled", not free and not booked. Search
        # shows it; booking checks ignore it (a firm offer may take pencilled time).
        HOLD = "hold", "Pencilled (hold)"
        # Busy time read from the musician's own Google/iCloud/Outlook calendar (calendar_import).
        CALENDAR = "calendar", "Your calendar"

    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="busy_intervals")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.CharField(max_length=64)
    label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["profile", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="musicians_busy_nonempty"),
            models.CheckConstraint(condition=Q(source__in=["block", "booking", "hold", "calendar"]),
                                   name="musicians_busy_source_valid"),
            # Adding the same interval twice (a retried task, a replayed booking) is a no-op.
            models.UniqueConstraint(fields=["source", "source_id", "starts_at"], name="musicians_busy_unique"),
        ]
        indexes = [models.Index(fields=["profile", "starts_at"], name="musicians_busy_prof_start")]

    def __str__(self) -> str:
        return f"{self.profile_id} busy {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} ({self.source})"
