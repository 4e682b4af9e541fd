from django.urls import path

from bookings import hold_views, views

app_name = "bookings"

urlpatterns = [
    path("bookings/", views.booking_list, name="list"),
    path("bookings/new/", views.booking_new, name="new"),
    path("bookings/<int:pk>/", views.booking_detail, name="detail"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="cancel"),
    path("bookings/<int:pk>/materials/", views.booking_material_upload, name="material-upload"),
    path("bookings/<int:pk>/<str:action>/", views.booking_action, name="action"),
    path("gigs/", views.gigs, name="gigs"),
    path("holds/", hold_views.hold_list, name="holds"),
    path("holds/new/", hold_views.hold_new, name="hold-new"),
    path("holds/day/<str:day>/", hold_views.hold_day, name="hold-day"),
    path("holds/<int:pk>/<str:action>/", hold_views.hold_action, name="hold-action"),
    path("offers/", views.offers, name="offers"),
    path("e/<str:token>.ics", views.event_ics, name="event-ics"),
    path("venues/", views.venues, name="venues"),
    path("venues/<int:pk>/place/", views.venue_place, name="venue-place"),
    path("calendar/rotate/", views.calendar_rotate, name="calendar-rotate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    # The phone link for an offer (SMS/email). GET shows; POST answers.
    path("o/<str:token>/", views.offer_link, name="offer-link"),
    path("o/<str:token>/materials/<int:material_id>/", views.offer_link_material, name="offer-link-material"),
]
