import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.core.filters import StrictBooleanFilter
from gigbook.notifications import push_services, services
from gigbook.notifications.api.serializers import (
    MarkAllReadResponseSerializer,
    NotificationSerializer,
    PushConfigSerializer,
    PushOpenedSerializer,
    PushSubscriptionInputSerializer,
    PushSubscriptionSerializer,
    PushUnsubscribeSerializer,
)
from gigbook.notifications.models import Notification, PushSubscription
from gigbook.notifications.push import vapid_public_key
from gigbook.notifications.rendering import notifications_render_pending
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

    # A message written a moment ago may still wait for its body (rendered after its writer
    # committed): whoever shows it first renders it, so the inbox never shows an empty one.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            notifications_render_pending(page)
        return page

    def get_object(self):
        notification = super().get_object()
        notifications_render_pending([notification])
        return notification

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkAllReadResponseSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


@extend_schema(tags=["push"])
class PushSubscriptionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The browsers in which the signed-in user turned on push notifications.

    POST the browser's ``PushSubscription.toJSON()`` to turn push on (again: it is refreshed);
    DELETE one by id, or POST its endpoint to ``unsubscribe/``, to turn it off.
    """

    serializer_class = PushSubscriptionSerializer
    lookup_value_regex = r"[0-9]+"
    queryset = PushSubscription.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PushSubscription.objects.none()
        return PushSubscription.objects.filter(user=self.request.user).order_by("id")

    @extend_schema(request=PushSubscriptionInputSerializer, responses={201: PushSubscriptionSerializer})
    def create(self, request):
        data = PushSubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = push_services.push_subscription_save(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(PushSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        push_services.push_subscription_delete(user=request.user, subscription_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PushUnsubscribeSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def unsubscribe(self, request):
        data = PushUnsubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        push_services.push_unsubscribe(user=request.user, endpoint=data.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=PushConfigSerializer)
    @action(detail=False, methods=["get"])
    def config(self, request):
        """The server's VAPID public key, for ``pushManager.subscribe({applicationServerKey})``."""
        return Response({"vapid_public_key": vapid_public_key()})


@extend_schema(tags=["push"], request=PushOpenedSerializer, responses={204: None})
class PushOpenedView(APIView):
    """The service worker reports that a push was tapped (the signed token from its payload).

    No sign-in: the token is the proof, and a service worker's fetch carries no CSRF token.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request):
        data = PushOpenedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        push_services.push_opened(token=data.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)
