"""What each booking event tells whom: the notification texts (inbox, email, SMS) and .ics attachments.

Called by the services inside their transactions; ``notify`` writes the outbox row and delivers
after commit. Times are shown in the booking's (venue's) zone, plus the reader's own zone when
it differs, because a producer in LA booking a player in London must not misread the hour.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from bookings.calendar import booking_ics, booking_ics_method
from bookings.models import Booking
from gigbook.core import clock
from gigbook.notifications.services import notify, notify_many

ACTION_PAST = {
    "accept": "accepted", "decline": "declined", "counter": "countered", "expire": "expired",
    "withdraw": "withdrawn", "accept_counter": "accepted", "decline_counter": "declined",
    "cancel": "cancelled", "complete": "completed",
}


def _fmt(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M")


def when_text(booking: Booking, reader=None) -> str:
    zone = booking.zone
    start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else _fmt(end, zone)
    text = f"{_fmt(booking.starts_at, zone)}–{end_text} ({booking.time_zone})"
    if reader is not None and reader.time_zone != booking.time_zone:
        own = reader.zone
        text += f"; {booking.starts_at.astimezone(own):%a %H:%M} your time ({reader.time_zone})"
    return text


def where_text(booking: Booking) -> str:
    if booking.venue_id is None:
        return "Remote recording"
    venue = booking.venue
    return f"{venue.name}, {venue.address}"


def quote_text(quote: dict) -> str:
    lines = [f"  {line['label']}: {line['amount']}" for line in quote.get("lines", [])]
    lines.append(f"  Total: {quote.get('total')} {quote.get('currency')}")
    return "\n".join(lines)


def _details(booking: Booking, reader) -> str:
    parts = [
        f"{booking.get_kind_display()} · {booking.instrument.name}",
        f"When: {when_text(booking, reader)}",
        f"Where: {where_text(booking)}",
    ]
    if booking.brief_style:
        parts.append(f"Style: {booking.brief_style}")
    parts.append(f"Approach: {booking.get_brief_approach_display()}")
    parts.append("Fee:\n" + quote_text(booking.quote))
    if booking.below_published_rate:
        parts.append(f"Note: {booking.rate_note}")
    return "\n".join(parts)


def _page(booking: Booking) -> str:
    return f"/bookings/{booking.pk}/"


def _ics_attachment(booking: Booking, recipient, stamp: datetime) -> dict:
    return {
        "filename": f"gigbook-booking-{booking.pk}.ics",
        "content": booking_ics(booking, for_user=recipient, stamp=stamp),
        # iTIP (RFC 6047): mail clients act on an invitation or cancellation only with the method here.
        "mimetype": f"text/calendar; method={booking_ics_method(booking)}",
    }


def _item(booking: Booking, recipient, *, event: str, title: str, body: str, sms: str, url: str | None = None,
          ics: bool = False) -> dict:
    """One message as ``notify``'s keyword arguments (rendered here, written by the caller)."""
    attachments = [_ics_attachment(booking, recipient, clock.now())] if ics else None
    return dict(
        recipient=recipient,
        kind=f"booking_{event}",
        title=title,
        body=body,
        url=url or _page(booking),
        sms_text=sms,
        attachments=attachments,
        # One notification per recipient per booking event; sequence is bumped by every transition.
        dedupe_key=f"booking:{booking.pk}:{event}:{booking.sequence}",
    )


def _send(booking: Booking, recipient, **message) -> None:
    notify(**_item(booking, recipient, **message))


def notify_offer(booking: Booking, *, token: str) -> None:
    from bookings.phone import phone_link_path
    from gigbook.core.shortlinks import short_link_make

    musician = booking.musician
    answer_by = _fmt(booking.expires_at, musician.zone)
    link_path = phone_link_path(token)
    # The text carries a short alias of the signed link (gigbook/core/shortlinks.py).
    short_path = short_link_make(target=link_path, expires_at=max(booking.expires_at, booking.starts_at))
    flag = " (below your published rate)" if booking.below_published_rate else ""
    _send(
        booking, musician, event="offered",
        title=f"New offer from {booking.producer.greeting_name}: {booking.instrument.name}, {_fmt(booking.starts_at, booking.zone)}",
        body=f"{booking.producer.greeting_name} would like to book you.\n\n{_details(booking, musician)}\n\n"
             f"Answer by {answer_by} ({musician.time_zone}). Open the link to accept, decline or counter.",
        sms=f"GigBook: {booking.producer.greeting_name} offers you {booking.instrument.name}, "
            f"{when_text(booking, musician)}, {booking.fee_total} {booking.currency}{flag}. "
            f"Answer by {answer_by} ({musician.time_zone}): {settings.SITE_URL}{short_path}",
        url=link_path,
    )


