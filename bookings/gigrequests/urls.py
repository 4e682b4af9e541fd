from django.urls import path

from bookings.gigrequests import views

app_name = "gigrequests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("favourites/", views.favourites, name="favourites"),
    path("offers/", views.offers, name="offers"),
    path("offers/<int:pk>/<str:action>/", views.offer_answer, name="offer-answer"),
    # The phone link in the SMS/email. GET shows the offer; POST answers it.
    path("o/<str:token>/", views.offer_link, name="offer-link"),
    path("o/<str:token>/seen/", views.offer_seen, name="offer-seen"),
]
