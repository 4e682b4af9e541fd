from django.urls import path

from gigbook.accounts.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/phone/verify/", views.PhoneVerifyView.as_view(), name="api-me-phone-verify"),
    path("me/email/confirm/", views.EmailConfirmView.as_view(), name="api-me-email-confirm"),
    path("me/password/", views.PasswordChangeView.as_view(), name="api-me-password"),
    path("me/notification-settings/", views.NotificationSettingsView.as_view(), name="api-me-notification-settings"),
]