def notify_countered(booking: Booking) -> None:
    producer = booking.producer
    note = f"\nTheir note: {booking.counter_note}" if booking.counter_note else ""
    _send(
        booking, producer, event="countered",
        title=f"{booking.musician.greeting_name} countered: {booking.counter_total} {booking.currency}",
        body=f"{booking.musician.greeting_name} proposes other terms for {when_text(booking, producer)}.{note}\n\n"
             f"Proposed fee:\n{quote_text(booking.counter_quote or {})}\n\nYou offered:\n{quote_text(booking.quote)}",
        sms=f"GigBook: {booking.musician.greeting_name} countered your offer ({booking.counter_total} {booking.currency}).",
    )


ACCEPTED = "booking_accepted"


def accepted_items(booking: Booking) -> list[dict]:
    """The confirmation to each side (with the .ics), as ``notify_many`` items; ``booking`` as accepted."""
    items = accepted_items_to_render(booking)
    for item in items:
        item["body"], item["attachments"] = accepted_content(booking, item["recipient"], stamp=clock.now())
        del item["render_args"]
    return items


def accepted_items_to_render(booking: Booking) -> list[dict]:
    """The confirmations with only what is cheap (title, text, link); body and .ics come later.

    For the accept, which writes these while it holds the musician's lock and renders the rest
    after commit (``accepted_content``; ``render_accepted`` when the accepting process died first).
    """
    items = []
    for recipient in (booking.producer, booking.musician):
        other = booking.musician if recipient.pk == booking.producer_id else booking.producer
        items.append(dict(
            recipient=recipient, kind=ACCEPTED,
            title=f"Confirmed: {booking.instrument.name} with {other.greeting_name}, {_fmt(booking.starts_at, booking.zone)}",
            body="", url=_page(booking),
            sms_text=f"GigBook: confirmed – {booking.instrument.name} with {other.greeting_name}, "
                     f"{_fmt(booking.starts_at, booking.zone)} ({booking.time_zone}).",
            # One notification per recipient per booking event; sequence is bumped by every transition.
            dedupe_key=f"booking:{booking.pk}:accepted:{booking.sequence}",
            render_args={"booking": booking.pk, "sequence": booking.sequence},
        ))
    return items


def accepted_content(booking: Booking, recipient, *, stamp: datetime) -> tuple[str, list]:
    """The body and .ics of one side's confirmation; ``stamp`` is the .ics DTSTAMP (the row's created_at)."""
    body = (f"The booking is confirmed.\n\n{_details(booking, recipient)}\n\n"
            "The attached calendar entry adds it to your calendar.")
    return body, [_ics_attachment(booking, recipient, stamp)]


def render_accepted(rows: list) -> dict[int, tuple[str, list]]:
    """Renderer of confirmations left waiting (see gigbook.notifications.rendering): one read.

    The booking as it was accepted: if it has moved on since (cancelled, say), its status and
    sequence are put back to those of the accept, so the late confirmation reads as it would have.
    """
    ids = {row.render_args["booking"] for row in rows}
    bookings = Booking.objects.select_related("producer", "musician", "instrument", "venue").in_bulk(ids)
    rendered = {}
    for row in rows:
        booking = bookings.get(row.render_args["booking"])
        if booking is None:
            continue  # deleted with its notifications (cascade): nothing to send
        if booking.sequence != row.render_args["sequence"]:
            booking.status, booking.sequence = Booking.Status.ACCEPTED, row.render_args["sequence"]
        recipient = booking.producer if row.recipient_id == booking.producer_id else booking.musician
        rendered[row.pk] = accepted_content(booking, recipient, stamp=row.created_at)
    return rendered


def notify_accepted(booking: Booking) -> None:
    notify_many(accepted_items(booking))


