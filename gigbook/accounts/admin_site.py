"""The admin site: the same sign-in limits as /login/, and a second factor (TOTP) for staff.

Staff who enrolled an authenticator app (``/account/two-factor/``) must give its code at the admin
sign-in; with ``STAFF_REQUIRE_OTP`` (on by default when DEBUG is off) every staff account must.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.template.response import TemplateResponse
from django_otp.forms import OTPAuthenticationFormMixin

from gigbook.accounts import two_factor
from gigbook.accounts.ratelimit import login_blocked

TOO_MANY = "Too many sign-in attempts from here. Wait a minute and try again."


class StaffLoginForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        required=False,
        label="Code from your authenticator app",
        help_text="Only if you set one up (required for staff in production).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_challenge = forms.CharField(required=False)
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Enter the 6-digit code from your authenticator app.",
        "invalid_token": "That code is not right (or has expired). Enter the current code from your app.",
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and two_factor.required_for(user):
            device = two_factor.device_for(user)
            if device is None:
                raise forms.ValidationError(
                    "Staff must use a second factor here. Sign in on the site, open "
                    "Account → Two-factor sign-in (/account/two-factor/) to set up an authenticator app, then come back."
                )
            self.cleaned_data["otp_device"] = device.persistent_id
            self.clean_otp(user)
        return cleaned


class GigBookAdminSite(AdminSite):
    login_form = StaffLoginForm
    login_template = "admin/gigbook_login.html"

    def has_permission(self, request):
        user = request.user
        if not super().has_permission(request):
            return False
        # A staff member who signed in on the site without their code is asked for it here.
        return not two_factor.required_for(user) or user.is_verified()

    def login(self, request, extra_context=None):
        if request.method == "POST" and login_blocked(request, account=request.POST.get("username", "")):
            form = self.login_form(request, data=None)
            context = {**self.each_context(request), "title": "Log in", "app_path": request.get_full_path(),
                       "form": form, "rate_limited": TOO_MANY, "username": request.user.get_username(),
                       **(extra_context or {})}
            return TemplateResponse(request, self.login_template, context, status=429)
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        # The review queue's length on the admin home, so a waiting musician is noticed without opening it.
        from trust import selectors  # the admin site is built before the apps' models are ready

        extra_context = {**(extra_context or {}), "pending_review_count": selectors.pending_review_count(
            user=request.user)}
        return super().index(request, extra_context)
