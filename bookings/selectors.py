"""Reads about bookings, scoped to the asking user: strangers get NotFound (404), never 403."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from bookings.models import Booking, BookingEvent, CalendarFeed, Hold, Material, Venue
from gigbook.core.errors import NotFound
from musicians.producer_context import Place

Status = Booking.Status

# Cancelled bookings stay in calendar feeds this long after their start, so subscribed calendars
# see STATUS:CANCELLED and drop the event; older history stays out of the feed.
FEED_PAST_DAYS = 90


def _visible_to(user) -> Q:
    if user.is_staff:
        return Q()
    return Q(producer=user) | Q(musician=user)


def booking_list_for_user(*, user, role: str | None = None, statuses: list[str] | None = None,
                          now: datetime) -> QuerySet:
    """The user's bookings (as producer, musician or both), optionally by effective status.

    select_related: producer, musician, instrument, venue (one query per page, whatever its size).
    ``statuses`` use the effective status: "expired" includes offers past their answer-by time
    that no sweep has touched yet, and "offered" excludes them.
    """
    if role == "producer":
        qs = Booking.objects.filter(producer=user)
    elif role == "musician":
        qs = Booking.objects.filter(musician=user)
    else:
        qs = Booking.objects.filter(Q(producer=user) | Q(musician=user))
    if statuses:
        condition = Q()
        for status in statuses:
            if status == Status.OFFERED:
                condition |= Q(status=Status.OFFERED, expires_at__gt=now)
            elif status == Status.EXPIRED:
                condition |= Q(status=Status.EXPIRED) | Q(status=Status.OFFERED, expires_at__lte=now)
            else:
                condition |= Q(status=status)
        qs = qs.filter(condition)
    return qs.select_related("producer", "musician", "instrument", "venue").order_by("starts_at", "id")


def booking_get_for_user(*, user, booking_id: int) -> Booking:
    """One booking with its history, materials and doubles, if ``user`` is a party or staff.

    Queries: the booking (with producer, musician, instrument, venue, status_changed_by,
    cancelled_by), events (with actor), materials, doubles.
    """
    booking = (
        Booking.objects.filter(_visible_to(user), pk=booking_id)
        .select_related("producer", "musician", "instrument", "venue", "status_changed_by", "cancelled_by",
                        "musician__musician_profile")
        .prefetch_related(
            Prefetch("events", queryset=BookingEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("materials", queryset=Material.objects.order_by("created_at", "id")),
            "doubles",
        )
        .first()
    )
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def booking_detail_complete(*, booking: Booking) -> Booking:
    """Load what the detail view needs on top of a booking a service just wrote (with its parties,
    instrument and venue loaded): history, materials, doubles. Three queries, no second read of the
    booking itself; ``status_changed_by`` and ``cancelled_by`` are the ones the service set."""
    prefetch_related_objects(
        [booking],
        Prefetch("events", queryset=BookingEvent.objects.select_related("actor").order_by("at", "id")),
        Prefetch("materials", queryset=Material.objects.order_by("created_at", "id")),
        "doubles",
    )
    return booking


def materials_for_user(*, user, booking_id: int) -> QuerySet:
    """A booking's materials if ``user`` is a party or staff (two queries: the visibility check, the list)."""
    if not Booking.objects.filter(_visible_to(user), pk=booking_id).exists():
        raise NotFound("No such booking.")
    return Material.objects.filter(booking_id=booking_id).order_by("created_at", "id")


def material_get_for_user(*, user, booking_id: int, material_id: int) -> Material:
    material = (
        Material.objects.filter(pk=material_id, booking_id=booking_id)
        .filter(Q(booking__producer=user) | Q(booking__musician=user) if not user.is_staff else Q())
        .first()
    )
    if material is None:
        raise NotFound("No such file.")
    return material


def gigs_for_musician(*, user, now: datetime) -> dict[str, list[Booking]]:
    """The musician's phone page: open offers first (soonest answer-by first), then upcoming gigs.

    Two queries plus one for the materials of the upcoming gigs.
    """
    base = Booking.objects.filter(musician=user).select_related("producer", "instrument", "venue")
    # A date of a multi-date engagement is answered on the engagement's page: the card links there.
    offers = list(
        base.filter(Q(status=Status.OFFERED, expires_at__gt=now) | Q(status=Status.COUNTERED))
        .select_related("engagement_date__engagement").order_by("expires_at", "id")
    )
    upcoming = list(
        base.filter(status=Status.ACCEPTED, ends_at__gt=now)
        .select_related("call_sheet_player")  # "re-confirm needed" after a critical call-sheet change
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("created_at", "id")))
        .order_by("starts_at", "id")
    )
    return {"offers": offers, "upcoming": upcoming}