def notify_declined(booking: Booking) -> None:
    note = f"\nTheir note: {booking.response_note}" if booking.response_note else ""
    _send(
        booking, booking.producer, event="declined",
        title=f"{booking.musician.greeting_name} declined your offer",
        body=f"{booking.musician.greeting_name} cannot take {when_text(booking, booking.producer)}.{note}",
        sms=f"GigBook: {booking.musician.greeting_name} declined your offer for {_fmt(booking.starts_at, booking.zone)}.",
    )


def notify_counter_declined(booking: Booking) -> None:
    note = f"\nNote: {booking.response_note}" if booking.response_note else ""
    _send(
        booking, booking.musician, event="counter_declined",
        title=f"{booking.producer.greeting_name} did not accept your counter-offer",
        body=f"Your counter-offer for {when_text(booking, booking.musician)} was declined.{note}",
        sms=f"GigBook: your counter-offer for {_fmt(booking.starts_at, booking.zone)} was declined.",
    )


def notify_withdrawn(booking: Booking) -> None:
    note = f"\nNote: {booking.response_note}" if booking.response_note else ""
    _send(
        booking, booking.musician, event="withdrawn",
        title=f"{booking.producer.greeting_name} withdrew an offer",
        body=f"The offer for {when_text(booking, booking.musician)} was withdrawn.{note}",
        sms=f"GigBook: the offer for {_fmt(booking.starts_at, booking.zone)} was withdrawn.",
    )


def notify_expired(booking: Booking) -> None:
    for recipient in (booking.producer, booking.musician):
        _send(
            booking, recipient, event="expired",
            title=f"Offer expired: {booking.instrument.name}, {_fmt(booking.starts_at, booking.zone)}",
            body=f"The offer for {when_text(booking, recipient)} was not answered in time and has expired.",
            sms=f"GigBook: the offer for {_fmt(booking.starts_at, booking.zone)} expired unanswered.",
        )


def notify_cancelled(booking: Booking) -> None:
    who = booking.cancelled_by.greeting_name if booking.cancelled_by else "GigBook"
    fee = (f"\nLate cancellation: {booking.cancellation_fee} {booking.currency} is owed to "
           f"{booking.musician.greeting_name}.") if booking.cancellation_fee else ""
    for recipient in (booking.producer, booking.musician):
        _send(
            booking, recipient, event="cancelled",
            title=f"Cancelled: {booking.instrument.name}, {_fmt(booking.starts_at, booking.zone)}",
            body=f"{who} cancelled the booking for {when_text(booking, recipient)}.\nReason: {booking.cancel_reason}{fee}\n\n"
                 "The attached calendar entry removes it from your calendar.",
            sms=f"GigBook: {who} cancelled the booking on {_fmt(booking.starts_at, booking.zone)}.",
            ics=True,
        )


def notify_venue_changed(booking: Booking) -> None:
    for recipient in (booking.producer, booking.musician):
        _send(
            booking, recipient, event="venue_changed",
            title=f"Venue details changed: {booking.instrument.name}, {_fmt(booking.starts_at, booking.zone)}",
            body=f"The venue details for {when_text(booking, recipient)} changed.\nWhere: {where_text(booking)}\n\n"
                 "The attached calendar entry updates your calendar.",
            sms=f"GigBook: venue details changed for {_fmt(booking.starts_at, booking.zone)}: {where_text(booking)}.",
            ics=True,
        )


def notify_completed(booking: Booking) -> None:
    _send(
        booking, booking.musician, event="completed",
        title=f"Gig completed: {booking.fee_total} {booking.currency} due",
        body=f"The booking on {when_text(booking, booking.musician)} is complete.\nFee:\n{quote_text(booking.quote)}",
        sms=f"GigBook: gig on {_fmt(booking.starts_at, booking.zone)} marked complete.",
    )


def notify_reminder(booking: Booking, *, which: str) -> None:
    label = "tomorrow" if which == "24h" else "in 2 hours"
    for recipient in (booking.producer, booking.musician):
        other = booking.musician if recipient.pk == booking.producer_id else booking.producer
        notify(
            recipient=recipient,
            kind=f"booking_reminder_{which}",
            title=f"Reminder: {booking.instrument.name} with {other.greeting_name} {label}",
            body=f"{_details(booking, recipient)}",
            url=_page(booking),
            sms_text=f"GigBook reminder: {booking.instrument.name} {label}, {_fmt(booking.starts_at, booking.zone)}, "
                     f"{where_text(booking)}.",
            dedupe_key=f"booking:{booking.pk}:reminder-{which}",
        )
