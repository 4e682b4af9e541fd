from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from gigbook.accounts.models import User
from gigbook.accounts.services import ROLE_CHOICES
from gigbook.accounts.validators import available_time_zones, normalize_phone


class TimeZoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in available_time_zones():
            raise serializers.ValidationError(f"“{value}” is not a known time zone (use an IANA name such as Europe/London).")
        return value


class PhoneField(serializers.CharField):
    """A phone number with its country code, returned in E.164."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "time_zone", "roles", "is_producer", "is_musician",
                  "notify_by_email", "notify_by_sms", "date_joined"]
        read_only_fields = fields


class UserUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    phone = PhoneField(max_length=32, required=False, allow_blank=True)
    time_zone = TimeZoneField(max_length=64, required=False)
    is_producer = serializers.BooleanField(required=False)
    is_musician = serializers.BooleanField(required=False)
    notify_by_email = serializers.BooleanField(required=False)
    notify_by_sms = serializers.BooleanField(required=False)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=150)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES), min_length=1, max_length=2)
    phone = PhoneField(max_length=32, required=False, allow_blank=True, default="")
    time_zone = TimeZoneField(max_length=64, required=False, default="UTC")


class RegisterResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
