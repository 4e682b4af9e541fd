"""What an engagement tells whom: one message per side for the offer and one for the answer (not
one per date), written to the outbox in the service's transaction. A dedupe key per engagement and
event makes each go out exactly once. Dates are shown in their own (venue's) zone, named.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from bookings.calendar import booking_ics, booking_ics_method
from bookings.engagements.models import Engagement
from bookings.fees import money_text
from bookings.messages import _fmt, when_text
from bookings.models import Booking
from gigbook.core import clock
from gigbook.notifications.services import notify


def page(engagement: Engagement) -> str:
    return reverse("engagements:detail", kwargs={"pk": engagement.pk})


def date_line(booking: Booking, reader) -> str:
    where = f"{booking.venue.name}, {booking.venue.city}" if booking.venue_id else "remote"
    extras = []
    travel_days = booking.engagement_date.travel_days if hasattr(booking, "engagement_date") else 0
    if travel_days:
        extras.append(f"{travel_days} travel day{'s' if travel_days != 1 else ''}")
    if booking.per_diem and booking.per_diem_days:
        extras.append(f"per diem {booking.per_diem_days} × {money_text(booking.per_diem, booking.currency)}")
    extra = f" ({'; '.join(extras)})" if extras else ""
    return f"{when_text(booking, reader)}, {where}: {money_text(booking.fee_total, booking.currency)}{extra}"


def _list(bookings: list[Booking], reader) -> str:
    return "\n".join(f"  {n}. {date_line(booking, reader)}" for n, booking in enumerate(bookings, start=1))


def notify_offered(engagement: Engagement, bookings: list[Booking], *, token: str) -> None:
    from bookings.phone import phone_link_path
    from gigbook.core.shortlinks import short_link_make

    musician, producer = engagement.musician, engagement.producer
    link = phone_link_path(token, url_name="engagements:offer-link")
    short = short_link_make(target=link, expires_at=max(engagement.expires_at, bookings[0].starts_at))
    answer_by = f"{_fmt(engagement.expires_at, musician.zone)} ({musician.time_zone})"
    total = money_text(sum(b.fee_total for b in bookings), engagement.currency)
    choice = ("You can take some of the dates and decline the others." if engagement.allow_partial
              else "The dates come together: accept all of them or decline the offer.")
    note = f"\n\nTheir note: {engagement.note}" if engagement.note else ""
    notify(
        recipient=musician, kind="booking_engagement_offered",
        title=f"{producer.greeting_name} offers you {len(bookings)} dates: {engagement.title}",
        body=f"{producer.greeting_name} would like to book you for {engagement.title} "
             f"({engagement.instrument.name}), {len(bookings)} dates, {total} in all:\n\n{_list(bookings, musician)}"
             f"{note}\n\n{choice} Answer by {answer_by}. Open the link to answer.",
        sms_text=f"GigBook: {producer.greeting_name} offers you {len(bookings)} dates ({engagement.title}), "
                 f"from {_fmt(bookings[0].starts_at, bookings[0].zone)} ({bookings[0].time_zone}), {total}. "
                 f"Answer by {answer_by}: {settings.SITE_URL}{short}",
        url=link, dedupe_key=f"engagement:{engagement.pk}:offered",
    )


def notify_answered(engagement: Engagement, *, accepted: list[Booking], declined: list[Booking], note: str) -> None:
    musician, producer = engagement.musician, engagement.producer
    stamp = clock.now()
    for reader in (producer, musician):
        other = musician if reader.pk == producer.pk else producer
        if accepted and declined:
            title = f"{len(accepted)} of {len(accepted) + len(declined)} dates confirmed: {engagement.title}"
        elif accepted:
            title = f"All {len(accepted)} dates confirmed: {engagement.title}"
        else:
            title = f"{musician.greeting_name} declined {engagement.title}"
        parts = []
        if accepted:
            parts.append(f"Confirmed with {other.greeting_name}:\n{_list(accepted, reader)}")
        if declined:
            parts.append(f"Declined:\n{_list(declined, reader)}")
        if note:
            parts.append(f"Note from {musician.greeting_name}: {note}")
        if accepted:
            parts.append("The attached calendar entries add each confirmed date to your calendar.")
        notify(
            recipient=reader, kind="booking_engagement_answered", title=title, body="\n\n".join(parts),
            sms_text=f"GigBook: {title}.", url=page(engagement),
            attachments=[{"filename": f"gigbook-booking-{b.pk}.ics", "content": booking_ics(b, for_user=reader, stamp=stamp),
                          "mimetype": f"text/calendar; method={booking_ics_method(b)}"} for b in accepted] or None,
            dedupe_key=f"engagement:{engagement.pk}:answered",
        )


def _dates_text(bookings: list[Booking], reader) -> str:
    """Each date on its own line, as the reader's calendar needs it: day, times and the zone."""
    return "\n".join(f"  - {when_text(booking, reader)}" for booking in bookings)


