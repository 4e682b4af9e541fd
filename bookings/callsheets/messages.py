"""What call-sheet events tell whom (inbox, email, text, push), written to the outbox in the caller's
transaction. Each message has a dedupe key naming the sheet, version and booking: written once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from bookings.calendar import booking_ics, booking_ics_method
from bookings.messages import _fmt, when_text
from gigbook.core import clock
from gigbook.core.tokens import action_token_make
from gigbook.notifications.services import notify

TOKEN_PURPOSE = "call-sheet"  # noqa: S105 - a signing salt name, not a secret
# Changes of these fields change the calendar event: the message carries the updated .ics.
CALENDAR_FIELDS = {"date", "start", "end", "venue"}


def link_path(booking) -> str:
    """The musician's signed phone link to the sheet (confirm in one tap); valid a week past the gig."""
    token = action_token_make(purpose=TOKEN_PURPOSE, subject_id=booking.pk, user_id=booking.musician_id,
                              expires_at=max(booking.ends_at, clock.now()) + timedelta(days=7))
    return reverse("callsheets:link", kwargs={"token": token})


def producer_page(booking) -> str:
    return reverse("callsheets:producer", kwargs={"pk": booking.pk})


def notify_change(*, player, version, changes: list[dict], needs_confirm: bool):
    from gigbook.core.shortlinks import short_link_make

    booking = player.booking
    musician = booking.musician
    path = link_path(booking)
    short = short_link_make(target=path, expires_at=booking.ends_at + timedelta(days=7))
    listed = "\n".join(f"• {change['text']}" for change in changes)
    note = f"\n\n{booking.producer.greeting_name} says: {version.message}" if version.message else ""
    ask = ("Please confirm you can still make it (one tap on the link), or drop out if you cannot."
           if needs_confirm else "Nothing to do: this is for your information.")
    first = changes[0]["text"] if changes else "details changed"
    attachments = None
    if {c["field"] for c in changes} & CALENDAR_FIELDS:
        attachments = [{
            "filename": f"gigbook-booking-{booking.pk}.ics",
            "content": booking_ics(booking, for_user=musician, stamp=clock.now()),
            "mimetype": f"text/calendar; method={booking_ics_method(booking)}",
        }]
    return notify(
        recipient=musician,
        kind="callsheet_changed" if needs_confirm else "callsheet_updated",
        title=(f"Please confirm: call sheet changed for {_fmt(booking.starts_at, booking.zone)}" if needs_confirm
               else f"Call sheet updated: {_fmt(booking.starts_at, booking.zone)}"),
        body=f"The call sheet for {booking.instrument.name}, {when_text(booking, musician)} changed "
             f"(version {version.number}):\n{listed}{note}\n\n{ask}",
        url=path,
        sms_text=(f"GigBook: {'please confirm – ' if needs_confirm else ''}call sheet changed for "
                  f"{_fmt(booking.starts_at, booking.zone)}: {first}. {settings.SITE_URL}{short}"),
        attachments=attachments,
        dedupe_key=f"callsheet:{version.sheet_id}:v{version.number}:b{booking.pk}",
    )


def notify_reminder(*, player, number: int):
    booking = player.booking
    return notify(
        recipient=booking.musician,
        kind="callsheet_reminder",
        title=f"Reminder: please confirm the changed call sheet for {_fmt(booking.starts_at, booking.zone)}",
        body=f"The call sheet for {booking.instrument.name}, {when_text(booking, booking.musician)} changed and "
             f"{booking.producer.greeting_name} is waiting for your confirmation. Open the link to confirm in one tap, "
             "or to drop out if you cannot make it.",
        url=link_path(booking),
        sms_text=f"GigBook reminder: please confirm the changed call sheet for {_fmt(booking.starts_at, booking.zone)}.",
        dedupe_key=f"callsheet:{player.sheet_id}:v{player.reconfirm_version}:b{booking.pk}:reminder-{number}",
    )


def notify_dropped_out(*, player, booking):
    refill = reverse("callsheets:producer", kwargs={"pk": booking.pk})
    return notify(
        recipient=booking.producer,
        kind="callsheet_dropped_out",
        title=f"{booking.musician.greeting_name} dropped out: {booking.instrument.name}, "
              f"{_fmt(booking.starts_at, booking.zone)}",
        body=f"{booking.musician.greeting_name} cannot make the changed call sheet and cancelled "
             f"({booking.cancel_reason}). Refill the chair with a short-notice request from the call sheet page.",
        url=refill,
        sms_text=f"GigBook: {booking.musician.greeting_name} dropped out of {_fmt(booking.starts_at, booking.zone)}.",
        dedupe_key=f"callsheet:{player.sheet_id}:b{booking.pk}:dropped-out",
    )
