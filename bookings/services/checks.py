"""Every problem of an offer, hold or quote in one answer, for the forms (nothing is saved)."""

from __future__ import annotations

from typing import Any

from bookings.models import Booking
from bookings.services.offers import _build
from bookings.services.terms import FEE_TERM_FIELDS
from gigbook.core import clock
from gigbook.core.errors import DomainError, ValidationFailed
from musicians.models import MusicianProfile


def booking_problems(*, producer, values: dict[str, Any]) -> dict[str, list[str]]:
    """The rule problems of the well-formed part of an offer, hold or quote (the other fields failed
    their shape checks), so that one answer lists everything. Saves nothing."""
    profile = MusicianProfile.objects.select_related("user").filter(pk=values.get("musician")).first()
    if profile is None:
        return {"musician": ["No such musician."]} if "musician" in values else {}
    try:
        _build(
            producer=producer, musician_profile=profile, instrument=values.get("instrument", ""),
            kind=values.get("kind", ""), starts_at=values.get("starts_at"), ends_at=values.get("ends_at"),
            venue=values.get("venue"), time_zone=values.get("time_zone"), doubles=list(values.get("doubles") or []),
            title=values.get("title", ""), brief_style=values.get("brief_style", ""),
            brief_references=values.get("brief_references", ""),
            brief_approach=values.get("brief_approach", Booking.Approach.CHART),
            brief_notes=values.get("brief_notes", ""),
            fee_given={k: values[k] for k in FEE_TERM_FIELDS if values.get(k) is not None}, now=clock.now(),
            confirm_long=bool(values.get("confirm_long")),
        )
    except ValidationFailed as exc:
        return exc.fields
    except DomainError:
        return {}
    return {}
