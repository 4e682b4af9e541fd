import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gigbook.accounts.models import User
from gigbook.accounts.services import ROLE_CHOICES, pending_phone
from gigbook.accounts.validators import available_time_zones, normalize_phone


class TimeZoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in available_time_zones():
            raise serializers.ValidationError(
                f"“{value[:64]}” is not a time zone we know. Use a name such as Europe/London or America/Chicago."
            )
        return value


class CountryField(serializers.CharField):
    """The country a national-format phone number is read in (ISO code such as GB)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("help_text", "ISO country code, e.g. GB, for a number without +country code.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if value and value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError("Choose a country from the list, e.g. GB for the United Kingdom.")
        return value


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    display_name = serializers.CharField(source="greeting_name", read_only=True)
    phone_verified = serializers.BooleanField(read_only=True)
    pending_phone = serializers.SerializerMethodField()
    # Not an EmailField: "" (nothing pending) is no email address, and the schema must allow it.
    pending_email = serializers.CharField(read_only=True, help_text="A new address waiting for its confirmation "
                                          "link (the login stays `email` until then); empty when none.")

    class Meta:
        model = User
        fields = ["id", "email", "pending_email", "display_name", "full_name", "phone", "phone_verified",
                  "pending_phone", "time_zone", "roles", "is_producer", "is_musician", "notify_by_email",
                  "notify_by_sms", "date_joined"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pending_phone(self, user) -> str | None:
        """A number waiting for its code; texts keep going to ``phone`` until it is confirmed."""
        verification = pending_phone(user)
        return verification.phone if verification else None


class _PhoneCheckMixin:
    """Read the phone in the sent country's national format at field level, so a bad phone shows
    together with every other field's problem (the service reads it again, authoritatively)."""

    def validate_phone(self, value: str) -> str:
        country = self.initial_data.get("phone_country") or ""
        try:
            normalize_phone(value, country if isinstance(country, str) else "")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class UserUpdateSerializer(_PhoneCheckMixin, serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False)
    full_name = serializers.CharField(max_length=150, required=False)
    email = serializers.CharField(
        max_length=254, required=False,
        help_text="Starts a change: a link goes to the new address; the login email changes when it is opened.",
    )
    phone = serializers.CharField(
        max_length=32, required=False,
        help_text="Starts a change: a 6-digit code is texted; confirm it at /api/me/phone/verify/.",
    )
    phone_country = CountryField()
    time_zone = TimeZoneField(max_length=64, required=False)
    is_producer = serializers.BooleanField(required=False)
    is_musician = serializers.BooleanField(required=False)
    notify_by_email = serializers.BooleanField(required=False, help_text="Account-wide: off stops every email.")
    notify_by_sms = serializers.BooleanField(required=False, help_text="Account-wide: off stops every text.")


class PhoneVerifySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)


class EmailConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


TIME_MESSAGE = "Enter a time such as 22:00 or 07:30."


class NotificationSettingsSerializer(serializers.Serializer):
    """Per kind of message ({offers, confirmations, reminders, short_notice, reviews, moderation}) the
    channels it goes to ({email, sms, ...}), and quiet hours in the user's time zone."""

    preferences = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()), required=False,
        help_text="e.g. {\"offers\": {\"email\": true, \"sms\": false}}; kinds and channels left out keep their setting.",
    )
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True, format="%H:%M",
                                              error_messages={"invalid": TIME_MESSAGE})
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True, format="%H:%M",
                                            error_messages={"invalid": TIME_MESSAGE})
    time_zone = serializers.CharField(read_only=True)


class RegisterSerializer(_PhoneCheckMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=150)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES), min_length=1, max_length=2)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone_country = CountryField()
    time_zone = TimeZoneField(max_length=64, required=False, default="UTC")


class RegisterResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()

