from django.urls import path
from rest_framework.routers import SimpleRouter

from gigbook.notifications.api.views import NotificationViewSet, PushOpenedView, PushSubscriptionViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("push-subscriptions", PushSubscriptionViewSet, basename="push-subscription")
urlpatterns = [path("push/opened/", PushOpenedView.as_view(), name="push-opened"), *router.urls]
