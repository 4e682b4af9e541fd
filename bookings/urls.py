from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("o/<str:token>/", views.offer_link, name="offer-link"),
]
