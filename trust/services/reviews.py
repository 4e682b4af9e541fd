"""Reviews after a completed gig: each side reviews the other once within 30 days; blind until
both have or the window closes; one reply; moderators can hide them. Ratings of musicians are
kept on their profile (``rating_avg``/``rating_count``, used by search and call lists) from
visible reviews only.

Lock order: the musician's profile row first, then the booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from gigbook.notifications.services import notify
from musicians.models import MusicianProfile
from trust.models import AuditEntry, Review
from trust.reasons import REVIEW_ASPECTS
from trust.services.audit import audit_record

REVIEW_WINDOW = timedelta(days=30)
TEXT_MAX = 1000
Direction = Review.Direction


def visible_q(now: datetime, prefix: str = "") -> Q:
    """Reviews anyone may read: not hidden, and published (both sides in, or the window closed)."""
    p = prefix
    return Q(**{f"{p}hidden_at__isnull": True}) & (
        Q(**{f"{p}published_at__lte": now}) | Q(**{f"{p}window_closes_at__lte": now})
    )


def _rating(value: Any, field: str) -> int:
    """A whole number of stars, 1-5. Accepts 4 or "4"; refuses True, 4.5, "4.5", "four"."""
    message = {field: ["Give a whole number of stars from 1 to 5."]}
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationFailed(fields=message)
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise ValidationFailed(fields=message)
    return int(text)


def _aspects(direction: str, aspects: dict | None) -> dict[str, int]:
    if not aspects:
        return {}
    if not isinstance(aspects, dict):
        raise ValidationFailed(fields={"aspects": ["Send the aspect scores as an object."]})
    allowed = REVIEW_ASPECTS[direction]
    unknown = sorted(set(aspects) - set(allowed))
    if unknown:
        raise ValidationFailed(fields={"aspects": [f"Unknown aspect: {', '.join(map(str, unknown))}. "
                                                    f"Use {', '.join(allowed)}."]})
    scores = {}
    for key, value in aspects.items():
        if value in (None, ""):
            continue
        scores[key] = _rating(value, "aspects")
    return scores


def _text(value: str | None, field: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(fields={field: ["Write a few words."]})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(fields={field: [f"Keep it under {TEXT_MAX} characters."]})
    return text


def _as_two_places(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_refresh(*, user_id: int, now: datetime | None = None) -> None:
    """Recompute a musician's rating from their visible reviews. Caller holds the profile lock."""
    now = now or clock.now()
    figures = Review.objects.filter(visible_q(now), subject_id=user_id, direction=Direction.OF_MUSICIAN).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    MusicianProfile.objects.filter(user_id=user_id).update(
        rating_avg=_as_two_places(figures["avg"]) if figures["n"] else None, rating_count=figures["n"]
    )


def _lock_for(booking_id: int) -> tuple[MusicianProfile | None, Booking]:
    musician_id = Booking.objects.filter(pk=booking_id).values_list("musician_id", flat=True).first()
    profile = MusicianProfile.objects.select_for_update().filter(user_id=musician_id).first()
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("producer", "musician", "instrument", "venue")
        .get(pk=booking_id)
    )
    return profile, booking


def _when(booking: Booking) -> str:
    return booking.local_starts_at.strftime("%d %b %Y")


def _publish(booking: Booking, now: datetime, at: datetime) -> list[Review]:
    """Stamp the booking's unpublished reviews as published at ``at``, refresh ratings, tell subjects."""
    reviews = list(Review.objects.filter(booking=booking, published_at__isnull=True).select_related("author", "subject"))
    if not reviews:
        return []
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(published_at=at)
    rating_refresh(user_id=booking.musician_id, now=now)
    for review in reviews:
        notify(
            recipient=review.subject,
            kind="trust_review_published",
            title=f"{review.author.greeting_name}'s review of your gig is now visible",
            body=f"{review.author.greeting_name} gave you {review.rating}/5 for the gig on {_when(booking)}."
                 + (f"\n\n“{review.text}”" if review.text else "")
                 + "\n\nYou can reply once; your reply is shown under the review.",
            url="/reviews/",
            sms_text="",
            dedupe_key=f"trust:review:{review.pk}:published",
        )
    return reviews


