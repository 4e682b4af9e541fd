from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from gigbook.accounts import services
from gigbook.accounts.forms import EmailAuthenticationForm, SignupForm
from gigbook.accounts.ratelimit import auth_rate_limited
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
        if auth_rate_limited(request, group="login", account=request.POST.get("username", "")):
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
