"""Call-sheet API shapes: input serializers check shape only; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from bookings.api.serializers import LocalOrAwareDateTimeField
from bookings.callsheets import rules


class CallSheetMaterialInputSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                help_text="Keep the key of a material you edit; leave it out for a new one.")
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    instruments = serializers.ListField(child=serializers.SlugField(max_length=64), required=False, default=list,
                                        max_length=50, help_text="Instrument slugs it is for (none: everyone).")
    bookings = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                     max_length=50, help_text="Bookings (players) it is for (none: everyone).")


class CallSheetRateSerializer(serializers.Serializer):
    booking = serializers.IntegerField(min_value=1)
    rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))


class CallSheetEditSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(required=False, min_value=1,
                                                help_text="The version you edited; a newer one is a 409.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    starts_at = LocalOrAwareDateTimeField(required=False)
    ends_at = LocalOrAwareDateTimeField(required=False)
    venue = serializers.IntegerField(required=False, min_value=1)
    materials = CallSheetMaterialInputSerializer(many=True, required=False, max_length=rules.MAX_MATERIALS)
    rates = CallSheetRateSerializer(many=True, required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, _label, limit in rules.TEXT_FIELDS:
            self.fields[key] = serializers.CharField(required=False, allow_blank=True, max_length=limit)

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "rates" in data:
            data["rates"] = {row["booking"]: row["rate"] for row in data["rates"]}
        return data


class CallSheetConfirmSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version whose changes you read and confirm.")


class CallSheetDropOutSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    expected_fee = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True,
                                            min_value=Decimal("0"))


class CallSheetDiffQuerySerializer(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" and "to" are Python keywords, so the fields are added by name.
        self.fields["from"] = serializers.IntegerField(min_value=1, max_value=100000, required=False, default=1)
        self.fields["to"] = serializers.IntegerField(min_value=1, max_value=100000, required=False, allow_null=True,
                                                     default=None)


class CallSheetChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)
    text = serializers.CharField(help_text="The change in plain words.")
    critical = serializers.BooleanField(help_text="Critical changes must be confirmed again by the players concerned.")
    bookings = serializers.ListField(child=serializers.IntegerField(), help_text="The bookings it concerns.")


class CallSheetPendingChangeSerializer(CallSheetChangeSerializer):
    version = serializers.IntegerField()


class CallSheetVenueRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()


class CallSheetMaterialSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    instruments = serializers.ListField(child=serializers.CharField())
    bookings = serializers.ListField(child=serializers.IntegerField())


class CallSheetContentSerializer(serializers.Serializer):
    starts_at = serializers.CharField()
    ends_at = serializers.CharField()
    time_zone = serializers.CharField()
    venue = CallSheetVenueRefSerializer(allow_null=True)
    materials = CallSheetMaterialSerializer(many=True)
    fees = serializers.DictField(child=serializers.CharField(), help_text="Fee per booking id (a player sees theirs).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, _label, _limit in rules.TEXT_FIELDS:
            self.fields[key] = serializers.CharField(allow_blank=True)


class CallSheetPlayerStateSerializer(serializers.Serializer):
    booking = serializers.IntegerField()
    musician = serializers.CharField()
    instrument = serializers.CharField()
    state = serializers.ChoiceField(choices=["confirmed", "waiting", "informed", "dropped_out", "cancelled",
                                             "nothing_sent"])
    label = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="The version of the latest message shown.")
    needs_confirm = serializers.BooleanField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    reminders_sent = serializers.IntegerField()
    channels = serializers.ListField(child=serializers.CharField())
    refill_url = serializers.CharField(allow_blank=True, help_text="A short-notice request prefilled for this chair.")


class CallSheetSerializer(serializers.Serializer):
    booking = serializers.IntegerField()
    booking_status = serializers.CharField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    role = serializers.ChoiceField(choices=["producer", "musician"])
    content = CallSheetContentSerializer()
    players = CallSheetPlayerStateSerializer(many=True, allow_null=True, help_text="The producer's view only.")
    reconfirm_needed = serializers.BooleanField()
    reconfirm_version = serializers.IntegerField(allow_null=True)
    changes_to_confirm = CallSheetPendingChangeSerializer(many=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(allow_blank=True, help_text="The producer's note with the current version.")


class CallSheetVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    critical = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)
    author = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    changes = CallSheetChangeSerializer(many=True)


class CallSheetDiffSerializer(serializers.Serializer):
    changes = CallSheetChangeSerializer(many=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.IntegerField()
        self.fields["to"] = serializers.IntegerField()
