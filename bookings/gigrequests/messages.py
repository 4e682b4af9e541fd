"""What each short-notice event tells whom (inbox, email, SMS), written through ``notify``.

Every call carries a dedupe key per invitation (or request) and event, so a sweep or task that
runs twice never sends a second copy. Confirmations of the booking itself (winner and producer,
with the .ics) come from ``bookings.services.booking_create_accepted``.

| event                        | who                                            | kind                     |
|------------------------------|------------------------------------------------|--------------------------|
| invitation sent              | the invitee (link to the phone page)           | gig_request_offer        |
| chair filled                 | every invitee who was sent an offer for that   | gig_request_filled       |
|                              | instrument and did not answer                  |                          |
| request cancelled            | every invitee sent an offer who did not answer | gig_request_cancelled    |
| nobody left to ask           | the producer (once per instrument)             | gig_request_exhausted    |
| answer-by passed unfilled    | the producer                                   | gig_request_expired      |
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from bookings.gigrequests.models import GigRequest, Invitation
from gigbook.core import clock
from gigbook.notifications.services import notify


def fmt(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b, %H:%M")


def fmt_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def when_text(request: GigRequest, reader=None) -> str:
    zone = request.zone
    start, end = request.starts_at.astimezone(zone), request.ends_at.astimezone(zone)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else fmt(request.ends_at, zone)
    text = f"{fmt(request.starts_at, zone)}–{end_text} ({request.time_zone})"
    if reader is not None and reader.time_zone != request.time_zone:
        text += f"; {fmt(request.starts_at, reader.zone)} your time"
    return text


def where_text(request: GigRequest) -> str:
    if request.venue_id is None:
        return "Remote recording"
    return f"{request.venue.name}, {request.venue.address}"


def fee_text(request: GigRequest, invitation: Invitation) -> str:
    unit = " per hour" if request.fee_basis == GigRequest.FeeBasis.HOURLY else " (flat fee)"
    return f"{invitation.offered_rate:.2f} {request.currency}{unit}"


def slot_quote(request: GigRequest, invitation: Invitation) -> dict:
    """What the slot pays in total at the offered rate (the same terms the booking gets on accept:
    the rate, the request's basis and the musician's minimum call), as ``fees.Quote.as_json``."""
    from decimal import Decimal

    from bookings import fees

    profile = getattr(invitation.musician, "musician_profile", None)
    terms = fees.FeeTerms(
        currency=request.currency, basis=request.fee_basis, rate=invitation.offered_rate,
        minimum_call_hours=(profile.minimum_call_hours if profile else None) or Decimal("0"),
    )
    return fees.quote(terms, starts_at=request.starts_at, ends_at=request.ends_at).as_json()


def chair_count(request: GigRequest, instrument_id: int) -> int:
    """Chairs for one instrument; counted once per request object (a batch sends many offers)."""
    counts = getattr(request, "_chair_counts", None)
    if counts is None:
        counts = Counter(request.chairs.values_list("instrument_id", flat=True))
        request._chair_counts = counts
    return counts.get(instrument_id, 0)


def chairs_text(count: int) -> str:
    return "1 chair" if count == 1 else f"{count} chairs"


def first_to_accept_text(chairs: int) -> str:
    if chairs <= 1:
        return "The first player to accept gets the chair."
    return f"The first {chairs} players to accept get the {chairs} chairs."


def deadline_text(deadline: datetime, zone: ZoneInfo) -> str:
    """"21:10" when that is today where the reader is, else with the day ("Wed 02 Jun, 09:00")."""
    same_day = deadline.astimezone(zone).date() == clock.now().astimezone(zone).date()
    return fmt_time(deadline, zone) if same_day else fmt(deadline, zone)


def notify_invitation(invitation: Invitation, request: GigRequest, *, link_path: str, sms_link_path: str = ""):
    """The offer (see invitation_item), written now."""
    return notify(**invitation_item(invitation, request, link_path=link_path, sms_link_path=sms_link_path))


def invitation_item(invitation: Invitation, request: GigRequest, *, link_path: str, sms_link_path: str = "") -> dict:
    """The offer, as ``notify``'s keyword arguments. The text message carries everything needed to decide (date, start–end, time
    zone, how many chairs, that the first to accept wins) and a short link (``sms_link_path``)."""
    musician = invitation.musician
    zone = musician.zone
    producer = request.producer.greeting_name
    instrument = invitation.instrument.name
    chairs = chair_count(request, invitation.instrument_id)
    brief = "\n".join(part for part in (
        f"Style: {request.brief_style}" if request.brief_style else "",
        f"Approach: {request.get_brief_approach_display()}",
        f"Notes: {request.brief_notes}" if request.brief_notes else "",
    ) if part)
    return dict(
        recipient=musician,
        kind="gig_request_offer",
        title=f"Short notice: {instrument} for {producer}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"{producer} needs {instrument} ({chairs_text(chairs)}) at short notice.\n\n"
            f"{request.get_kind_display()}{': ' + request.title if request.title else ''}\n"
            f"When: {when_text(request, musician)}\nWhere: {where_text(request)}\n"
            f"Fee: {fee_text(request, invitation)}\n{brief}\n\n"
            f"Answer by {fmt(invitation.deadline, zone)} ({musician.time_zone}). "
            f"{first_to_accept_text(chairs)} Open the link to accept or decline."
        ),
        url=link_path,
        sms_text=(
            f"GigBook: {producer} needs {instrument} ({chairs_text(chairs)}), first to accept wins. "
            f"{when_text(request, musician)}. "
            f"{'Remote recording' if request.venue_id is None else request.venue.name}, {fee_text(request, invitation)}. "
            f"Answer by {deadline_text(invitation.deadline, zone)} ({musician.time_zone}): "
            f"{settings.SITE_URL}{sms_link_path or link_path}"
        ),
        dedupe_key=f"gigreq-invitation:{invitation.pk}:offer",
        sms_fallback_after=timedelta(minutes=request.push_fallback_minutes),
    )


def filled_text(instrument: str, chairs: int) -> str:
    """Subject of the "filled" sentence: one chair, both chairs, all N chairs."""
    if chairs <= 1:
        return f"The {instrument} chair"
    if chairs == 2:
        return f"Both {instrument} chairs"
    return f"All {chairs} {instrument} chairs"


def notify_filled(invitation: Invitation, request: GigRequest) -> None:
    instrument = invitation.instrument.name
    chairs = chair_count(request, invitation.instrument_id)
    subject = filled_text(instrument, chairs)
    verb = "has" if chairs <= 1 else "have"
    notify(
        recipient=invitation.musician,
        kind="gig_request_filled",
        title=f"Filled – thank you: {instrument}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"{subject} for {request.producer.greeting_name} on {when_text(request, invitation.musician)} "
            f"{verb} been filled. Thank you for your time – nothing more to do."
        ),
        sms_text=(
            f"GigBook: {subject[0].lower()}{subject[1:]} for {fmt(request.starts_at, request.zone)} "
            f"({request.time_zone}) {verb} been filled. Thank you!"
        ),
        dedupe_key=f"gigreq-invitation:{invitation.pk}:filled",
    )


def notify_cancelled(invitation: Invitation, request: GigRequest) -> None:
    notify(
        recipient=invitation.musician,
        kind="gig_request_cancelled",
        title=f"Cancelled: {invitation.instrument.name}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"{request.producer.greeting_name} cancelled the short-notice request for "
            f"{when_text(request, invitation.musician)}. Nothing more to do."
        ),
        sms_text=(
            f"GigBook: {request.producer.greeting_name} cancelled the {invitation.instrument.name} request for "
            f"{fmt(request.starts_at, request.zone)}."
        ),
        dedupe_key=f"gigreq-invitation:{invitation.pk}:cancelled",
    )


def notify_exhausted(request: GigRequest, instrument) -> None:
    producer = request.producer
    notify(
        recipient=producer,
        kind="gig_request_exhausted",
        title=f"Nobody left to ask for {instrument.name}: {request.summary}",
        body=(
            f"Everyone on your list for {instrument.name} on {when_text(request, producer)} has declined or "
            "not answered in time. Open the request to widen the search (a higher fee ceiling, a later "
            "answer-by time, or a broadcast)."
        ),
        url=f"/gig-requests/{request.pk}/",
        sms_text=f"GigBook: nobody left to ask for {instrument.name}, {fmt(request.starts_at, request.zone)}.",
        dedupe_key=f"gigreq:{request.pk}:exhausted:{instrument.pk}",
    )


def notify_expired(request: GigRequest, *, unfilled: int) -> None:
    producer = request.producer
    notify(
        recipient=producer,
        kind="gig_request_expired",
        title=f"Not filled in time: {request.summary}",
        body=(
            f"Your answer-by time ({fmt(request.answer_by, producer.zone)}) has passed with {unfilled} "
            f"chair{'s' if unfilled != 1 else ''} unfilled for {when_text(request, producer)}. "
            "Open the request to widen the search: raise the fee ceiling, give more time, or broadcast."
        ),
        url=f"/gig-requests/{request.pk}/",
        sms_text=f"GigBook: your short-notice request for {fmt(request.starts_at, request.zone)} was not filled in time.",
        dedupe_key=f"gigreq:{request.pk}:expired",
    )
