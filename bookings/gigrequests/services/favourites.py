"""A producer's first-call lists (favourites per instrument, ordered)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from bookings.gigrequests.models import Favourite
from bookings.gigrequests.services.common import _clean_text, _field_error
from gigbook.core import clock
from gigbook.core.errors import Forbidden, NotFound, ValidationFailed
from musicians.models import Instrument, MusicianProfile

# --- Favourites -----------------------------------------------------------------------------------


def favourite_add(*, producer, musician_profile_id: int, instrument: str, note: str = "") -> Favourite:
    """Put a player on the producer's first-call list for an instrument (at the end). Idempotent."""
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers keep first-call lists.", code="not_producer")
    errors: dict[str, list[str]] = {}
    note = _clean_text(note, "note", 200, errors)
    instrument_obj = Instrument.objects.filter(slug=str(instrument)).first()
    if instrument_obj is None:
        errors["instrument"] = ["Unknown instrument."]
    profile = (
        MusicianProfile.objects.select_related("user")
        .filter(pk=musician_profile_id, status=MusicianProfile.Status.APPROVED, user__is_active=True)
        .first()
    )
    if profile is None:
        errors["musician_profile"] = ["No such musician."]
    elif profile.user_id == producer.pk:
        errors["musician_profile"] = ["You cannot add yourself."]
    elif instrument_obj is not None and not profile.instruments.filter(instrument=instrument_obj).exists():
        errors["instrument"] = [f"{profile.display_name} does not list {instrument_obj.name}."]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        existing = Favourite.objects.filter(producer=producer, instrument=instrument_obj, musician=profile.user).first()
        if existing is not None:
            return existing
        last = Favourite.objects.filter(producer=producer, instrument=instrument_obj).aggregate(m=Max("position"))["m"]
        return Favourite.objects.create(
            producer=producer, instrument=instrument_obj, musician=profile.user,
            position=(last or 0) + 1, note=note, created_at=clock.now(),
        )


def favourite_remove(*, producer, favourite_id: int) -> None:
    deleted, _ = Favourite.objects.filter(pk=favourite_id, producer=producer).delete()
    if not deleted:
        raise NotFound("No such favourite.")


def favourite_move(*, producer, favourite_id: int, position: int) -> Favourite:
    """Move a favourite to ``position`` (1 = first call) within its instrument's list."""
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise _field_error("position", "A position from 1.")
    with transaction.atomic():
        favourite = Favourite.objects.select_for_update().filter(pk=favourite_id, producer=producer).first()
        if favourite is None:
            raise NotFound("No such favourite.")
        siblings = list(
            Favourite.objects.select_for_update()
            .filter(producer=producer, instrument_id=favourite.instrument_id)
            .exclude(pk=favourite.pk).order_by("position", "id")
        )
        siblings.insert(min(position, len(siblings) + 1) - 1, favourite)
        for index, item in enumerate(siblings, start=1):
            if item.position != index:
                item.position = index
                item.save(update_fields=["position"])
    favourite.refresh_from_db()
    return favourite
