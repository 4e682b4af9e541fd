from django.urls import path

from bookings.callsheets.api import views

urlpatterns = [
    path("bookings/<int:pk>/call-sheet/", views.CallSheetView.as_view(), name="api-call-sheet"),
    path("bookings/<int:pk>/call-sheet/versions/", views.CallSheetVersionsView.as_view(), name="api-call-sheet-versions"),
    path("bookings/<int:pk>/call-sheet/diff/", views.CallSheetDiffView.as_view(), name="api-call-sheet-diff"),
    path("bookings/<int:pk>/call-sheet/confirm/", views.CallSheetConfirmView.as_view(), name="api-call-sheet-confirm"),
    path("bookings/<int:pk>/call-sheet/drop-out/", views.CallSheetDropOutView.as_view(),
         name="api-call-sheet-drop-out"),
]
