"""Reads about short-notice requests, scoped to the asking user: strangers get NotFound (404)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from bookings.gigrequests.models import Chair, Favourite, GigRequest, Invitation
from gigbook.core import clock
from gigbook.core.errors import NotFound
from gigbook.notifications.models import Delivery

IStatus = Invitation.Status

# What the producer's live page shows, in the order an invitation moves through it.
DISPLAY_STATES = ("queued", "sent", "delayed", "delivered", "seen", "accepted", "declined", "timed_out", "filled",
                  "cancelled", "withdrawn")


def display_state(invitation: Invitation, now: datetime) -> str:
    """sent/seen/... as stored, ``timed_out`` past the deadline, ``filled``/``cancelled`` for
    players who had the offer when it closed, ``delivered`` once a channel got it,
    ``delayed`` while no channel got it and one of them is overdue or failing.

    Needs ``delivered`` and ``delivery_delayed`` annotated (see ``_invitations``).
    """
    status = invitation.effective_status(now)
    if status == IStatus.WITHDRAWN and invitation.sent_at is not None:
        # Players who had the offer and were then told "filled" (or "cancelled") show as such;
        # "withdrawn" stays for those never asked.
        if invitation.reason == Invitation.Reason.FILLED:
            return "filled"
        if invitation.reason == Invitation.Reason.CANCELLED:
            return "cancelled"
    if status == IStatus.SENT and getattr(invitation, "delivered", False):
        return "delivered"
    if status == IStatus.SENT and getattr(invitation, "delivery_delayed", False):
        return "delayed"
    return status


def _delivered():
    return Exists(Delivery.objects.filter(notification_id=OuterRef("notification_id"), status=Delivery.Status.SENT))


def _delivery_delayed(now: datetime):
    """A channel of the offer is overdue: waiting (to be sent, or being sent) for longer than a
    healthy broadcast takes, or its last attempt failed (retrying later, or given up)."""
    overdue = now - timedelta(seconds=settings.NOTIFICATION_DELAYED_SECONDS)
    waiting = (Delivery.Status.PENDING, Delivery.Status.SENDING)
    return Exists(
        Delivery.objects.filter(notification_id=OuterRef("notification_id")).filter(
            # A text held back behind a push (its fallback) is not late: the push row speaks for it.
            Q(status__in=waiting, created_at__lt=overdue, push_fallback=False)
            | Q(status=Delivery.Status.PENDING, attempts__gt=0)
            | Q(status=Delivery.Status.FAILED)
        )
    )


def _invitations() -> QuerySet:
    return (
        Invitation.objects.select_related("musician__musician_profile", "instrument")
        .annotate(delivered=_delivered(), delivery_delayed=_delivery_delayed(clock.now()))
        .order_by("instrument_id", "position", "id")
    )


def gig_request_list_for_producer(*, user) -> QuerySet:
    """The producer's requests, newest first, with chair and invitation counts.

    One query per page: venue joined, counts as subqueries.
    """
    return (
        GigRequest.objects.filter(producer=user)
        .select_related("venue")
        .annotate(
            chair_count=_count(Chair.objects.all()),
            filled_count=_count(Chair.objects.filter(booking__isnull=False)),
            invited_count=_count(Invitation.objects.exclude(status=IStatus.QUEUED)),
        )
        .order_by("-created_at", "-id")
    )


def _count(qs: QuerySet):
    """A per-request count as a correlated subquery (no join fan-out between chairs and invitations)."""
    counted = qs.filter(request=OuterRef("pk")).order_by().values("request").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted), 0)


def gig_request_get_for_user(*, user, request_id: int) -> GigRequest:
    """One request with its chairs (and bookings) and every invitation, for its producer or staff.

    Queries: the request (venue, producer), chairs (instrument, filled_by), invitations
    (musician, profile, instrument, delivered and delayed flags) — three, however many invitations.
    """
    qs = GigRequest.objects.filter(pk=request_id)
    if not user.is_staff:
        qs = qs.filter(producer=user)
    request = (
        qs.select_related("venue", "producer", "widened_from")
        .prefetch_related(
            Prefetch("chairs", queryset=Chair.objects.select_related("instrument", "filled_by").order_by("id")),
            Prefetch("invitations", queryset=_invitations()),
        )
        .first()
    )
    if request is None:
        raise NotFound("No such request.")
    return request


def widened_into_id(request: GigRequest) -> int | None:
    return GigRequest.objects.filter(widened_from=request).values_list("id", flat=True).first()


def offer_list_for_musician(*, user, now: datetime, include_closed: bool = False) -> QuerySet:
    """The musician's invitations that were sent to them; by default only those still open now.

    One query per page (request, venue, producer, instrument joined).
    """
    qs = Invitation.objects.filter(musician=user).exclude(status=IStatus.QUEUED).exclude(sent_at__isnull=True)
    if not include_closed:
        qs = qs.filter(
            status__in=Invitation.OPEN_STATUSES, deadline__gt=now,
            request__status=GigRequest.Status.OPEN, request__answer_by__gt=now,
        )
    return qs.select_related("request__venue", "request__producer", "instrument").order_by("deadline", "id")


def offer_get_for_musician(*, user, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.filter(pk=invitation_id, musician=user)
        .exclude(sent_at__isnull=True)
        .select_related("request__venue", "request__producer", "instrument", "musician")
        .first()
    )
    if invitation is None:
        raise NotFound("No such offer.")
    return invitation


def invitation_for_link(*, invitation_id: int) -> Invitation | None:
    """The invitation a phone link names, with what the offer page shows (no user check: the token is it)."""
    return (
        Invitation.objects.filter(pk=invitation_id)
        .select_related("request__venue", "request__producer", "instrument", "musician", "chair__booking")
        .first()
    )


def favourite_list_for_producer(*, user, instrument_slug: str | None = None) -> QuerySet:
    """The producer's first-call lists, by instrument then position. One query per page."""
    qs = Favourite.objects.filter(producer=user)
    if instrument_slug:
        qs = qs.filter(instrument__slug=instrument_slug)
    return qs.select_related("instrument", "musician__musician_profile").order_by("instrument__name", "position", "id")


def first_call_pairs(user) -> set[tuple[int, str]]:
    """(musician user id, instrument slug) on the producer's first-call lists; one query."""
    return set(Favourite.objects.filter(producer=user).values_list("musician_id", "instrument__slug"))