def feed_bookings(*, user, now: datetime) -> QuerySet:
    """What the user's calendar feed lists: their accepted and completed bookings, and cancelled
    ones (that were accepted) from the last FEED_PAST_DAYS, as the musician or the producer."""
    since = now - timedelta(days=FEED_PAST_DAYS)
    return (
        Booking.objects.filter(Q(producer=user) | Q(musician=user))
        .filter(
            Q(status__in=[Status.ACCEPTED, Status.COMPLETED], ends_at__gte=since)
            | Q(status=Status.CANCELLED, accepted_at__isnull=False, starts_at__gte=since)
        )
        .select_related("producer", "musician", "instrument", "venue")
        .order_by("starts_at", "id")
    )


def feed_by_token(*, token: str) -> CalendarFeed:
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise NotFound("No such calendar.")
    return feed


def venues_for_owner(*, user) -> QuerySet:
    return Venue.objects.filter(owner=user).order_by("name", "id")


def venue_places_for_owner(user) -> list:
    """The owner's venues as search places (musicians.producer_context); one query."""
    return [Place(id=v.pk, name=v.name, city=v.city, time_zone=v.time_zone, latitude=v.latitude, longitude=v.longitude)
            for v in venues_for_owner(user=user).only("id", "name", "city", "time_zone", "latitude", "longitude")]


def venue_get_for_owner(*, user, venue_id: int) -> Venue:
    venue = Venue.objects.filter(owner=user, pk=venue_id).first()
    if venue is None:
        raise NotFound("No such venue.")
    return venue


# --- Holds ---------------------------------------------------------------------------------------


def hold_list_for_user(*, user, role: str | None = None, day=None, open_only: bool = False) -> QuerySet:
    """The holds the user placed or was asked for; newest start last. Strangers see nothing."""
    qs = Hold.objects.select_related("producer", "musician", "instrument", "venue")
    if role == "producer":
        qs = qs.filter(producer=user)
    elif role == "musician":
        qs = qs.filter(musician=user)
    else:
        qs = qs.filter(Q(producer=user) | Q(musician=user))
    if open_only:
        qs = qs.filter(status__in=Hold.ACTIVE_STATUSES)
    if day is not None:
        # A day in the hold's own zone: the wider UTC span first, then the exact local date in Python
        # would break pagination, so the span is one day either side and the local date is checked here.
        qs = qs.filter(starts_at__date__gte=day - timedelta(days=1), starts_at__date__lte=day + timedelta(days=1))
        ids = [h.pk for h in qs.select_related(None).only("id", "starts_at", "time_zone") if h.starts_at.astimezone(h.zone).date() == day]
        qs = Hold.objects.filter(pk__in=ids).select_related("producer", "musician", "instrument", "venue")
    return qs.order_by("starts_at", "rank", "id")


def hold_get_for_user(*, user, hold_id: int):
    """One hold for one of its two parties; NotFound for everyone else."""
    hold = Hold.objects.select_related("producer", "musician", "instrument", "venue").filter(pk=hold_id).first()
    if hold is None or not hold.is_party(user):
        raise NotFound("No such hold.")
    return hold


def holds_on_same_time(*, hold, viewer) -> list[dict]:
    """The open holds on the same time as ``hold`` (itself included), by rank. The musician sees who
    placed each; a producer sees only ranks and expiries of the others."""
    qs = Hold.objects.filter(musician_id=hold.musician_id, status__in=Hold.ACTIVE_STATUSES,
                             starts_at__lt=hold.ends_at, ends_at__gt=hold.starts_at).select_related("producer")
    musician_view = viewer.pk == hold.musician_id
    return [
        {"id": other.pk, "rank": other.rank, "rank_label": other.rank_label, "status": other.status,
         "producer": other.producer.full_name if musician_view or other.producer_id == viewer.pk else None,
         "expires_at": other.expires_at}
        for other in qs.order_by("rank", "id")
    ]


def feed_holds(*, user, now: datetime) -> QuerySet:
    """Holds a calendar feed shows as TENTATIVE: those kept (held) and not lapsed, upcoming or
    recent, where the user is the musician or the producer."""
    return (
        Hold.objects.filter(Q(musician=user) | Q(producer=user), status=Hold.Status.HELD, expires_at__gt=now,
                            ends_at__gt=now - timedelta(days=1))
        .select_related("producer", "musician", "instrument", "venue")
        .order_by("starts_at", "id")
    )
