"""Input serializers check shape; output serializers render. Rules live in musicians.services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gigbook.core import clock
from musicians.currencies import CURRENCIES
from musicians.geo import distance_band_km
from musicians.models import (
    MAX_TRAVEL_RADIUS_KM,
    RATE_KIND_FIELDS,
    Credit,
    DemoMedia,
    Genre,
    Instrument,
    MusicianProfile,
    ProfileInstrument,
    UnavailabilityBlock,
)
from musicians.selectors import (
    ORDERINGS,
    READS_FIELDS,
    genre_slugs,
    instrument_slugs,
    profile_completeness,
    profile_publish_problems,
    search_window_limits,
)
from musicians.services import REVIEW_FIELDS, REVIEW_LABELS, REVIEW_TEXT_FIELDS, reviewed_values

MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0"), "allow_null": True, "required": False}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# --- Reference data -------------------------------------------------------------------------


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["slug", "name", "family"]


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["slug", "name"]


# --- Profile: output ------------------------------------------------------------------------


class ProfileInstrumentOutSerializer(serializers.Serializer):
    instrument = serializers.CharField(source="instrument.slug")
    name = serializers.CharField(source="instrument.name")
    family = serializers.CharField(source="instrument.family")
    is_primary = serializers.BooleanField()
    skill_level = serializers.CharField()


class ProfileGenreOutSerializer(serializers.Serializer):
    genre = serializers.CharField(source="genre.slug")
    name = serializers.CharField(source="genre.name")
    strength = serializers.IntegerField()


class MediaOutSerializer(serializers.ModelSerializer):
    # A plain string (not an enum) so its OpenAPI name does not collide with the block "kind".
    kind = serializers.CharField(help_text="youtube, vimeo, soundcloud, bandcamp or website (from the link's host).")

    class Meta:
        model = DemoMedia
        fields = ["kind", "url", "title", "embed_url"]


class CreditOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Credit
        fields = ["artist", "title", "year", "role"]


class RatesSerializer(serializers.Serializer):
    currency = serializers.CharField()
    hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    session_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    day_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    live_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    minimum_call_hours = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    overtime_rate_per_half_hour = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    doubling_fee = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    cartage_fee = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    late_cancellation_window_hours = serializers.IntegerField(allow_null=True)
    late_cancellation_fee = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    rate_notes = serializers.CharField()


RATE_FIELDS = list(RatesSerializer().fields)
PUBLIC_FIELDS = [
    "id", "display_name", "stage_name", "headline", "bio", "photo_url", "city",
    "travel_radius_km", "willing_to_tour", "records_remotely", "reads_notation", "reads_chords", "reads_nashville",
    "years_experience", "union_membership", "equipment_notes", "languages", "instruments", "genres", "rates",
    "media", "credits", "rating_avg", "rating_count", "profile_url", "book_url",
]


class PublicProfileSerializer(serializers.ModelSerializer):
    """The public press kit: no contact details, no moderation data."""

    display_name = serializers.CharField()
    photo_url = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField())
    instruments = ProfileInstrumentOutSerializer(many=True)
    genres = ProfileGenreOutSerializer(many=True)
    rates = serializers.SerializerMethodField()
    media = MediaOutSerializer(many=True)
    credits = CreditOutSerializer(many=True)
    profile_url = serializers.CharField(source="get_absolute_url")
    book_url = serializers.SerializerMethodField()

    class Meta:
        model = MusicianProfile
        fields = PUBLIC_FIELDS

    def get_photo_url(self, profile) -> str | None:
        return profile.photo.url if profile.photo else None

    def get_book_url(self, profile) -> str:
        return f"/bookings/new/?musician={profile.pk}"

    @extend_schema_field(RatesSerializer)
    def get_rates(self, profile) -> dict:
        return RatesSerializer({field: getattr(profile, field) for field in RATE_FIELDS}).data


class CompletenessStepSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    required = serializers.BooleanField()
    todo = serializers.CharField()
    anchor = serializers.CharField()


class WaitingChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField(help_text="The approved (public) value, as text.")
    after = serializers.CharField(help_text="The value waiting for review, as text.")


def _as_text(field: str, value) -> str:
    if field == "media":
        return "; ".join(row["url"] for row in value) or "none"
    if field == "credits":
        return "; ".join(f"{row['artist']} – {row['title']}" for row in value) or "none"
    if field == "photo":
        return "a new photo" if value else "no photo"
    return value or "(empty)"


class OwnProfileSerializer(RatesSerializer, PublicProfileSerializer):
    """Everything the editor needs: the public fields plus status and what is still missing.

    The rates come flat (from RatesSerializer) so GET → PUT round-trips with the same field names.
    On a live profile with changes waiting for review, the reviewed fields show the musician's
    waiting version (what they typed), ``waiting_changes`` lists them against the approved one.
    """

    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    suspension_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    publish_problems = serializers.SerializerMethodField()
    review_fields = serializers.SerializerMethodField()
    changes_state = serializers.ChoiceField(choices=MusicianProfile.ChangesState.choices)
    waiting_changes = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()

    class Meta:
        model = MusicianProfile
        fields = [
            *PUBLIC_FIELDS, "latitude", "longitude", "status", "rejection_reason", "suspension_reason", "submitted_at",
            "reviewed_at",
            "publish_problems", "review_fields", "changes_state", "waiting_changes", "completeness", *RATE_FIELDS,
        ]

    def get_review_fields(self, profile) -> list[str]:
        return list(REVIEW_FIELDS)

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.CharField())))
    def get_publish_problems(self, profile) -> dict:
        return profile_publish_problems(profile)

    @extend_schema_field(WaitingChangeSerializer(many=True))
    def get_waiting_changes(self, profile) -> list:
        if not profile.pending_changes:
            return []
        approved = reviewed_values(profile)
        return [
            {"field": field, "label": REVIEW_LABELS[field].capitalize(),
             "before": _as_text(field, approved[field]), "after": _as_text(field, profile.pending_changes[field])}
            for field in REVIEW_FIELDS if field in profile.pending_changes
        ]

    @extend_schema_field(CompletenessStepSerializer(many=True))
    def get_completeness(self, profile) -> list:
        return CompletenessStepSerializer(profile_completeness(profile), many=True).data

    def to_representation(self, profile):
        data = super().to_representation(profile)
        pending = profile.pending_changes
        for field in REVIEW_TEXT_FIELDS:
            if field in pending:
                data[field] = pending[field]
        if "stage_name" in pending:
            data["display_name"] = pending["stage_name"] or profile.user.full_name
        if "photo" in pending:
            data["photo_url"] = profile.photo.storage.url(pending["photo"]) if pending["photo"] else None
        for field in ("media", "credits"):
            if field in pending:
                data[field] = [dict(row) for row in pending[field]]
        return data


# --- Profile: input -------------------------------------------------------------------------


class _SlugRefField(serializers.SlugRelatedField):
    default_error_messages = {
        "invalid": "Choose one of the options offered.",
    }

    def __init__(self, **kwargs):
        # "Choose an instrument from the list": no column name, and no echo of what was typed.
        noun = kwargs["queryset"].model._meta.verbose_name
        kwargs.setdefault("error_messages", {"does_not_exist": f"Choose {'an' if noun[0] in 'aeiou' else 'a'} {noun} from the list."})
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ProfileInstrumentInSerializer(serializers.Serializer):
    instrument = _SlugRefField(queryset=Instrument.objects.all())
    is_primary = serializers.BooleanField(required=False, default=False)
    skill_level = serializers.ChoiceField(choices=ProfileInstrument.Skill.choices, required=False,
                                          default=ProfileInstrument.Skill.PROFESSIONAL)


class ProfileGenreInSerializer(serializers.Serializer):
    genre = _SlugRefField(queryset=Genre.objects.all())


class MediaInSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class CreditInSerializer(serializers.Serializer):
    artist = serializers.CharField(max_length=120)
    title = serializers.CharField(max_length=160)
    year = serializers.IntegerField(min_value=1900, required=False, allow_null=True, default=None)
    role = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def validate_year(self, value):
        if value is not None and value > date.today().year + 1:
            raise serializers.ValidationError("That year is in the future.")
        return value


class ProfileInSerializer(serializers.Serializer):
    """PUT replaces the whole editable profile (omitted fields become empty); PATCH changes only
    what it names. Nested lists (instruments, genres, media, credits) are replaced as a whole."""

    stage_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=160, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    travel_radius_km = serializers.IntegerField(min_value=0, max_value=MAX_TRAVEL_RADIUS_KM, required=False)
    willing_to_tour = serializers.BooleanField(required=False)
    records_remotely = serializers.BooleanField(required=False)
    reads_notation = serializers.BooleanField(required=False)
    reads_chords = serializers.BooleanField(required=False)
    reads_nashville = serializers.BooleanField(required=False)
    years_experience = serializers.IntegerField(min_value=0, max_value=80, required=False, allow_null=True)
    union_membership = serializers.CharField(max_length=200, required=False, allow_blank=True)
    equipment_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=8), max_length=20, required=False)
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    hourly_rate = serializers.DecimalField(**MONEY)
    session_rate = serializers.DecimalField(**MONEY)
    day_rate = serializers.DecimalField(**MONEY)
    live_rate = serializers.DecimalField(**MONEY)
    minimum_call_hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("24"), allow_null=True,
        required=False,
    )
    overtime_rate_per_half_hour = serializers.DecimalField(**MONEY)
    doubling_fee = serializers.DecimalField(**MONEY)
    cartage_fee = serializers.DecimalField(**MONEY)
    late_cancellation_window_hours = serializers.IntegerField(min_value=0, max_value=24 * 60, required=False,
                                                              allow_null=True)
    late_cancellation_fee = serializers.DecimalField(**MONEY)
    rate_notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    instruments = ProfileInstrumentInSerializer(many=True, required=False)
    genres = ProfileGenreInSerializer(many=True, required=False)
    media = MediaInSerializer(many=True, required=False)
    credits = CreditInSerializer(many=True, required=False)

    NESTED = {
        "instruments": ProfileInstrumentInSerializer,
        "genres": ProfileGenreInSerializer,
        "media": MediaInSerializer,
        "credits": CreditInSerializer,
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["This is not in the expected form."]})
        # A PATCH is partial about which fields it sends, not about the rows of a list it sends:
        # DRF would skip required checks inside nested rows, so lists are validated on their own.
        scalars = {key: value for key, value in data.items() if key not in self.NESTED}
        errors, values = {}, {}
        try:
            values = super().to_internal_value(scalars)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        for name, row_serializer in self.NESTED.items():
            if name not in data:
                continue
            rows = row_serializer(data=data[name], many=True)
            if rows.is_valid():
                values[name] = rows.validated_data
            else:
                errors[name] = rows.errors
        if errors:
            raise serializers.ValidationError(errors)
        if "genres" in values:
            values["genres"] = [row["genre"] for row in values["genres"]]
        return values


class PhotoInSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="JPEG, PNG or WebP, at most 5 MB.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


# --- Unavailability -------------------------------------------------------------------------


class BlockInSerializer(serializers.Serializer):
    """Times without an offset are read in the musician's own time zone."""

    kind = serializers.ChoiceField(choices=UnavailabilityBlock.Kind.choices)
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    weekday = serializers.IntegerField(min_value=0, max_value=6, required=False, allow_null=True, default=None)
    start_time = serializers.TimeField(required=False, allow_null=True, default=None)
    end_time = serializers.TimeField(required=False, allow_null=True, default=None)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BlockOutSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = UnavailabilityBlock
        fields = ["id", "kind", "starts_at", "ends_at", "weekday", "start_time", "end_time", "valid_from",
                  "valid_until", "time_zone", "note", "summary"]

    def get_summary(self, block) -> str:
        return block_summary(block)


