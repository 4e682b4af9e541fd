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

from datetime import datetime
from zoneinfo import ZoneInfo

from bookings.gigrequests.models import GigRequest, Invitation
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


def notify_invitation(invitation: Invitation, request: GigRequest, *, link_path: str):
    musician = invitation.musician
    zone = musician.zone
    producer = request.producer.full_name
    instrument = invitation.instrument.name
    deadline = fmt_time(invitation.deadline, zone)
    brief = "\n".join(part for part in (
        f"Style: {request.brief_style}" if request.brief_style else "",
        f"Approach: {request.get_brief_approach_display()}",
        f"Notes: {request.brief_notes}" if request.brief_notes else "",
    ) if part)
    return notify(
        recipient=musician,
        kind="gig_request_offer",
        title=f"Short notice: {instrument} for {producer}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"{producer} needs {instrument} at short notice.\n\n"
            f"{request.get_kind_display()}{': ' + request.title if request.title else ''}\n"
            f"When: {when_text(request, musician)}\nWhere: {where_text(request)}\n"
            f"Fee: {fee_text(request, invitation)}\n{brief}\n\n"
            f"Answer by {fmt(invitation.deadline, zone)} ({musician.time_zone}). "
            "The first player to accept gets the chair. Open the link to accept or decline."
        ),
        url=link_path,
        sms_text=(
            f"GigBook: {producer} needs {instrument} {fmt(request.starts_at, request.zone)}, "
            f"{'remote' if request.venue_id is None else request.venue.name}, {fee_text(request, invitation)}. "
            f"Answer by {deadline}:"
        ),
        dedupe_key=f"gigreq-invitation:{invitation.pk}:offer",
    )


def notify_filled(invitation: Invitation, request: GigRequest) -> None:
    notify(
        recipient=invitation.musician,
        kind="gig_request_filled",
        title=f"Filled – thank you: {invitation.instrument.name}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"The {invitation.instrument.name} chair for {request.producer.full_name} on "
            f"{when_text(request, invitation.musician)} has been filled. Thank you for your time – "
            "nothing more to do."
        ),
        sms_text=(
            f"GigBook: the {invitation.instrument.name} gig on {fmt(request.starts_at, request.zone)} "
            "has been filled. Thank you!"
        ),
        dedupe_key=f"gigreq-invitation:{invitation.pk}:filled",
    )


def notify_cancelled(invitation: Invitation, request: GigRequest) -> None:
    notify(
        recipient=invitation.musician,
        kind="gig_request_cancelled",
        title=f"Cancelled: {invitation.instrument.name}, {fmt(request.starts_at, request.zone)}",
        body=(
            f"{request.producer.full_name} cancelled the short-notice request for "
            f"{when_text(request, invitation.musician)}. Nothing more to do."
        ),
        sms_text=(
            f"GigBook: {request.producer.full_name} cancelled the {invitation.instrument.name} request for "
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