def _still_open(remaining: list[Booking], engagement: Engagement, reader) -> str:
    if not remaining:
        return ""
    count = f"{len(remaining)} date{'s' if len(remaining) != 1 else ''}"
    answer_by = f"{_fmt(engagement.expires_at, reader.zone)} ({reader.time_zone})"
    return f"\n\nStill offered to you ({count}), to answer by {answer_by}:\n{_dates_text(remaining, reader)}"


def notify_withdrawn(engagement: Engagement, *, withdrawn: list[Booking], remaining: list[Booking],
                     note: str) -> None:
    """One message to the musician for the dates withdrawn in one go (not one per date). A date is
    withdrawn once, so the lowest booking id names this withdrawal: a later withdrawal of other dates
    is a new message, a retried one is not."""
    musician, producer = engagement.musician, engagement.producer
    n = len(withdrawn)
    if remaining:
        title = f"{producer.greeting_name} withdrew {n} of the dates of {engagement.title}"
        what = f"{producer.greeting_name} withdrew {'this date' if n == 1 else f'these {n} dates'}"
    else:
        title = f"{producer.greeting_name} withdrew the offer: {engagement.title}"
        what = (f"{producer.greeting_name} withdrew the offer of {engagement.title}. "
                f"{'This date is' if n == 1 else f'These {n} dates are'} no longer offered")
    reason = f"\n\nTheir note: {note}" if note else ""
    free = "" if remaining else "\n\nThere is nothing to answer: these times are yours again."
    first = withdrawn[0]
    sms_when = f"{_fmt(first.starts_at, first.zone)} ({first.time_zone})"
    sms_dates = sms_when if n == 1 else f"{n} dates from {sms_when}"
    notify(
        recipient=musician, kind="booking_engagement_withdrawn", title=title,
        body=f"{what}:\n{_dates_text(withdrawn, musician)}{reason}{_still_open(remaining, engagement, musician)}{free}",
        sms_text=f"GigBook: {producer.greeting_name} withdrew {sms_dates} of {engagement.title}"
                 + (f"; {len(remaining)} still offered." if remaining else "."),
        url=page(engagement),
        dedupe_key=f"engagement:{engagement.pk}:withdrawn:{min(b.pk for b in withdrawn)}",
    )


def notify_expired(engagement: Engagement, *, expired: list[Booking]) -> None:
    """One message to each side when an unanswered engagement's open dates expire together."""
    musician, producer = engagement.musician, engagement.producer
    n = len(expired)
    dates = "1 date" if n == 1 else f"{n} dates"
    for reader in (producer, musician):
        if reader.pk == producer.pk:
            what = f"{musician.greeting_name} did not answer in time, so the offer of {dates} has expired"
        else:
            what = f"The offer from {producer.greeting_name} was not answered in time, so {dates} expired"
        notify(
            recipient=reader, kind="booking_engagement_expired",
            title=f"Offer expired unanswered: {engagement.title} ({dates})",
            body=f"{what}:\n{_dates_text(expired, reader)}",
            sms_text=f"GigBook: the offer of {engagement.title} ({dates}) expired unanswered.",
            url=page(engagement), dedupe_key=f"engagement:{engagement.pk}:expired",
        )
