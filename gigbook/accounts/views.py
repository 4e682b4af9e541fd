from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from gigbook.accounts import services
from gigbook.accounts.forms import (
    EmailAuthenticationForm,
    EmailChangeForm,
    NameZoneForm,
    NotificationSettingsForm,
    PasswordChangeForm,
    PasswordResetForm,
    PhoneChangeForm,
    PhoneCodeForm,
    SignupForm,
)
from gigbook.accounts.ratelimit import auth_rate_limited, login_blocked
from gigbook.accounts.zones import region_for_zone, zone_countries
from gigbook.core.errors import ValidationFailed
from gigbook.core.tokens import TokenExpired, TokenInvalid, TokenUsed
from gigbook.notifications import preferences

RATE_LIMIT_MESSAGE = "Too many attempts from here. Wait a minute and try again."


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if auth_rate_limited(request, group="register"):
            form.add_error(None, RATE_LIMIT_MESSAGE)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_register(
                    email=data["email"],
                    password=data["password"],
                    full_name=data["full_name"],
                    roles=form.roles(),
                    phone=data["phone"],
                    phone_country=data["phone_country"],
                    time_zone=data["time_zone"],
                )
            except ValidationFailed as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to GigBook, {user.greeting_name}!")
                if user.phone:
                    messages.info(request, f"We texted a 6-digit code to {user.phone}: enter it to get offers by text.")
                return redirect("my-start" if user.is_musician else "home")
    context = {"form": form, "zone_countries": zone_countries()}
    return render(request, "accounts/signup.html", context, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Failed sign-ins are counted where authenticate() reports them (gigbook.accounts.ratelimit).
        if login_blocked(request, account=request.POST.get("username", "")):
            form = self.get_form()
            form.is_valid = lambda: False  # noqa: E731 - render the form with the limit message only
            form.errors.clear()
            form.add_error(None, RATE_LIMIT_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        if auth_rate_limited(request, group="password-reset", account=request.POST.get("email", "")):
            form = self.get_form()
            form.add_error(None, RATE_LIMIT_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Staff only: set up (or remove) an authenticator app for the admin sign-in."""
    import base64

    import segno

    from gigbook.accounts import two_factor as tf

    if not request.user.is_staff:
        raise Http404
    device = tf.device_for(request.user)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                tf.totp_remove(user=request.user, token=request.POST.get("token", ""))
                messages.success(request, "The authenticator app was removed from your account.")
            else:
                tf.totp_enrolment_confirm(user=request.user, token=request.POST.get("token", ""), request=request)
                messages.success(request, "Two-factor sign-in is on: the admin will ask for your app's code.")
        except ValidationFailed as exc:
            errors = [message for messages_ in exc.fields.values() for message in messages_]
        else:
            return redirect("two_factor")
    context = {"device": device, "errors": errors, "required": settings.STAFF_REQUIRE_OTP}
    if device is None:
        pending = tf.totp_enrolment_start(user=request.user)
        context["secret"] = base64.b32encode(pending.bin_key).decode().rstrip("=")
        context["qr_svg"] = mark_safe(segno.make(pending.config_url).svg_inline(  # noqa: S308 - generated SVG, no user text
            scale=4, title="QR code to scan with your authenticator app"))
    return render(request, "accounts/two_factor.html", context, status=400 if errors else 200)


# --- Account page (/account/) ----------------------------------------------------------------

ACCOUNT_FORMS = {
    "name": NameZoneForm,
    "email": EmailChangeForm,
    "phone": PhoneChangeForm,
    "code": PhoneCodeForm,
    "password": PasswordChangeForm,
    "notifications": NotificationSettingsForm,
}


def _account_forms(user, bound_action: str | None = None, data=None) -> dict:
    settings_now = preferences.notification_settings_get(user=user)
    forms = {
        "name": NameZoneForm(initial={"display_name": user.greeting_name, "full_name": user.full_name,
                                      "time_zone": user.time_zone}, prefix="name"),
        "email": EmailChangeForm(prefix="email"),
        "phone": PhoneChangeForm(initial={"phone_country": region_for_zone(user.time_zone)}, prefix="phone"),
        "code": PhoneCodeForm(prefix="code"),
        "password": PasswordChangeForm(prefix="password"),
        "notifications": NotificationSettingsForm(settings=settings_now, prefix="notif"),
    }
    if bound_action:
        kwargs = {"settings": settings_now} if bound_action == "notifications" else {}
        forms[bound_action] = ACCOUNT_FORMS[bound_action](data, prefix=forms[bound_action].prefix, **kwargs)
    return forms


def _apply(request, action: str, form) -> str:
    """Run the service behind one section of the account page; returns the success message.

    Raises ValidationFailed (mapped onto the form's fields by the caller).
    """
    user, data = request.user, form.cleaned_data
    if action == "name":
        services.user_update(user=user, display_name=data["display_name"], full_name=data["full_name"],
                             time_zone=data["time_zone"])
        return "Saved your name and time zone."
    if action == "email":
        services.email_change_request(user=user, new_email=data["email"])
        return (f"We emailed a link to {user.pending_email or data['email'].strip().lower()}. "
                f"Your login stays {user.email} until you open it.")
    if action == "phone":
        verification = services.phone_verification_start(user=user, phone=data["phone"], country=data["phone_country"])
        return f"We texted a 6-digit code to {verification.phone}. Enter it below; it works for 10 minutes."
    if action == "code":
        services.phone_verify(user=user, code=data["code"])
        return f"Your mobile number {user.phone} is confirmed. Texts will go there."
    if action == "password":
        services.password_change(user=user, current_password=data["current_password"], new_password=data["new_password"])
        update_session_auth_hash(request, user)
        return "Your password is changed."
    if action == "notifications":
        preferences.notification_settings_update(
            user=user, preferences=form.chosen(),
            quiet_hours_start=data["quiet_hours_start"], quiet_hours_end=data["quiet_hours_end"],
        )
        return "Saved your message settings."
    raise ValueError(action)


SECTION_ANCHORS = {"name": "name", "email": "email", "phone": "phone", "code": "phone", "password": "password",
                   "notifications": "notifications"}


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel-email":
        services.email_change_cancel(user=request.user)
        messages.success(request, "The email change is cancelled.")
        return redirect("/account/#email")
    if action is not None and action not in ACCOUNT_FORMS:
        action = None
    forms = _account_forms(request.user, action, request.POST if action else None)
    status = 200
    if action:
        form = forms[action]
        if form.is_valid():
            try:
                message = _apply(request, action, form)
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, message)
                target = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith("/"):
                    target = f"/account/#{SECTION_ANCHORS[action]}"
                return redirect(target)
        status = 429 if getattr(form, "rate_limited", False) else 400
    request.user.refresh_from_db()
    return render(request, "accounts/account.html", {
        "forms": forms,
        "bound": action,
        "pending_phone": services.pending_phone(request.user),
        "zone_countries": zone_countries(),
    }, status=status)


def _add_errors(form, exc: ValidationFailed) -> None:
    aliases = {"current_password": "current_password", "new_password": "new_password", "preferences": None,
               "roles": None}
    for field, errors in (exc.fields or {"__all__": [exc.detail]}).items():
        target = aliases.get(field, field)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)
    if exc.status_code == 429:
        form.rate_limited = True


@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    """The link emailed to a new address. GET shows a button (mail scanners follow links); POST confirms."""
    if request.method == "GET":
        return render(request, "accounts/email_confirm.html", {"token": token})
    try:
        user = services.email_change_confirm(token=token)
    except (TokenInvalid, TokenExpired, TokenUsed, ValidationFailed) as exc:
        return render(request, "accounts/email_confirm.html", {"token": token, "problem": exc.detail},
                      status=exc.status_code)
    return render(request, "accounts/email_confirm.html", {"done": True, "email": user.email})
