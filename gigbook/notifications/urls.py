from django.urls import path

from gigbook.notifications import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
