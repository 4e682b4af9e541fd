from django.urls import path

from bookings.engagements import views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", views.engagement_new, name="new"),
    path("<int:pk>/", views.engagement_detail, name="detail"),
    path("<int:pk>/answer/", views.engagement_answer, name="answer"),
    path("<int:pk>/withdraw/", views.engagement_withdraw, name="withdraw"),
    # The phone link of the offer (SMS/email). GET shows; POST answers and spends the link.
    path("o/<str:token>/", views.offer_link, name="offer-link"),
]
