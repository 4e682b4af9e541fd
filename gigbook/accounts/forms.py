from django import forms
from django.contrib.auth.forms import AuthenticationForm

from gigbook.accounts.validators import available_time_zones

ROLE_FORM_CHOICES = [
    ("producer", "I book musicians (producer, artist, studio, bandleader)"),
    ("musician", "I play sessions (musician)"),
    ("both", "Both"),
]


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="Email")
    password = forms.CharField(
        max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Password"
    )
    role = forms.ChoiceField(choices=ROLE_FORM_CHOICES, widget=forms.RadioSelect, label="I am here to…")
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Mobile number (optional)",
        help_text="With country code, e.g. +44 7911 123456. Used to text you gig offers.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    time_zone = forms.ChoiceField(label="Time zone", initial="UTC")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in sorted(available_time_zones())]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"

    def roles(self) -> list[str]:
        role = self.cleaned_data["role"]
        return ["producer", "musician"] if role == "both" else [role]


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