def block_summary(block: UnavailabilityBlock) -> str:
    if block.kind == UnavailabilityBlock.Kind.WEEKLY:
        until = f" until {block.valid_until:%d %b %Y}" if block.valid_until else ""
        return (f"Every {WEEKDAYS[block.weekday]} {block.start_time:%H:%M}–{block.end_time:%H:%M}"
                f" from {block.valid_from:%d %b %Y}{until} ({block.time_zone})")
    zone = ZoneInfo(block.time_zone)
    start, end = block.starts_at.astimezone(zone), block.ends_at.astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %Y %H:%M}"
    return f"{start:%a %d %b %Y %H:%M}–{end_text} ({block.time_zone})"


# --- Search ---------------------------------------------------------------------------------


class SearchParamsSerializer(serializers.Serializer):
    """Query parameters of GET /api/musicians/. Unknown parameters and values are a 400."""

    MULTI = ("instrument", "genre", "reads")
    KNOWN = (
        "instrument", "genre", "available_from", "available_to", "max_rate", "near", "radius_km", "reads", "remote",
        "q", "rate_kind", "currency", "ordering", "page", "page_size",
    )

    instrument = serializers.ListField(child=serializers.CharField(max_length=80), required=False, max_length=5,
                                       help_text="Instrument slug; repeat to require doubles (plays all).")
    genre = serializers.ListField(child=serializers.CharField(max_length=80), required=False, max_length=5,
                                  help_text="Genre slug; repeat to require several.")
    available_from = serializers.DateTimeField(required=False)
    available_to = serializers.DateTimeField(required=False)
    max_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False)
    rate_kind = serializers.ChoiceField(choices=list(RATE_KIND_FIELDS), required=False, default="hourly")
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    near = serializers.CharField(max_length=64, required=False, help_text="Venue as “lat,lng”.")
    radius_km = serializers.FloatField(min_value=0, max_value=MAX_TRAVEL_RADIUS_KM, required=False)
    reads = serializers.ListField(child=serializers.ChoiceField(choices=list(READS_FIELDS)), required=False)
    remote = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False, default="-rating")
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)

    @classmethod
    def from_query(cls, query) -> SearchParamsSerializer:
        data, unknown = {}, []
        for key in query:
            if key not in cls.KNOWN:
                unknown.append(key)
            elif key in cls.MULTI:
                data[key] = [value for raw in query.getlist(key) for value in raw.split(",") if value != ""]
            else:
                data[key] = query.get(key)
        serializer = cls(data=data)
        serializer.unknown = unknown
        return serializer

    def validate_instrument(self, value):
        _, missing = instrument_slugs.lookup(value)
        if missing:
            raise serializers.ValidationError(["Choose instruments from the list."])
        return value

    def validate_genre(self, value):
        _, missing = genre_slugs.lookup(value)
        if missing:
            raise serializers.ValidationError(["Choose genres from the list."])
        return value

    def to_internal_value(self, data):
        # Unknown parameters are reported together with the field errors, not after them.
        unknown = {key: ["Unknown filter."] for key in getattr(self, "unknown", [])}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **exc.detail}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return values

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        if attrs.get("instrument"):
            attrs["instrument_ids"], _ = instrument_slugs.lookup(attrs["instrument"])
        if attrs.get("genre"):
            attrs["genre_ids"], _ = genre_slugs.lookup(attrs["genre"])
        start, end = attrs.get("available_from"), attrs.get("available_to")
        if (start is None) != (end is None):
            errors["available_to" if end is None else "available_from"] = [
                "Give both the start and the end of the time window."
            ]
        elif start is not None:
            latest, longest = search_window_limits()
            if end <= start:
                errors["available_to"] = ["The end must be after the start."]
            elif end <= clock.now():  # a 2020 window used to find nobody, silently
                errors["available_from"] = ["This time is already over: choose a time from now on."]
            elif end - start > longest:
                errors["available_to"] = [f"The window can be at most {longest.days} days long."]
            elif end > latest:
                errors["available_to"] = ["Availability can be checked up to a year ahead."]
        if "currency" in attrs:
            attrs["currency"] = attrs["currency"].upper()
            if attrs["currency"] not in CURRENCIES:
                errors["currency"] = ["Choose a currency from the list, e.g. GBP."]
        if "max_rate" in attrs and "currency" not in attrs:
            errors["currency"] = ["Choose the currency of the maximum rate (rates in other currencies are converted)."]
        if "near" in attrs:
            try:
                lat_text, lng_text = attrs["near"].split(",")
                lat, lng = float(lat_text), float(lng_text)
                if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                    raise ValueError
                attrs["near_point"] = (lat, lng)
            except ValueError:
                errors["near"] = ["Give the place as “latitude,longitude”, e.g. 51.5074,-0.1278."]
        elif "radius_km" in attrs:
            errors["radius_km"] = ["Choose a place to measure the distance from."]
        if attrs.get("ordering") == "distance" and "near" not in attrs:
            errors["ordering"] = ["Sorting by distance needs a place to measure from."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def search_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "instrument_ids": data.get("instrument_ids", []),
            "genre_ids": data.get("genre_ids", []),
            "available_from": data.get("available_from"),
            "available_to": data.get("available_to"),
            "max_rate": data.get("max_rate"),
            "rate_kind": data["rate_kind"],
            "currency": data.get("currency"),
            "near": data.get("near_point"),
            "radius_km": data.get("radius_km"),
            "reads": data.get("reads", []),
            "remote": data["remote"],
            "q": data["q"],
            "ordering": data["ordering"],
        }


