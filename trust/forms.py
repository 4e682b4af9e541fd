"""Forms for the trust pages and the admin's intermediate pages. Shape only: the services decide."""

from __future__ import annotations

from django import forms

from trust.models import Report
from trust.reasons import REVIEW_ASPECTS, RejectReason, SuspendReason

STARS = [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]
ASPECT_CHOICES = [("", "Not rated")] + [(str(n), str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.ChoiceField(choices=STARS, widget=forms.RadioSelect, label="Overall")
    text = forms.CharField(
        max_length=1000, required=False, label="Your review (optional)",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text="Up to 1000 characters. It is shown once you have both reviewed, or after 30 days.",
    )

    def __init__(self, *args, direction: str, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in REVIEW_ASPECTS[direction].items():
            self.fields[f"aspect_{key}"] = forms.ChoiceField(choices=ASPECT_CHOICES, required=False, label=label)

    def aspects(self) -> dict[str, str]:
        return {
            name.removeprefix("aspect_"): value
            for name, value in self.cleaned_data.items() if name.startswith("aspect_") and value
        }


class ReplyForm(forms.Form):
    text = forms.CharField(max_length=1000, label="Your reply", widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
                           help_text="You can reply once; it is shown under the review.")


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong?")
    details = forms.CharField(
        max_length=2000, required=False, label="Details",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        help_text="What happened, and when? Only GigBook's moderators read this.",
    )


class VouchForm(forms.Form):
    skill = forms.ChoiceField(label="Vouch for their…")
    note = forms.CharField(max_length=280, required=False, label="A few words (optional)",
                           widget=forms.TextInput(attrs={"maxlength": 280}))

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"instrument:{row.instrument.slug}", row.instrument.name) for row in profile.instruments.all()]
        choices += [(f"genre:{row.genre.slug}", f"{row.genre.name} playing") for row in profile.genres.all()]
        self.fields["skill"].choices = choices


class RecommendForm(forms.Form):
    recommended = forms.ChoiceField(widget=forms.RadioSelect, label="Who should they ask?")
    note = forms.CharField(max_length=500, required=False, label="A note for the producer (optional)",
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommended"].choices = [
            (str(p.pk), f"{p.display_name} — {p.city or 'location not given'}"
                        f"{' · you played together' if getattr(p, 'played_with', False) else ''}")
            for p in candidates
        ]


# --- Admin intermediate pages ---------------------------------------------------------------------


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(choices=RejectReason.choices, label="Reason")
    details = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              label="Details for the musician",
                              help_text="Required for “Other”. The musician reads the reason and these details.")


class SuspendForm(forms.Form):
    reason_code = forms.ChoiceField(choices=SuspendReason.choices, label="Reason")
    details = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              label="Details for the musician",
                              help_text="Required for “Other”. Suspending hides the profile at once, withdraws "
                                        "open offers and flags confirmed bookings for an admin.")


class ResolveReportForm(forms.Form):
    outcome = forms.ChoiceField(choices=Report.Outcome.choices, label="Outcome (the reporter is told this)")
    note = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           label="Note for the file (not sent)")


class HideReviewForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             label="Reason (the author is told)")


class ResolveFlagForm(forms.Form):
    resolution = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                 label="What was done")
