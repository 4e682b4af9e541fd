"""What each hold (pencil) event tells whom. Each function returns ``notify_many`` items: the caller
writes them in its own transaction, and a dedupe key per hold and event makes every message go
out exactly once however often a sweep or a retry passes by.

Times are shown in the hold's zone (the venue's), plus the reader's own when it differs.
"""

from __future__ import annotations

from bookings.messages import _fmt, when_text
from bookings.models import Hold


def _page(hold: Hold, reader) -> str:
    if reader.pk == hold.musician_id:
        return f"/holds/day/{hold.starts_at.astimezone(hold.zone):%Y-%m-%d}/"
    return f"/holds/#hold-{hold.pk}"


def _item(hold: Hold, reader, event: str, *, title: str, body: str, sms: str, key: str | None = None) -> dict:
    return {
        "recipient": reader, "kind": f"hold_{event}", "title": title, "body": body, "sms_text": sms,
        "url": _page(hold, reader), "dedupe_key": f"hold:{hold.pk}:{key or event}",
    }


def _what(hold: Hold) -> str:
    return f"{hold.instrument.name}, {_fmt(hold.starts_at, hold.zone)} ({hold.time_zone})"


def _until(hold: Hold, reader) -> str:
    return f"{_fmt(hold.expires_at, reader.zone)} ({reader.time_zone})"


def placed(hold: Hold) -> list[dict]:
    musician, producer = hold.musician, hold.producer
    return [_item(
        hold, musician, "placed",
        title=f"{producer.greeting_name} pencilled you: {hold.rank_label}, {_what(hold)}",
        body=f"{producer.greeting_name} would like to hold {when_text(hold, musician)} for you ({hold.rank_label}). "
             f"Fee if confirmed: {hold.fee_total} {hold.currency}.\n\nKeep the time for them or decline. The hold "
             f"lapses on {_until(hold, musician)} unless they confirm it first.",
        sms=f"GigBook: {producer.greeting_name} pencils you ({hold.rank_label}) for {_what(hold)}. Keep or decline:",
    )]


def accepted(hold: Hold) -> list[dict]:
    producer = hold.producer
    return [_item(
        hold, producer, "accepted",
        title=f"{hold.musician.greeting_name} keeps the time for you: {hold.rank_label}, {_what(hold)}",
        body=f"{hold.musician.greeting_name} accepted your hold on {when_text(hold, producer)} ({hold.rank_label}). "
             f"Confirm it by {_until(hold, producer)} or it lapses.",
        sms=f"GigBook: {hold.musician.greeting_name} accepted your {hold.rank_label} for {_what(hold)}.",
    )]


_ENDED = {
    # status/end reason: (who is told, title)
    (Hold.Status.DECLINED, ""): (("producer",), "{musician} declined your hold"),
    (Hold.Status.EXPIRED, ""): (("producer", "musician"), "A hold lapsed"),
    (Hold.Status.RELEASED, Hold.EndReason.PRODUCER): (("musician",), "{producer} released their hold"),
    (Hold.Status.RELEASED, Hold.EndReason.MUSICIAN): (("producer",), "{musician} released your hold"),
    (Hold.Status.RELEASED, Hold.EndReason.CHALLENGE): (("producer", "musician"),
                                                       "A hold was released: not confirmed within the challenge window"),
    (Hold.Status.RELEASED, Hold.EndReason.BUMPED): (("producer",), "Your hold ended: the time was booked"),
}


def ended(hold: Hold) -> list[dict]:
    who, title = _ENDED[(hold.status, hold.end_reason)]
    title = title.format(musician=hold.musician.greeting_name, producer=hold.producer.greeting_name)
    items = []
    for role in who:
        reader = hold.producer if role == "producer" else hold.musician
        items.append(_item(
            hold, reader, hold.status,
            title=f"{title}: {_what(hold)}",
            body=f"{title}: {hold.rank_label} by {hold.producer.greeting_name} on {when_text(hold, reader)} "
                 f"with {hold.musician.greeting_name}. Any holds below it have moved up.",
            sms=f"GigBook: {title.lower() if title[0] == 'A' else title} – {_what(hold)}.",
        ))
    return items


def promoted(hold: Hold) -> list[dict]:
    producer = hold.producer
    return [_item(
        hold, producer, "promoted", key=f"rank:{hold.rank}",
        title=f"Your hold moved up: now {hold.rank_label}, {_what(hold)}",
        body=f"A hold above yours on {when_text(hold, producer)} ended. Yours is now the {hold.rank_label}"
             + (" and you can confirm it." if hold.rank == 1 else "."),
        sms=f"GigBook: your hold on {hold.musician.greeting_name} is now {hold.rank_label} ({_what(hold)}).",
    )]


def challenged(challenger: Hold, above: list[Hold]) -> list[dict]:
    items = []
    for hold in above:
        producer = hold.producer
        items.append(_item(
            hold, producer, "challenged", key=f"challenged:{challenger.pk}",
            title=f"Confirm or release your {hold.rank_label} by {_fmt(hold.challenged_until, producer.zone)}",
            body=f"Another producer wants to confirm {hold.musician.greeting_name} for {when_text(hold, producer)}. "
                 f"Confirm your {hold.rank_label} or release it by {_fmt(hold.challenged_until, producer.zone)} "
                 f"({producer.time_zone}); without an answer it is released and the next hold moves up.",
            sms=f"GigBook: your {hold.rank_label} on {hold.musician.greeting_name} ({_what(hold)}) is challenged. "
                f"Confirm or release by {_fmt(hold.challenged_until, producer.zone)}:",
        ))
    musician = challenger.musician
    items.append(_item(
        challenger, musician, "challenge",
        title=f"{challenger.producer.greeting_name} wants to confirm their {challenger.rank_label}: {_what(challenger)}",
        body=f"{challenger.producer.greeting_name} challenged the holds above theirs on "
             f"{when_text(challenger, musician)}. Those producers have until "
             f"{_fmt(challenger.challenge_ends_at, musician.zone)} ({musician.time_zone}) to confirm or release.",
        sms=f"GigBook: {challenger.producer.greeting_name} challenged the holds on {_what(challenger)}.",
    ))
    return items


def challenge_failed(hold: Hold, reason: str) -> list[dict]:
    producer = hold.producer
    return [_item(
        hold, producer, "challenge_failed",
        title=f"Your hold could not be confirmed: {_what(hold)}",
        body=f"The holds above yours were released, but the booking could not be made: {reason}",
        sms=f"GigBook: your hold on {hold.musician.greeting_name} could not be confirmed ({_what(hold)}).",
    )]
