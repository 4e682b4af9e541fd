from django.urls import path

from musicians.api import views

urlpatterns = [
    path("me/profile/", views.MyProfileView.as_view(), name="api-my-profile"),
    path("me/profile/submit/", views.MyProfileSubmitView.as_view(), name="api-my-profile-submit"),
    path("me/profile/photo/", views.MyProfilePhotoView.as_view(), name="api-my-profile-photo"),
    path("me/unavailability/", views.MyUnavailabilityView.as_view(), name="api-my-unavailability"),
    path("me/unavailability/<int:block_id>/", views.MyUnavailabilityDetailView.as_view(),
         name="api-my-unavailability-detail"),
    path("instruments/", views.InstrumentListView.as_view(), name="api-instruments"),
    path("genres/", views.GenreListView.as_view(), name="api-genres"),
    path("musicians/", views.MusicianSearchView.as_view(), name="api-musician-search"),
    path("musicians/<int:profile_id>/", views.MusicianDetailView.as_view(), name="api-musician-detail"),
]
