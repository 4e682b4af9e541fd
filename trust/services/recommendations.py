"""Word of mouth on decline: the musician suggests a colleague; the producer sends them the
same offer with one tap (a new offer through the bookings services)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from bookings import services as booking_services
from bookings.messages import when_text
from bookings.models import Booking
from bookings.phone import OFFER_PURPOSE
from gigbook.core import clock
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.core.tokens import ActionToken
from gigbook.notifications.services import notify
from musicians.models import MusicianProfile
from trust.models import Recommendation

NOTE_MAX = 500
# Terms that belong to the gig (what the producer offered and will pay), copied to the new offer.
# The player-specific figures (overtime rate, doubling and cartage fees) come from the recommended
# musician's own published rates, as for any new offer.
GIG_TERMS = ("fee_basis", "rate", "overtime_half_hours", "travel_fee", "per_diem", "per_diem_days")


def _declined_booking(booking_id: int, actor, token: ActionToken | None) -> Booking:
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("No such booking.")
    if token is not None:
        # The phone link the offer came with (already spent by the decline) still proves who
        # this is and for which booking until the offer's answer-by time.
        if token.purpose != OFFER_PURPOSE or token.subject_id != booking.pk or token.user_id != booking.musician_id:
            raise Forbidden("This link is not for this offer.", code="token_mismatch")
        actor = booking.musician
    elif actor is None or not booking.is_party(actor):
        raise NotFound("No such booking.")
    if actor.pk != booking.musician_id:
        raise Forbidden("Only the musician who declined can recommend a colleague.", code="wrong_party")
    if booking.status != Booking.Status.DECLINED:
        raise InvalidTransition("You can recommend a colleague after declining the offer.", code="not_declined")
    return booking


@transaction.atomic
def recommendation_create(
    *, booking_id: int, recommended_profile_id: int, note: str = "", actor=None, token: ActionToken | None = None
) -> Recommendation:
    """The musician who declined ``booking_id`` suggests a colleague; the producer is told, with a
    one-tap link to send them the same offer.

    Authorised by the signed-in musician (``actor``) or the offer's phone-link ``token``.
    One per declined booking. Raises NotFound, Forbidden, InvalidTransition (``not_declined``,
    ``gig_started``), ValidationFailed (``recommended``: not an approved player of the
    instrument, or oneself), Conflict (``already_recommended``).
    """
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(fields={"note": [f"Keep the note under {NOTE_MAX} characters."]})
    booking = _declined_booking(booking_id, actor, token)
    now = clock.now()
    if now >= booking.starts_at:
        raise InvalidTransition("This gig has already started.", code="gig_started")
    colleague = (
        MusicianProfile.objects.select_related("user")
        .filter(pk=recommended_profile_id, status=MusicianProfile.Status.APPROVED, user__is_active=True).first()
    )
    if colleague is None:
        raise ValidationFailed(fields={"recommended": ["Choose a musician with a live GigBook profile."]})
    if colleague.user_id in (booking.musician_id, booking.producer_id):
        raise ValidationFailed(fields={"recommended": ["Recommend someone else."]})
    if not colleague.instruments.filter(instrument_id=booking.instrument_id).exists():
        raise ValidationFailed(
            fields={"recommended": [f"{colleague.display_name} does not list {booking.instrument.name}."]}
        )
    if Recommendation.objects.filter(booking=booking).exists():
        raise Conflict("You have already recommended someone for this offer.", code="already_recommended")
    rec = Recommendation(booking=booking, recommender=booking.musician, recommended=colleague, note=note,
                         created_at=now)
    try:
        with transaction.atomic():
            rec.save()
    except IntegrityError as exc:
        raise Conflict("You have already recommended someone for this offer.", code="already_recommended") from exc
    producer = booking.producer
    said = f"\n\nTheir note: “{note}”" if note else ""
    notify(
        recipient=producer,
        kind="trust_recommendation",
        title=f"{booking.musician.greeting_name} recommends {colleague.display_name}",
        body=f"{booking.musician.greeting_name} declined your offer for {booking.summary} "
             f"({when_text(booking, producer)}) and suggests {colleague.display_name} "
             f"({booking.instrument.name}) instead.{said}\n\nOpen the link to send them the same offer in one tap.",
        url=f"/recommendations/{rec.pk}/",
        sms_text=f"GigBook: {booking.musician.greeting_name} can't make it and recommends {colleague.display_name}. "
                 "Send them the offer:",
        dedupe_key=f"trust:recommendation:{rec.pk}",
    )
    return rec


@transaction.atomic
def recommendation_send_offer(
    *, recommendation_id: int, actor, expires_at: datetime | None = None
) -> Booking:
    """The producer sends the recommended musician the declined offer: same gig, times, venue,
    brief, fee basis and rate (see GIG_TERMS), the doubles they play; a new offer through
    ``bookings.services.booking_offer`` (which checks availability and notifies them).

    Idempotent: a second tap returns the same new booking (the recommendation row is locked and
    the offer carries an idempotency key). Raises NotFound (not the producer), InvalidTransition
    (dismissed), and whatever booking_offer raises (409 if the player is busy, 400 fields).
    """
    rec = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("booking__producer", "booking__instrument", "booking__venue", "recommended__user",
                        "recommender")
        .filter(pk=recommendation_id, booking__producer_id=getattr(actor, "pk", None)).first()
    )
    if rec is None:
        raise NotFound("No such recommendation.")
    if rec.status == Recommendation.Status.OFFERED:
        return rec.new_booking
    if rec.status == Recommendation.Status.DISMISSED:
        raise InvalidTransition("You dismissed this recommendation.", code="dismissed")
    original = rec.booking
    plays = set(rec.recommended.instruments.values_list("instrument__slug", flat=True))
    doubles = [d for d in original.doubles.all() if d.slug in plays]
    terms = {name: getattr(original, name) for name in GIG_TERMS}
    booking = booking_services.booking_offer(
        producer=actor,
        musician_profile_id=rec.recommended_id,
        instrument=original.instrument,
        kind=original.kind,
        starts_at=original.starts_at,
        ends_at=original.ends_at,
        venue=original.venue,
        time_zone=original.time_zone,
        doubles=doubles,
        title=original.title,
        brief_style=original.brief_style,
        brief_references=original.brief_references,
        brief_approach=original.brief_approach,
        brief_notes=original.brief_notes,
        expires_at=expires_at,
        idempotency_key=f"trust-recommendation-{rec.pk}",
        fingerprint=f"trust-recommendation-{rec.pk}",
        **terms,
    )
    rec.status, rec.new_booking, rec.acted_at = Recommendation.Status.OFFERED, booking, clock.now()
    rec.save(update_fields=["status", "new_booking", "acted_at"])
    notify(
        recipient=rec.recommender,
        kind="trust_recommendation_used",
        title=f"{original.producer.greeting_name} took your recommendation",
        body=f"{original.producer.greeting_name} sent {rec.recommended.display_name} the offer you passed on. Thanks for "
             "the tip!",
        url="",
        sms_text="",
        dedupe_key=f"trust:recommendation:{rec.pk}:used",
    )
    return booking


@transaction.atomic
def recommendation_dismiss(*, recommendation_id: int, actor) -> Recommendation:
    """The producer says no thanks. An offer already sent stays (it is a booking of its own)."""
    rec = (
        Recommendation.objects.select_for_update()
        .filter(pk=recommendation_id, booking__producer_id=getattr(actor, "pk", None)).first()
    )
    if rec is None:
        raise NotFound("No such recommendation.")
    if rec.status == Recommendation.Status.OPEN:
        rec.status, rec.acted_at = Recommendation.Status.DISMISSED, clock.now()
        rec.save(update_fields=["status", "acted_at"])
    return rec