class MusicianCardSerializer(serializers.Serializer):
    """One search result. Written as a plain dict in to_representation: a page renders 100
    cards with ~25 values each, and DRF's per-field machinery would cost more than the SQL;
    the declared fields below document the shape for the OpenAPI schema."""

    id = serializers.IntegerField()
    display_name = serializers.CharField()
    headline = serializers.CharField()
    photo_url = serializers.CharField(allow_null=True)
    city = serializers.CharField()
    distance_km = serializers.IntegerField(
        allow_null=True, help_text="Distance to `near`, rounded up to 5 km (5 = within 5 km); the home is never shown.")
    travel_radius_km = serializers.IntegerField()
    records_remotely = serializers.BooleanField()
    willing_to_tour = serializers.BooleanField()
    reads = serializers.ListField(child=serializers.CharField())
    years_experience = serializers.IntegerField(allow_null=True)
    instruments = ProfileInstrumentOutSerializer(many=True)
    genres = ProfileGenreOutSerializer(many=True)
    currency = serializers.CharField()
    rate_kind = serializers.CharField()
    rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    session_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    day_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    live_rate = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    profile_url = serializers.CharField()
    pencilled = serializers.BooleanField(
        help_text="With an availability window: a producer's hold is on that time (not free, not booked; a firm "
                  "offer may still take it). Always false without a window.")
    calendar_out_of_date = serializers.BooleanField(
        help_text="The musician imports a calendar that has not synced for a day: their free time may be wrong.")
    converted_currency = serializers.CharField(
        allow_null=True, help_text="The currency asked for (`currency`), in which `converted_rate` is given.")
    converted_rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True,
        help_text="`rate` converted into `converted_currency` with the exchange rate in force today, to the cent; "
                  "null without a `currency`, without that kind of rate, or when `no_exchange_rate`.")
    no_exchange_rate = serializers.BooleanField(
        help_text="A currency was asked for and none is in force for the musician's own: the card is listed "
                  "(never left out by `max_rate`), with its rate in its own currency only.")

    def to_representation(self, profile):
        details = self.context.get("details", {}).get(profile.pk)
        return musician_card(profile, self.context.get("rate_kind", "hourly"), details, self.context.get("currency"))


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def musician_card(profile: MusicianProfile, rate_kind: str, details: dict | None = None,
                  currency: str | None = None) -> dict:
    """A result card; ``details`` from selectors.card_details, else the prefetched relations."""
    distance = getattr(profile, "distance_km", None)
    if details is None:
        details = {
            "instruments": [
                {"instrument": row.instrument.slug, "name": row.instrument.name, "family": row.instrument.family,
                 "is_primary": row.is_primary, "skill_level": row.skill_level}
                for row in profile.instruments.all()
            ],
            "genres": [
                {"genre": row.genre.slug, "name": row.genre.name, "strength": row.strength}
                for row in profile.genres.all()
            ],
        }
    return {
        "id": profile.pk,
        "pencilled": bool(getattr(profile, "pencilled", False)),
        "calendar_out_of_date": bool(details.get("calendar_out_of_date")),
        "display_name": profile.stage_name or getattr(profile, "full_name", None) or profile.user.full_name,
        "headline": profile.headline,
        "photo_url": profile.photo.url if profile.photo else None,
        "city": profile.city,
        "distance_km": distance_band_km(distance),
        "travel_radius_km": profile.travel_radius_km,
        "records_remotely": profile.records_remotely,
        "willing_to_tour": profile.willing_to_tour,
        "reads": [skill for skill, field in READS_FIELDS.items() if getattr(profile, field)],
        "years_experience": profile.years_experience,
        "instruments": details["instruments"],
        "genres": details["genres"],
        "currency": profile.currency,
        "rate_kind": rate_kind,
        "rate": _money(profile.rate_for(rate_kind)),
        "hourly_rate": _money(profile.hourly_rate),
        "session_rate": _money(profile.session_rate),
        "day_rate": _money(profile.day_rate),
        "live_rate": _money(profile.live_rate),
        "rating_avg": _money(profile.rating_avg),
        "rating_count": profile.rating_count,
        "profile_url": f"/musicians/{profile.pk}/",
        "converted_currency": currency or None,
        "converted_rate": _money(getattr(profile, "converted_rate", None)),
        "no_exchange_rate": bool(getattr(profile, "no_exchange_rate", False)),
    }
