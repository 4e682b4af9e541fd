"""Password-less phone links: one signed, expiring, single-use token per invitee and offer.

Generic on purpose: the short-notice feature uses the same helpers with its own ``purpose`` and
page. The rules (see ARCHITECTURE.md, "Phone links"):

* the token names a purpose, a subject (e.g. the booking id) and the invited user;
* GET renders the offer and never changes anything (link scanners and prefetchers open links);
* a POST acts, and spends the token in the same transaction as the action, so it works once;
* a POST repeated after success (a phone retrying) shows the current state instead of an error.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from gigbook.core.tokens import ActionToken, action_token_is_spent, action_token_make, action_token_read

OFFER_PURPOSE = "booking-offer"
# "Add to calendar" links: a read-only credential for one booking's .ics (not spent by use), so the
# link works from the phone page after the offer token is spent, and from My gigs.
EVENT_PURPOSE = "booking-event"


def phone_token_make(*, purpose: str, subject_id: int, user_id: int, expires_at: datetime) -> str:
    return action_token_make(purpose=purpose, subject_id=subject_id, user_id=user_id, expires_at=expires_at)


def phone_link_path(token: str, *, url_name: str = "bookings:offer-link") -> str:
    return reverse(url_name, kwargs={"token": token})


def phone_link_absolute(token: str, *, url_name: str = "bookings:offer-link") -> str:
    return f"{settings.SITE_URL}{phone_link_path(token, url_name=url_name)}"


def phone_token_read(token: str, *, purpose: str) -> tuple[ActionToken, bool]:
    """(the verified token, whether it was already spent). Raises TokenInvalid / TokenExpired."""
    parsed = action_token_read(token, purpose=purpose)
    return parsed, action_token_is_spent(parsed)


def event_ics_path(booking) -> str:
    """The "Add to calendar" link of one booking (its musician's), valid until 30 days after it ends."""
    from datetime import timedelta

    token = action_token_make(purpose=EVENT_PURPOSE, subject_id=booking.pk, user_id=booking.musician_id,
                              expires_at=booking.ends_at + timedelta(days=30))
    return reverse("bookings:event-ics", kwargs={"token": token})
