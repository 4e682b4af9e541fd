from rest_framework import serializers

from gigbook.notifications.models import Notification, PushSubscription


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkAllReadResponseSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200, trim_whitespace=True, error_messages={
        "required": "The browser's encryption key is missing.", "blank": "The browser's encryption key is missing."})
    auth = serializers.CharField(max_length=200, trim_whitespace=True, error_messages={
        "required": "The browser's secret for notifications is missing.",
        "blank": "The browser's secret for notifications is missing."})


class PushSubscriptionInputSerializer(serializers.Serializer):
    """What ``PushSubscription.toJSON()`` gives in the browser (``expirationTime`` is ignored)."""

    endpoint = serializers.CharField(max_length=2000, error_messages={
        "required": "Your browser did not give an address to send notifications to.",
        "blank": "Your browser did not give an address to send notifications to.",
        "max_length": "The browser's notification address is too long."})
    keys = PushKeysSerializer()


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "user_agent", "created_at", "last_success_at"]
        read_only_fields = fields


class PushUnsubscribeSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=2000, error_messages={
        "required": "Say which browser to turn notifications off for.",
        "blank": "Say which browser to turn notifications off for."})


class PushOpenedSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500, error_messages={
        "required": "This notification link is not valid.", "blank": "This notification link is not valid."})


class PushConfigSerializer(serializers.Serializer):
    vapid_public_key = serializers.CharField(help_text="The applicationServerKey for pushManager.subscribe()")
