from django.urls import path

from bookings.gigrequests.api import views

urlpatterns = [
    path("gig-requests/", views.GigRequestListCreateView.as_view(), name="api-gig-requests"),
    path("gig-requests/preview/", views.GigRequestPreviewView.as_view(), name="api-gig-request-preview"),
    path("gig-requests/<int:pk>/", views.GigRequestDetailView.as_view(), name="api-gig-request-detail"),
    path("gig-requests/<int:pk>/cancel/", views.GigRequestCancelView.as_view(), name="api-gig-request-cancel"),
    path("gig-requests/<int:pk>/widen/", views.GigRequestWidenView.as_view(), name="api-gig-request-widen"),
    path("offers/", views.OfferListView.as_view(), name="api-offers"),
    path("offers/<int:pk>/", views.OfferDetailView.as_view(), name="api-offer-detail"),
    path("offers/<int:pk>/seen/", views.OfferSeenView.as_view(), name="api-offer-seen"),
    path("offers/<int:pk>/accept/", views.OfferAcceptView.as_view(), name="api-offer-accept"),
    path("offers/<int:pk>/decline/", views.OfferDeclineView.as_view(), name="api-offer-decline"),
    path("favourites/", views.FavouriteListCreateView.as_view(), name="api-favourites"),
    path("favourites/<int:pk>/", views.FavouriteDetailView.as_view(), name="api-favourite-detail"),
    path("favourites/<int:pk>/move/", views.FavouriteMoveView.as_view(), name="api-favourite-move"),
]
