from django.urls import path

from trust.api import views

urlpatterns = [
    # Moderators
    path("moderation/profiles/", views.ModerationProfileListView.as_view(), name="api-moderation-profiles"),
    path("moderation/profiles/bulk/", views.BulkView.as_view(), name="api-moderation-bulk"),
    path("moderation/profiles/<int:pk>/", views.ModerationProfileDetailView.as_view(),
         name="api-moderation-profile"),
    path("moderation/profiles/<int:pk>/approve/", views.ApproveView.as_view(), name="api-moderation-approve"),
    path("moderation/profiles/<int:pk>/reject/", views.RejectView.as_view(), name="api-moderation-reject"),
    path("moderation/profiles/<int:pk>/suspend/", views.SuspendView.as_view(), name="api-moderation-suspend"),
    path("moderation/profiles/<int:pk>/unsuspend/", views.UnsuspendView.as_view(), name="api-moderation-unsuspend"),
    path("moderation/reports/", views.ModerationReportListView.as_view(), name="api-moderation-reports"),
    path("moderation/reports/<int:pk>/resolve/", views.ModerationReportResolveView.as_view(),
         name="api-moderation-report-resolve"),
    path("moderation/reviews/", views.ModerationReviewListView.as_view(), name="api-moderation-reviews"),
    path("moderation/reviews/<int:pk>/hide/", views.ModerationReviewHideView.as_view(),
         name="api-moderation-review-hide"),
    path("moderation/reviews/<int:pk>/restore/", views.ModerationReviewRestoreView.as_view(),
         name="api-moderation-review-restore"),
    path("moderation/flags/", views.ModerationFlagListView.as_view(), name="api-moderation-flags"),
    path("moderation/flags/<int:pk>/resolve/", views.ModerationFlagResolveView.as_view(),
         name="api-moderation-flag-resolve"),
    path("moderation/audit/", views.ModerationAuditListView.as_view(), name="api-moderation-audit"),
    # Everyone signed in
    path("reports/", views.ReportListCreateView.as_view(), name="api-reports"),
    path("reviews/", views.ReviewListCreateView.as_view(), name="api-reviews"),
    path("reviews/mine/", views.MyReviewsView.as_view(), name="api-reviews-mine"),
    path("reviews/to-write/", views.ToReviewView.as_view(), name="api-reviews-to-write"),
    path("reviews/<int:pk>/reply/", views.ReplyView.as_view(), name="api-review-reply"),
    path("endorsements/", views.EndorsementListCreateView.as_view(), name="api-endorsements"),
    path("endorsements/<int:pk>/", views.EndorsementDetailView.as_view(), name="api-endorsement"),
    path("reputation/<int:profile_id>/", views.ReputationView.as_view(), name="api-reputation"),
    path("recommendations/", views.RecommendationListCreateView.as_view(), name="api-recommendations"),
    path("recommendations/<int:pk>/send-offer/", views.SendOfferView.as_view(), name="api-recommendation-send"),
    path("recommendations/<int:pk>/dismiss/", views.DismissView.as_view(), name="api-recommendation-dismiss"),
]
