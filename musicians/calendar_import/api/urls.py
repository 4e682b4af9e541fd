from django.urls import path

from musicians.calendar_import.api import views

urlpatterns = [
    path("me/calendar-import/", views.MyCalendarsView.as_view(), name="api-calendar-import"),
    path("me/calendar-import/<int:calendar_id>/", views.MyCalendarDetailView.as_view(),
         name="api-calendar-import-detail"),
    path("me/calendar-import/<int:calendar_id>/sync/", views.MyCalendarSyncView.as_view(),
         name="api-calendar-import-sync"),
]
