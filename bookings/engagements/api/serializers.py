"""Engagements API shapes. Input checks shape only; the rules (dates, partial answers) are the services'."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.api.serializers import (
    MONEY,
    BookingInstrumentSerializer,
    BookingPartySerializer,
    BookingQuoteSerializer,
    BookingWouldBumpSerializer,
    LocalOrAwareDateTimeField,
    VenueSerializer,
)
from bookings.engagements.services import MAX_DATES
from bookings.models import Booking
from gigbook.accounts.api.serializers import TimeZoneField
from gigbook.core import clock


class DateTimeField(LocalOrAwareDateTimeField):
    default_error_messages = {"invalid": "Give a date and time, such as 2027-06-05T19:30."}


class EngagementDateInputSerializer(serializers.Serializer):
    starts_at = DateTimeField(help_text="Without an offset: wall-clock time at the venue.")
    ends_at = DateTimeField()
    venue = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    time_zone = TimeZoneField(max_length=64, required=False, allow_null=True, default=None,
                              help_text="Remote recordings only; default: yours.")
    kind = serializers.ChoiceField(choices=Booking.Kind.choices, required=False, default=Booking.Kind.TOUR_DATE)
    fee_basis = serializers.ChoiceField(choices=Booking.FeeBasis.choices, required=False, default="hourly")
    rate = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_rate_per_half_hour = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    overtime_half_hours = serializers.IntegerField(min_value=0, max_value=48, required=False, default=0)
    doubling_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    cartage_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    travel_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem_days = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True, default=None,
                                             help_text="Default with a per diem: this date plus its travel days.")
    travel_days = serializers.IntegerField(min_value=0, max_value=14, required=False, default=0,
                                           help_text="Days of travel paid with this date.")
    late_cancellation_window_hours = serializers.IntegerField(
        min_value=0, max_value=1440, required=False, allow_null=True, default=None,
        help_text="This date's late-cancellation notice; default: the musician's terms.")
    late_cancellation_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DatesField(serializers.ListField):
    """The list of dates, its problems said per date in plain words ("Date 2: …"), as the services do."""

    default_error_messages = {
        "empty": "Add at least one date.",
        "min_length": "Add at least one date.",
        "max_length": f"An engagement has at most {MAX_DATES} dates; offer the rest as another.",
        "not_a_list": "Give the dates as a list.",
    }

    def __init__(self, **kwargs):
        super().__init__(child=EngagementDateInputSerializer(), min_length=1, max_length=MAX_DATES, **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, dict):
                messages = [f"Date {int(index) + 1}: {message}" for index, fields in sorted(detail.items())
                            for field_messages in (fields.values() if isinstance(fields, dict) else [fields])
                            for message in field_messages]
                raise serializers.ValidationError(messages) from exc
            raise


class EngagementCheckInputSerializer(serializers.Serializer):
    musician = serializers.IntegerField(min_value=1, help_text="The musician's profile id (as in /api/musicians/).")
    instrument = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    dates = DatesField()


class EngagementInputSerializer(EngagementCheckInputSerializer):
    title = serializers.CharField(max_length=120)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    allow_partial = serializers.BooleanField(required=False, default=False,
                                             help_text="May the musician take some dates and decline the rest?")
    expires_at = DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="Answer-by time; default 48 hours, never after the first date.")


class EngagementAcceptInputSerializer(serializers.Serializer):
    bookings = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None, max_length=MAX_DATES,
        help_text="Booking ids of the dates you take (only if the producer allows part); leave out to take every date.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EngagementNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EngagementWithdrawInputSerializer(serializers.Serializer):
    bookings = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None, max_length=MAX_DATES,
        help_text="Booking ids of the dates to withdraw; leave out to withdraw every date still open.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="Told to the musician with the withdrawn dates.")


class EngagementCancelDateInputSerializer(serializers.Serializer):
    booking = serializers.IntegerField(min_value=1, help_text="The booking id of the date to cancel.")
    reason = serializers.CharField(max_length=2000)
    expected_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None,
                                            help_text="The fee you were shown; refused with 409 if it changed.")


class EngagementDateFeeSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.DecimalField(source="fee_total", max_digits=12, decimal_places=2)
    basis = serializers.CharField(source="fee_basis")
    rate = serializers.DecimalField(max_digits=12, decimal_places=2)
    travel_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    per_diem = serializers.DecimalField(max_digits=12, decimal_places=2)
    per_diem_days = serializers.IntegerField()
    quote = BookingQuoteSerializer()


class EngagementDateSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    status = serializers.SerializerMethodField()
    kind = serializers.CharField(source="booking.kind")
    starts_at = serializers.DateTimeField(source="booking.starts_at")
    ends_at = serializers.DateTimeField(source="booking.ends_at")
    time_zone = serializers.CharField(source="booking.time_zone")
    venue = VenueSerializer(source="booking.venue", allow_null=True)
    travel_days = serializers.IntegerField()
    note = serializers.CharField()
    fee = EngagementDateFeeSerializer(source="booking")
    cancellation_window_hours = serializers.IntegerField(source="booking.late_cancellation_window_hours")
    cancellation_fee = serializers.DecimalField(source="booking.late_cancellation_fee", max_digits=12,
                                                decimal_places=2)
    cancellation_charged = serializers.DecimalField(
        source="booking.cancellation_fee", max_digits=12, decimal_places=2, allow_null=True,
        help_text="What cancelling this date cost (once cancelled).")

    def get_status(self, date) -> str:
        return date.booking.effective_status(self.context.get("now") or clock.now())


class EngagementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    note = serializers.CharField()
    status = serializers.SerializerMethodField()
    producer = BookingPartySerializer()
    musician = BookingPartySerializer()
    instrument = BookingInstrumentSerializer()
    allow_partial = serializers.BooleanField()
    currency = serializers.CharField()
    total = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    dates = EngagementDateSerializer(many=True, source="dates.all")

    def get_status(self, engagement) -> str:
        return engagement.effective_status(self.context.get("now") or clock.now())

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_total(self, engagement) -> str:
        total = sum((date.booking.fee_total for date in engagement.dates.all()), Decimal("0"))
        return str(total.quantize(Decimal("0.01")))


class EngagementCheckDateSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The date's place in the request (1 = first).")
    label = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField()
    travel_days = serializers.IntegerField()
    note = serializers.CharField()
    quote = BookingQuoteSerializer()
    cancellation_terms = serializers.DictField()
    free = serializers.BooleanField()
    reason = serializers.CharField(help_text="\"\", \"booked\" or \"unavailable\".")
    busy = serializers.ListField(child=serializers.ListField(child=serializers.DateTimeField()))
    would_bump = BookingWouldBumpSerializer(many=True)


class EngagementCheckSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    conflicts = serializers.IntegerField(help_text="How many dates the musician cannot take.")
    dates = EngagementCheckDateSerializer(many=True)


class EngagementListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["producer", "musician"], required=False)
