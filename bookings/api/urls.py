from django.urls import path

from bookings.api import hold_views, views

urlpatterns = [
    path("bookings/", views.BookingListCreateView.as_view(), name="api-bookings"),
    path("bookings/quote/", views.BookingQuoteView.as_view(), name="api-booking-quote"),
    path("bookings/<int:pk>/", views.BookingDetailView.as_view(), name="api-booking"),
    path("bookings/<int:pk>/accept/", views.AcceptView.as_view(), name="api-booking-accept"),
    path("bookings/<int:pk>/decline/", views.DeclineView.as_view(), name="api-booking-decline"),
    path("bookings/<int:pk>/counter/", views.CounterView.as_view(), name="api-booking-counter"),
    path("bookings/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="api-booking-withdraw"),
    path("bookings/<int:pk>/cancel/", views.CancelView.as_view(), name="api-booking-cancel"),
    path("bookings/<int:pk>/complete/", views.CompleteView.as_view(), name="api-booking-complete"),
    path("bookings/<int:pk>/cancellation/", views.CancellationPreviewView.as_view(), name="api-booking-cancellation"),
    path("bookings/<int:pk>/materials/", views.MaterialListCreateView.as_view(), name="api-booking-materials"),
    path("bookings/<int:pk>/materials/<int:material_id>/", views.MaterialDetailView.as_view(),
         name="api-booking-material"),
    path("holds/", hold_views.HoldListCreateView.as_view(), name="api-holds"),
    path("holds/<int:pk>/", hold_views.HoldDetailView.as_view(), name="api-hold"),
    path("holds/<int:pk>/accept/", hold_views.HoldAcceptView.as_view(), name="api-hold-accept"),
    path("holds/<int:pk>/decline/", hold_views.HoldDeclineView.as_view(), name="api-hold-decline"),
    path("holds/<int:pk>/release/", hold_views.HoldReleaseView.as_view(), name="api-hold-release"),
    path("holds/<int:pk>/challenge/", hold_views.HoldChallengeView.as_view(), name="api-hold-challenge"),
    path("holds/<int:pk>/confirm/", hold_views.HoldConfirmView.as_view(), name="api-hold-confirm"),
    path("venues/", views.VenueListCreateView.as_view(), name="api-venues"),
    path("venues/<int:pk>/", views.VenueDetailView.as_view(), name="api-venue"),
    path("calendar/", views.CalendarFeedView.as_view(), name="api-calendar"),
    path("calendar/rotate/", views.CalendarFeedRotateView.as_view(), name="api-calendar-rotate"),
]
