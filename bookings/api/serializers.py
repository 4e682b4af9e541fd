"""Input serializers check shape only (types, lengths, choices); rules live in bookings.services.
Output serializers render; the booking's status is its *effective* status (an offer past its
answer-by time reads as expired whether or not the sweep has run)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings import services
from bookings.models import Booking, BookingEvent, Material, Venue
from gigbook.accounts.api.serializers import TimeZoneField
from gigbook.core import clock
from gigbook.core.plain_messages import DATETIME_INVALID

MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0"), "coerce_to_string": True}


class LocalOrAwareDateTimeField(serializers.Field):
    """ISO 8601 date-time. With an offset it is that instant; without one it is wall-clock time in
    the booking's zone (the venue's), which the service resolves (refusing DST gaps and repeats)."""

    default_error_messages = {"invalid": DATETIME_INVALID}

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            parsed = parse_datetime(data.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


extend_schema_field(OpenApiTypes.DATETIME)(LocalOrAwareDateTimeField)


class BookingPartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class BookingInstrumentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class VenueSerializer(serializers.ModelSerializer):
    map_url = serializers.CharField(read_only=True)

    class Meta:
        model = Venue
        fields = ["id", "name", "address", "city", "place", "latitude", "longitude", "time_zone", "notes", "map_url"]
        read_only_fields = fields


class VenueInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=300)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    place = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default="",
        help_text="Where the venue is: a UK postcode (NW8 9AY), a postcode district (NW8) or a town, as "
                  "GET /api/places/ suggests. Gives the position (and the time zone when none is sent).")
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, default=None,
                                      help_text="A map pin's position; wins over place. Send both or neither.")
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, default=None)
    time_zone = TimeZoneField(max_length=64, required=False, allow_blank=True, default="",
                              help_text="Defaults to the place's time zone.")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VenueUpdateSerializer(VenueInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class BookingQuoteLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    quantity = serializers.CharField()
    unit_amount = serializers.CharField()
    amount = serializers.CharField()


class BookingQuoteSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.CharField()
    billable_hours = serializers.CharField()
    lines = BookingQuoteLineSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class BookingFeeSerializer(serializers.Serializer):
    currency = serializers.CharField()
    basis = serializers.CharField(source="fee_basis")
    rate = serializers.DecimalField(max_digits=12, decimal_places=2)
    minimum_call_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    overtime_rate_per_half_hour = serializers.DecimalField(max_digits=12, decimal_places=2)
    overtime_half_hours = serializers.IntegerField()
    doubling_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    cartage_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    travel_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    per_diem = serializers.DecimalField(max_digits=12, decimal_places=2)
    per_diem_days = serializers.IntegerField()
    total = serializers.DecimalField(source="fee_total", max_digits=12, decimal_places=2)
    quote = BookingQuoteSerializer()
    frozen = serializers.SerializerMethodField()
    below_published_rate = serializers.BooleanField()
    published_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    rate_note = serializers.CharField()

    def get_frozen(self, booking) -> bool:
        return booking.accepted_at is not None


class BookingCounterSerializer(serializers.Serializer):
    terms = serializers.JSONField(source="counter_terms")
    quote = BookingQuoteSerializer(source="counter_quote")
    total = serializers.DecimalField(source="counter_total", max_digits=12, decimal_places=2)
    below_published_rate = serializers.BooleanField(source="counter_below_published_rate")
    note = serializers.CharField(source="counter_note")
    countered_at = serializers.DateTimeField()


class BookingCancellationTermsSerializer(serializers.Serializer):
    window_hours = serializers.IntegerField(source="late_cancellation_window_hours")
    late_fee = serializers.DecimalField(source="late_cancellation_fee", max_digits=12, decimal_places=2)


class BookingCancellationSerializer(serializers.Serializer):
    cancelled_at = serializers.DateTimeField()
    cancelled_by = BookingPartySerializer(allow_null=True)
    reason = serializers.CharField(source="cancel_reason")
    late = serializers.BooleanField(source="cancelled_late")
    fee = serializers.DecimalField(source="cancellation_fee", max_digits=12, decimal_places=2, allow_null=True)


class BookingCancellationPreviewSerializer(serializers.Serializer):
    late = serializers.BooleanField()
    fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    deadline = serializers.DateTimeField()
    window_hours = serializers.IntegerField()


class BookingEventSerializer(serializers.ModelSerializer):
    actor = BookingPartySerializer(allow_null=True)

    class Meta:
        model = BookingEvent
        fields = ["action", "from_status", "to_status", "note", "at", "actor"]


class BookingMaterialSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "created_at", "uploaded_by",
                  "download_url"]

    def get_download_url(self, material) -> str:
        return reverse("api-booking-material", kwargs={"pk": material.booking_id, "material_id": material.pk})


def _now(context) -> object:
    if "now" not in context:
        context["now"] = clock.now()
    return context["now"]


class BookingListSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    stored_status = serializers.CharField(source="status")
    producer = BookingPartySerializer()
    musician = BookingPartySerializer()
    instrument = BookingInstrumentSerializer()
    venue = VenueSerializer(allow_null=True)
    local_starts_at = serializers.SerializerMethodField()
    local_ends_at = serializers.SerializerMethodField()
    fee_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = Booking
        fields = ["id", "status", "stored_status", "kind", "title", "producer", "musician", "instrument", "venue",
                  "time_zone", "starts_at", "ends_at", "local_starts_at", "local_ends_at", "expires_at", "currency",
                  "fee_total", "below_published_rate", "source", "created_at", "updated_at"]

    def get_status(self, booking) -> str:
        return booking.effective_status(_now(self.context))

    def get_local_starts_at(self, booking) -> str:
        return booking.local_starts_at.isoformat()

    def get_local_ends_at(self, booking) -> str:
        return booking.local_ends_at.isoformat()


class BookingBriefSerializer(serializers.Serializer):
    style = serializers.CharField(source="brief_style")
    references = serializers.CharField(source="brief_references")
    approach = serializers.CharField(source="brief_approach")
    notes = serializers.CharField(source="brief_notes")


class BookingDetailSerializer(BookingListSerializer):
    doubles = BookingInstrumentSerializer(many=True)
    brief = BookingBriefSerializer(source="*")
    fee = BookingFeeSerializer(source="*")
    counter = serializers.SerializerMethodField()
    cancellation_terms = BookingCancellationTermsSerializer(source="*")
    cancellation = serializers.SerializerMethodField()
    history = BookingEventSerializer(source="events", many=True)
    materials = BookingMaterialSerializer(many=True)
    allowed_actions = serializers.SerializerMethodField()
    response_note = serializers.CharField()

    class Meta(BookingListSerializer.Meta):
        fields = [*BookingListSerializer.Meta.fields, "doubles", "brief", "fee", "counter", "cancellation_terms",
                  "cancellation", "response_note", "accepted_at", "completed_at", "sequence", "history", "materials",
                  "allowed_actions"]

    @extend_schema_field(BookingCounterSerializer(allow_null=True))
    def get_counter(self, booking):
        return BookingCounterSerializer(booking).data if booking.counter_terms else None

    @extend_schema_field(BookingCancellationSerializer(allow_null=True))
    def get_cancellation(self, booking):
        return BookingCancellationSerializer(booking).data if booking.status == Booking.Status.CANCELLED else None

    def get_allowed_actions(self, booking) -> list[str]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return allowed_actions(booking, user, _now(self.context))


def allowed_actions(booking: Booking, user, now) -> list[str]:
    """What ``user`` can do now, by the names of the API's action endpoints (for the pages, too)."""
    if user is None or not user.is_authenticated:
        return []
    status = booking.effective_status(now)
    actions: list[str] = []
    is_musician, is_producer = user.pk == booking.musician_id, user.pk == booking.producer_id
    if status == Booking.Status.OFFERED:
        if is_musician:
            actions += ["accept", "decline", "counter"]
        if is_producer:
            actions.append("withdraw")
    elif status == Booking.Status.COUNTERED and is_producer and now < booking.starts_at:
        actions += ["accept", "decline"]
    elif status == Booking.Status.ACCEPTED:
        may_cancel = is_musician or is_producer or (user.is_staff and user.has_perm("bookings.change_booking"))
        if may_cancel and now < booking.ends_at:
            actions.append("cancel")
        if is_producer and now >= booking.ends_at:
            actions.append("complete")
    return actions


