from rest_framework import serializers

from gigbook.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class MarkAllReadResponseSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