@transaction.atomic
def review_create(
    *, author, booking_id: int, rating: Any, text: str = "", aspects: dict | None = None
) -> Review:
    """``author`` reviews the other party of a completed booking, once, within 30 days of completion.

    Raises NotFound (not a party: a stranger cannot even learn the booking exists), ValidationFailed
    (rating 1-5, aspects, text), InvalidTransition (not completed: ``not_completed``; after the
    window: ``review_window_closed``), Conflict (``already_reviewed``; the unique constraint backs
    this up under concurrency). When the other side has already reviewed, both are published at
    once and the ratings refreshed; otherwise the subject is told a review is waiting (not what it says).
    """
    booking = (
        Booking.objects.filter(Q(producer=author) | Q(musician=author), pk=booking_id)
        .only("id", "producer_id", "musician_id", "status", "completed_at").first()
        if getattr(author, "is_authenticated", False) else None
    )
    if booking is None:
        raise NotFound("No such booking.")
    direction = Direction.OF_MUSICIAN if author.pk == booking.producer_id else Direction.OF_PRODUCER
    rating = _rating(rating, "rating")
    scores = _aspects(direction, aspects)
    text = _text(text, "text")
    _profile, booking = _lock_for(booking_id)
    if booking.status != Booking.Status.COMPLETED or booking.completed_at is None:
        raise InvalidTransition("You can review a gig once it is completed.", code="not_completed")
    now = clock.now()
    closes = booking.completed_at + REVIEW_WINDOW
    if now >= closes:
        raise InvalidTransition("The 30 days for reviewing this gig are over.", code="review_window_closed")
    if Review.objects.filter(booking=booking, author=author).exists():
        raise Conflict("You have already reviewed this gig.", code="already_reviewed")
    subject = booking.musician if direction == Direction.OF_MUSICIAN else booking.producer
    review = Review(booking=booking, author=author, subject=subject, direction=direction, rating=rating,
                    aspects=scores, text=text, created_at=now, window_closes_at=closes)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        raise Conflict("You have already reviewed this gig.", code="already_reviewed") from exc
    if Review.objects.filter(booking=booking).exclude(author=author).exists():
        _publish(booking, now, now)
        review.refresh_from_db()
    else:
        notify(
            recipient=subject,
            kind="trust_review_waiting",
            title=f"{author.greeting_name} reviewed your gig on {_when(booking)}",
            body=f"{author.greeting_name} has written a review of the gig on {_when(booking)}. Reviews stay hidden "
                 f"until you have reviewed them too, or until {closes.astimezone(subject.zone):%d %b %Y}, so "
                 "neither side writes with the other's review in mind.",
            url="/reviews/",
            sms_text=f"GigBook: {author.greeting_name} reviewed your gig. Leave yours:",
            dedupe_key=f"trust:review:{review.pk}:waiting",
        )
    return review


@transaction.atomic
def review_reply(*, author, review_id: int, text: str) -> Review:
    """The reviewed person answers a visible review, once.

    Raises NotFound (not the subject, or the review is still blind or hidden), ValidationFailed,
    Conflict (``already_replied``: a conditional update, so two taps cannot both write).
    """
    text = _text(text, "text", required=True)
    now = clock.now()
    review = Review.objects.select_related("author", "subject").filter(pk=review_id, subject_id=author.pk).first()
    if review is None or not review.is_visible(now):
        raise NotFound("No such review.")
    updated = Review.objects.filter(pk=review.pk, replied_at__isnull=True).update(reply_text=text, replied_at=now)
    if updated == 0:
        raise Conflict("You have already replied to this review.", code="already_replied")
    review.reply_text, review.replied_at = text, now
    notify(
        recipient=review.author,
        kind="trust_review_reply",
        title=f"{author.greeting_name} replied to your review",
        body=f"“{text}”",
        url="/reviews/",
        sms_text="",
        dedupe_key=f"trust:review:{review.pk}:reply",
    )
    return review


@transaction.atomic
def review_hide(*, review_id: int, by, reason: str, source: str = AuditEntry.Source.API) -> Review:
    """A moderator hides a review (it leaves the profile and the rating); the author is told why."""
    reason = _text(reason, "reason", required=True)
    review = Review.objects.filter(pk=review_id).only("booking_id").first()
    if review is None:
        raise NotFound("No such review.")
    _lock_for(review.booking_id)
    review = Review.objects.select_related("author").get(pk=review_id)
    if review.hidden_at is not None:
        return review
    now = clock.now()
    Review.objects.filter(pk=review.pk).update(hidden_at=now, hidden_by=by, hidden_reason=reason)
    review.refresh_from_db()
    rating_refresh(user_id=review.booking.musician_id, now=now)
    audit_record(actor=by, action="review.hide", target=review, source=source, before={"hidden": False},
                 after={"hidden": True}, reason=reason)
    notify(
        recipient=review.author,
        kind="trust_review_hidden",
        title="A moderator hid one of your reviews",
        body=f"Your review of the gig on {_when(review.booking)} is no longer shown. Reason: {reason}",
        url="/reviews/",
        sms_text="",
        dedupe_key=f"trust:review:{review.pk}:hidden:{now.isoformat()}",
    )
    return review


