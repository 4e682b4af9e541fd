from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from gigbook.accounts.zones import country_choices, offered_time_zones, region_for_zone, time_zone_choices
from gigbook.notifications import preferences
from gigbook.notifications.emails import account_url, list_headers

ROLE_FORM_CHOICES = [
    ("producer", "I book musicians (producer, artist, studio, bandleader)"),
    ("musician", "I play sessions (musician)"),
    ("both", "Both"),
]


class SignupForm(forms.Form):
    """Sign-up. On an error every field keeps what was typed except the password, which browsers
    must not get back from the server; the page says so (``password_cleared``)."""

    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="Email")
    password = forms.CharField(
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="Password",
        help_text="At least 8 characters; not only numbers, not a common password.",
    )
    role = forms.ChoiceField(choices=ROLE_FORM_CHOICES, widget=forms.RadioSelect, label="I am here to…")
    # Without JavaScript UTC stays; with it the browser's own zone is picked (static/js/accounts-zone.js).
    time_zone = forms.ChoiceField(label="Time zone", initial="UTC")
    phone_country = forms.ChoiceField(label="Country of your mobile number", required=False)
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Mobile number (optional)",
        help_text="As you would dial it at home, e.g. 07700 900123. We text you gig offers once you confirm it.",
        widget=forms.TextInput(attrs={"autocomplete": "tel-national", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["phone_country"].choices = country_choices()
        # Without JavaScript (zone UTC) the country defaults to where most of our players are.
        self.fields["phone_country"].initial = region_for_zone(self.fields["time_zone"].initial) or "GB"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["phone_country"].widget.attrs["autocomplete"] = "tel-country-code"

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        if value not in offered_time_zones():
            raise forms.ValidationError("Pick your time zone from the list.")
        return value

    @property
    def password_cleared(self) -> bool:
        return self.is_bound and bool(self.errors) and bool(self.data.get("password"))

    def roles(self) -> list[str]:
        role = self.cleaned_data["role"]
        return ["producer", "musician"] if role == "both" else [role]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with our footer links and the one-click unsubscribe headers every email carries."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        message = EmailMultiAlternatives(
            subject, render_to_string(email_template_name, {**context, "account_url": account_url()}),
            from_email, [to_email], headers=list_headers(user_id=context["user"].pk, kind="all"),
        )
        message.send()


# --- Account page -----------------------------------------------------------------------------


class NameZoneForm(forms.Form):
    display_name = forms.CharField(
        max_length=150, label="Name shown to people",
        help_text="Used on every page, in every message and in your calendar feed.",
    )
    full_name = forms.CharField(max_length=150, label="Full name", help_text="For contracts and invoices.")
    time_zone = forms.ChoiceField(label="Time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        if value not in offered_time_zones():
            raise forms.ValidationError("Pick your time zone from the list.")
        return value


class EmailChangeForm(forms.Form):
    email = forms.CharField(
        max_length=254, label="New email address",
        help_text="We email a link to the new address; your login changes when you open it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PhoneChangeForm(forms.Form):
    phone_country = forms.ChoiceField(label="Country of your mobile number", required=False)
    phone = forms.CharField(
        max_length=32, label="Mobile number",
        help_text="As you would dial it at home. We text a 6-digit code to check it.",
        widget=forms.TextInput(attrs={"autocomplete": "tel-national", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone_country"].choices = country_choices()


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        max_length=12, label="6-digit code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        max_length=128, label="Current password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        max_length=128, label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only numbers, not a common password.",
    )


class NotificationSettingsForm(forms.Form):
    """One checkbox per kind of message and channel, plus quiet hours."""

    quiet_hours_start = forms.TimeField(
        required=False, label="Quiet from", error_messages={"invalid": "Enter a time such as 22:00."}, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_hours_end = forms.TimeField(
        required=False, label="Quiet until", error_messages={"invalid": "Enter a time such as 07:30."}, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, settings: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for group in preferences.KIND_GROUPS:
            cells = []
            for channel in preferences.CHANNELS.values():
                name = f"pref_{group.code}_{channel.code}"
                self.fields[name] = forms.BooleanField(
                    required=False, label=f"{group.label} by {channel.label.lower()}",
                    initial=settings["preferences"][group.code][channel.code],
                )
                cells.append(name)
            self.rows.append((group, cells))
        self.fields["quiet_hours_start"].initial = settings["quiet_hours_start"]
        self.fields["quiet_hours_end"].initial = settings["quiet_hours_end"]

    def table(self):
        """[(kind group, [(bound checkbox, channel), ...]), ...] for the template."""
        channels = list(preferences.CHANNELS.values())
        return [(group, [(self[name], channel) for name, channel in zip(cells, channels, strict=True)])
                for group, cells in self.rows]

    def channels(self):
        return list(preferences.CHANNELS.values())

    def chosen(self) -> dict[str, dict[str, bool]]:
        return {
            group.code: {channel.code: self.cleaned_data[f"pref_{group.code}_{channel.code}"]
                         for channel in preferences.CHANNELS.values()}
            for group in preferences.KIND_GROUPS
        }
