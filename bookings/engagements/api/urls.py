from django.urls import path

from bookings.engagements.api import views

urlpatterns = [
    path("engagements/", views.EngagementListCreateView.as_view(), name="api-engagements"),
    path("engagements/check/", views.EngagementCheckView.as_view(), name="api-engagement-check"),
    path("engagements/<int:pk>/", views.EngagementDetailView.as_view(), name="api-engagement"),
    path("engagements/<int:pk>/accept/", views.EngagementAcceptView.as_view(), name="api-engagement-accept"),
    path("engagements/<int:pk>/decline/", views.EngagementDeclineView.as_view(), name="api-engagement-decline"),
    path("engagements/<int:pk>/withdraw/", views.EngagementWithdrawView.as_view(), name="api-engagement-withdraw"),
    path("engagements/<int:pk>/cancel-date/", views.EngagementCancelDateView.as_view(),
         name="api-engagement-cancel-date"),
]
