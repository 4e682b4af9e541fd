from django.urls import path

from musicians.calendar_import import views

urlpatterns = [
    path("me/calendar-import/add/", views.add, name="calendar-import-add"),
    path("me/calendar-import/<int:calendar_id>/remove/", views.remove, name="calendar-import-remove"),
    path("me/calendar-import/<int:calendar_id>/sync/", views.sync, name="calendar-import-sync"),
]
