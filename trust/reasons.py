"""Reason codes moderators choose from (plus free text), and the aspects reviews score.

The musician is sent the code's label followed by the moderator's details, so a label must read
well on its own ("Your profile was not approved yet. Reason: Photo is not a clear picture of you.").
"""

from __future__ import annotations

from django.db import models


class RejectReason(models.TextChoices):
    INCOMPLETE = "incomplete", "Some of the profile is missing or unclear"
    PHOTO = "photo", "The photo is not a clear picture of you"
    CONTACT_DETAILS = "contact_details", "Contact details or links to book outside GigBook"
    IMPERSONATION = "impersonation", "A name or credits that do not seem to be yours"
    CREDITS = "credits", "Credits we could not verify"
    INAPPROPRIATE = "inappropriate", "Offensive or inappropriate content"
    RATES = "rates", "The rates look like a mistake"
    OTHER = "other", "Other"


class SuspendReason(models.TextChoices):
    REPORTS = "reports", "Repeated reports from producers"
    NO_SHOW = "no_show", "Missed booked sessions"
    HARASSMENT = "harassment", "Harassment or abuse"
    FRAUD = "fraud", "Fraud, or taking payment outside GigBook"
    IMPERSONATION = "impersonation", "Impersonating someone else"
    OTHER = "other", "Other"


REASONS = {"reject": RejectReason, "suspend": SuspendReason}
DETAILS_MAX = 2000


def compose_reason(kind: str, code: str, details: str) -> tuple[str, dict[str, list[str]]]:
    """The text the musician reads, or field errors. ``other`` needs details; details are optional otherwise."""
    choices = REASONS[kind]
    errors: dict[str, list[str]] = {}
    details = (details or "").strip()
    if code not in choices.values:
        errors["reason_code"] = [f"Choose one of: {', '.join(choices.values)}."]
    if len(details) > DETAILS_MAX:
        errors["details"] = [f"Keep the details under {DETAILS_MAX} characters."]
    elif code == "other" and not details:
        errors["details"] = ["Say what the reason is: the musician will read it."]
    if errors:
        return "", errors
    label = choices(code).label
    text = label if code != "other" else details
    if details and code != "other":
        text = f"{label}. {details}"
    return text, {}


# Aspects each side scores (optional, 1-5) besides the overall rating.
REVIEW_ASPECTS = {
    "of_musician": {"preparation": "Preparation", "reading": "Reading", "feel": "Feel", "punctuality": "Punctuality"},
    "of_producer": {
        "punctuality": "Punctuality",
        "paid_on_time": "Paid on time",
        "communication": "Communication",
        "session_organisation": "Well-run session",
    },
}
