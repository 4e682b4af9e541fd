from django.urls import path

from trust import views

app_name = "trust"

urlpatterns = [
    path("reviews/", views.reviews_page, name="reviews"),
    path("reviews/write/<int:booking_id>/", views.review_write, name="review-write"),
    path("reviews/<int:review_id>/reply/", views.review_reply, name="review-reply"),
    path("report/musician/<int:profile_id>/", views.report_profile, name="report-profile"),
    path("report/review/<int:review_id>/", views.report_review, name="report-review"),
    path("vouch/<int:profile_id>/", views.vouch_page, name="vouch"),
    path("recommendations/<int:recommendation_id>/", views.recommendation_page, name="recommendation"),
    path("recommend/<int:booking_id>/", views.recommend_page, name="recommend"),
    path("recommend/link/<str:token>/", views.recommend_by_link, name="recommend-link"),
]
