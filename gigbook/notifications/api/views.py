import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gigbook.core.filters import StrictBooleanFilter
from gigbook.notifications import services
from gigbook.notifications.api.serializers import MarkAllReadResponseSerializer, NotificationSerializer
from gigbook.notifications.models import Notification
from gigbook.notifications.selectors import notification_list_for_user


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread")
    kind = django_filters.CharFilter(max_length=64)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's in-app inbox, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"[0-9]+"  # anything else is a 404, not a crash

    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notification_list_for_user(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkAllReadResponseSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})
