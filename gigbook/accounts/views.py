from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from gigbook.accounts import services
from gigbook.accounts.forms import EmailAuthenticationForm, SignupForm
from gigbook.accounts.ratelimit import auth_rate_limited, login_blocked
from gigbook.core.errors import ValidationFailed

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
                    time_zone=data["time_zone"],
                )
            except ValidationFailed as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to GigBook, {user.get_short_name()}!")
                return redirect("home")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


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