class BookingOfferInputSerializer(serializers.Serializer):
    musician = serializers.IntegerField(min_value=1, help_text="The musician's profile id (as in /api/musicians/).")
    instrument = serializers.SlugField(max_length=80)
    doubles = serializers.ListField(child=serializers.SlugField(max_length=80), required=False, default=list,
                                    max_length=10)
    kind = serializers.ChoiceField(choices=Booking.Kind.choices)
    venue = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    time_zone = TimeZoneField(max_length=64, required=False, allow_null=True, default=None,
                              help_text="Remote recordings only; default: yours.")
    starts_at = LocalOrAwareDateTimeField()
    ends_at = LocalOrAwareDateTimeField()
    expires_at = LocalOrAwareDateTimeField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    brief_style = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    brief_references = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    brief_approach = serializers.ChoiceField(choices=Booking.Approach.choices, required=False,
                                             default=Booking.Approach.CHART)
    brief_notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    fee_basis = serializers.ChoiceField(choices=Booking.FeeBasis.choices, required=False, default="hourly")
    rate = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_rate_per_half_hour = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_half_hours = serializers.IntegerField(min_value=0, max_value=48, required=False, default=0)
    doubling_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    cartage_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    travel_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem_days = serializers.IntegerField(min_value=0, max_value=60, required=False, default=0)
    confirm_long = serializers.BooleanField(
        required=False, default=False, help_text="Confirms a booking longer than 12 hours (refused without it).")


