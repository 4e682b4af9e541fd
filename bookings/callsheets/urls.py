from django.urls import path

from bookings.callsheets import views

app_name = "callsheets"

urlpatterns = [
    path("bookings/<int:pk>/call-sheet/", views.producer_page, name="producer"),
    path("gigs/<int:pk>/call-sheet/", views.musician_page, name="musician"),
    path("gigs/<int:pk>/call-sheet/seen/", views.musician_seen, name="musician-seen"),
    # The phone link in the message. GET shows the sheet; POST confirms (or drops out).
    path("c/<str:token>/", views.link, name="link"),
    path("c/<str:token>/seen/", views.link_seen, name="link-seen"),
]
