"""Holds API shapes. Input checks shape only; the rules (ranks, limits, states) are in the services."""

from __future__ import annotations

from rest_framework import serializers

from bookings.api.serializers import (
    MONEY,
    BookingInstrumentSerializer,
    BookingPartySerializer,
    BookingQuoteSerializer,
    LocalOrAwareDateTimeField,
    VenueSerializer,
)
from bookings.models import Booking, Hold
from gigbook.accounts.api.serializers import TimeZoneField
from gigbook.core import clock


class HoldInputSerializer(serializers.Serializer):
    musician = serializers.IntegerField(min_value=1, help_text="The musician's profile id (as in /api/musicians/).")
    instrument = serializers.SlugField(max_length=80)
    kind = serializers.ChoiceField(choices=Booking.Kind.choices)
    venue = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    time_zone = TimeZoneField(max_length=64, required=False, allow_null=True, default=None,
                              help_text="Remote recordings only; default: yours.")
    starts_at = LocalOrAwareDateTimeField()
    ends_at = LocalOrAwareDateTimeField()
    expires_at = LocalOrAwareDateTimeField(
        required=False, allow_null=True, default=None,
        help_text="When the hold lapses unless confirmed: default 72 hours, at least 1 hour, at most 30 days, "
                  "never past the start.")
    challenge_window_hours = serializers.IntegerField(
        min_value=1, max_value=72, required=False, allow_null=True, default=None,
        help_text="How long the holds above yours get to answer a challenge (default 24).")
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    fee_basis = serializers.ChoiceField(choices=Booking.FeeBasis.choices, required=False, default="hourly")
    rate = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    cartage_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    travel_fee = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    per_diem_days = serializers.IntegerField(min_value=0, max_value=60, required=False, default=0)
    confirm_long = serializers.BooleanField(
        required=False, default=False, help_text="Confirms a hold longer than 12 hours (refused without it).")


class HoldChallengeInputSerializer(serializers.Serializer):
    window_hours = serializers.IntegerField(
        min_value=1, max_value=72, required=False, allow_null=True, default=None,
        help_text="Override the hold's challenge window (1-72 hours); it never runs past the start.")


class HoldListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[("producer", "producer"), ("musician", "musician")], required=False)
    date = serializers.DateField(required=False, help_text="Only holds starting on this day (in the hold's zone).")
    open = serializers.BooleanField(required=False, default=False, help_text="Only requested or held holds.")


class HoldOnTimeSerializer(serializers.Serializer):
    """Another hold on the same time, as the musician sees it (the producer sees only rank and expiry)."""

    id = serializers.IntegerField()
    rank = serializers.IntegerField()
    rank_label = serializers.CharField()
    status = serializers.CharField()
    producer = serializers.CharField(allow_null=True, help_text="Shown to the musician only.")
    expires_at = serializers.DateTimeField()


class HoldSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    stored_status = serializers.CharField(source="status")
    producer = BookingPartySerializer()
    musician = BookingPartySerializer()
    instrument = BookingInstrumentSerializer()
    venue = VenueSerializer(allow_null=True)
    rank_label = serializers.CharField()
    fee_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    quote = BookingQuoteSerializer()
    booking = serializers.IntegerField(source="booking_id", allow_null=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = ["id", "status", "stored_status", "end_reason", "rank", "rank_label", "kind", "title", "note",
                  "producer", "musician", "instrument", "venue", "time_zone", "starts_at", "ends_at", "expires_at",
                  "challenge_window_hours", "challenge_ends_at", "challenged_until", "currency", "fee_total", "quote",
                  "booking", "actions", "created_at", "updated_at"]

    def _now(self):
        return self.context.get("now") or clock.now()

    def get_status(self, hold) -> str:
        return hold.effective_status(self._now())

    def get_actions(self, hold) -> list[str]:
        """What the caller may do now (the services decide; this only saves a client a 409)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        status = hold.effective_status(self._now())
        if user is None or status not in Hold.ACTIVE_STATUSES:
            return []
        if user.pk == hold.musician_id:
            return ["accept", "decline"] if status == Hold.Status.REQUESTED else ["release"]
        actions = ["release"]
        if status == Hold.Status.HELD:
            if hold.rank == 1:
                actions.insert(0, "confirm")
            elif hold.challenge_ends_at is None:
                actions.insert(0, "challenge")
        return actions


class HoldDetailSerializer(HoldSerializer):
    on_same_time = serializers.SerializerMethodField()

    class Meta(HoldSerializer.Meta):
        fields = [*HoldSerializer.Meta.fields, "on_same_time"]

    def get_on_same_time(self, hold) -> list[dict]:
        from bookings.selectors import holds_on_same_time

        user = self.context["request"].user
        return HoldOnTimeSerializer(holds_on_same_time(hold=hold, viewer=user), many=True).data