class BookingQuoteRequestSerializer(BookingOfferInputSerializer):
    """Same fields as an offer; nothing is saved."""


class BookingAvailabilitySerializer(serializers.Serializer):
    free = serializers.BooleanField()
    reason = serializers.CharField()
    busy = serializers.ListField(child=serializers.ListField(child=serializers.DateTimeField()))


class BookingWouldBumpSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    rank_label = serializers.CharField()
    expires_at = serializers.DateTimeField()
    yours = serializers.BooleanField()


class BookingQuoteResponseSerializer(serializers.Serializer):
    quote = BookingQuoteSerializer()
    below_published_rate = serializers.BooleanField()
    published_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    rate_note = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField()
    availability = BookingAvailabilitySerializer()
    would_bump = BookingWouldBumpSerializer(
        many=True, help_text="Holds (pencils) on this time that an accepted firm booking would release.")
    cancellation_terms = serializers.DictField()


class BookingCounterInputSerializer(serializers.Serializer):
    fee_basis = serializers.ChoiceField(choices=Booking.FeeBasis.choices, required=False, allow_null=True, default=None)
    rate = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_rate_per_half_hour = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_half_hours = serializers.IntegerField(min_value=0, max_value=48, required=False, allow_null=True, default=None)
    doubling_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    cartage_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    travel_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem_days = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if all(attrs.get(name) is None for name in services.FEE_TERM_FIELDS):
            raise serializers.ValidationError({"rate": ["Propose at least one changed term, e.g. the rate."]})
        return attrs


class BookingNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BookingCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    expected_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None,
                                            help_text="The fee you were shown (GET …/cancellation/); refused with 409 if it changed.")


class BookingMaterialInputSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    kind = serializers.ChoiceField(choices=Material.Kind.choices, required=False, default=Material.Kind.CHART)


class BookingListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["producer", "musician"], required=False)
    status = serializers.CharField(required=False, max_length=200,
                                   help_text="One or more statuses, comma-separated: offered,countered,accepted,…")

    def validate_status(self, value):
        statuses = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [s for s in statuses if s not in Booking.Status.values]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use {', '.join(Booking.Status.values)}."
            )
        return statuses


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.CharField()
    webcal_url = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_fetched_at = serializers.DateTimeField(allow_null=True)