@transaction.atomic
def review_restore(*, review_id: int, by, source: str = AuditEntry.Source.API) -> Review:
    """Undo a hide (e.g. on appeal); the rating counts it again."""
    review = Review.objects.filter(pk=review_id).only("booking_id").first()
    if review is None:
        raise NotFound("No such review.")
    _lock_for(review.booking_id)
    review = Review.objects.get(pk=review_id)
    if review.hidden_at is None:
        return review
    Review.objects.filter(pk=review.pk).update(hidden_at=None, hidden_by=None, hidden_reason="")
    review.refresh_from_db()
    rating_refresh(user_id=review.booking.musician_id)
    audit_record(actor=by, action="review.restore", target=review, source=source, before={"hidden": True},
                 after={"hidden": False})
    return review


def reviews_publish_due(*, limit: int = 500) -> int:
    """Publish reviews whose window has closed (beat). Each booking in its own short transaction;
    harmless to run twice. Returns how many reviews were published."""
    now = clock.now()
    booking_ids = list(
        Review.objects.filter(published_at__isnull=True, window_closes_at__lte=now)
        .order_by("booking_id").values_list("booking_id", flat=True).distinct()[:limit]
    )
    published = 0
    for booking_id in booking_ids:
        with transaction.atomic():
            _profile, booking = _lock_for(booking_id)
            closes = Review.objects.filter(booking=booking).values_list("window_closes_at", flat=True).first()
            if closes is not None and closes <= now:
                published += len(_publish(booking, now, closes))
    return published


def review_invitations_send(*, since: timedelta = timedelta(days=2), limit: int = 500) -> int:
    """Ask both sides of recently completed bookings for a review, once each (beat).

    The notification's dedupe key is the marker: bookings whose invitations exist are skipped in
    the same query, so the sweep stays cheap however often it runs.
    """
    now = clock.now()
    sent = 0
    for role in ("producer", "musician"):
        key = Concat(Value("trust:review-invite:"), Cast(OuterRef("pk"), CharField()), Value(f":{role}"))
        invited = Notification.objects.filter(recipient_id=OuterRef(f"{role}_id"), dedupe_key=key)
        reviewed = Review.objects.filter(booking_id=OuterRef("pk"), author_id=OuterRef(f"{role}_id"))
        due = (
            Booking.objects.filter(status=Booking.Status.COMPLETED, completed_at__gte=now - since,
                                   completed_at__lte=now)
            .annotate(invited=Exists(invited), reviewed=Exists(reviewed)).filter(invited=False, reviewed=False)
            .select_related("producer", "musician", "instrument", "venue")
            .order_by("pk")[:limit]
        )
        for booking in due:
            recipient = booking.producer if role == "producer" else booking.musician
            other = booking.musician if role == "producer" else booking.producer
            closes = booking.completed_at + REVIEW_WINDOW
            notify(
                recipient=recipient,
                kind="trust_review_invite",
                title=f"How was the gig with {other.greeting_name}?",
                body=f"Review {other.greeting_name} for the gig on {_when(booking)} ({booking.summary}). "
                     f"You have until {closes.astimezone(recipient.zone):%d %b %Y}; reviews stay hidden until "
                     "you have both written one.",
                url="/reviews/",
                sms_text=f"GigBook: how was the gig with {other.greeting_name}? Leave a review:",
                dedupe_key=f"trust:review-invite:{booking.pk}:{role}",
            )
            sent += 1
    return sent


def review_can_write(*, user, booking: Booking, now: datetime) -> bool:
    """Whether ``user`` may still review ``booking`` (for pages; the service re-checks)."""
    if user.pk not in (booking.producer_id, booking.musician_id):
        return False
    if booking.status != Booking.Status.COMPLETED or booking.completed_at is None:
        return False
    return now < booking.completed_at + REVIEW_WINDOW
