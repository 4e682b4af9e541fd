from django.urls import path

from musicians import views

urlpatterns = [
    path("musicians/", views.search_page, name="musician-search"),
    path("musicians/<int:profile_id>/", views.profile_page, name="musician-profile"),
    path("me/profile/", views.editor_page, name="my-profile"),
    path("me/start/", views.start_page, name="my-start"),
]
