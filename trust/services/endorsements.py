"""Musicians vouching for musicians they have played with, for one instrument or genre."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gigbook.notifications.services import notify
from musicians.models import Genre, Instrument, MusicianProfile
from trust.models import Endorsement

NOTE_MAX = 280


def _skill(profile: MusicianProfile, instrument: str | None, genre: str | None) -> tuple[Instrument | None, Genre | None]:
    """The instrument or genre (by slug), which must be one the profile lists."""
    if bool(instrument) == bool(genre):
        raise ValidationFailed(fields={"non_field_errors": ["Vouch for one instrument or one genre at a time."]})
    if instrument:
        row = profile.instruments.select_related("instrument").filter(instrument__slug=str(instrument)).first()
        if row is None:
            raise ValidationFailed(fields={"instrument": ["Choose one of the instruments on their profile."]})
        return row.instrument, None
    row = profile.genres.select_related("genre").filter(genre__slug=str(genre)).first()
    if row is None:
        raise ValidationFailed(fields={"genre": ["Choose one of the genres on their profile."]})
    return None, row.genre


@transaction.atomic
def endorsement_create(
    *, endorser, profile_id: int, instrument: str | None = None, genre: str | None = None, note: str = ""
) -> Endorsement:
    """``endorser`` vouches for the musician of ``profile_id`` on one instrument or genre.

    Only a musician with a live profile, only for someone they have played with (completed
    bookings for the same producer at overlapping times), never for themselves.
    Raises NotFound (profile not public), Forbidden (``not_a_musician``, ``own_profile``,
    ``not_played_together``), ValidationFailed, Conflict (``already_endorsed``).
    The endorsed musician is told.
    """
    from musicians.selectors import profile_get_public
    from trust.selectors import played_together

    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(fields={"note": [f"Keep the note under {NOTE_MAX} characters."]})
    profile = profile_get_public(profile_id=profile_id, viewer=None)
    own = MusicianProfile.objects.filter(user_id=endorser.pk, status=MusicianProfile.Status.APPROVED).first()
    if not endorser.is_musician or own is None:
        raise Forbidden("Only musicians with a live profile can vouch for others.", code="not_a_musician")
    if profile.user_id == endorser.pk:
        raise Forbidden("You cannot vouch for yourself.", code="own_profile")
    if not played_together(user_id=endorser.pk, other_user_id=profile.user_id):
        raise Forbidden("You can vouch for musicians you have played with on a GigBook booking.",
                        code="not_played_together")
    instrument_obj, genre_obj = _skill(profile, instrument, genre)
    duplicate = Endorsement.objects.filter(endorser=endorser, profile=profile, instrument=instrument_obj, genre=genre_obj)
    if duplicate.exists():
        raise Conflict("You have already vouched for this.", code="already_endorsed")
    endorsement = Endorsement(endorser=endorser, profile=profile, instrument=instrument_obj, genre=genre_obj,
                              note=note, created_at=clock.now())
    try:
        with transaction.atomic():
            endorsement.save()
    except IntegrityError as exc:
        raise Conflict("You have already vouched for this.", code="already_endorsed") from exc
    notify(
        recipient=profile.user,
        kind="trust_endorsed",
        title=f"{own.display_name} vouched for your {endorsement.skill_name}",
        body=f"{own.display_name} vouched for your {endorsement.skill_name} on GigBook. It is shown on your profile."
             + (f"\n\n“{note}”" if note else ""),
        url=profile.get_absolute_url(),
        sms_text="",
        dedupe_key=f"trust:endorsement:{endorsement.pk}",
    )
    return endorsement


@transaction.atomic
def endorsement_withdraw(*, endorser, endorsement_id: int) -> None:
    """The endorser takes back their endorsement. NotFound for anyone else's."""
    deleted, _ = Endorsement.objects.filter(pk=endorsement_id, endorser_id=endorser.pk).delete()
    if not deleted:
        raise NotFound("No such endorsement.")
