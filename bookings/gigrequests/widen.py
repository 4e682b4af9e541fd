"""Why a short-notice chair matches nobody, and what would widen it (shown before sending).

Each suggestion relaxes one condition of ``matching`` and counts who would then match, with the
same search the matching uses: a higher fee ceiling, another time, a remote recording (or a nearer
venue). Only suggestions that would find someone are returned; each says what to change in the
form (``field``/``value``) when one change does it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from bookings import fees
from bookings.gigrequests import matching
from bookings.models import Booking
from musicians import selectors as musician_selectors

NO_CEILING = Decimal("999999999")


def _players(count: int, singular: str = "", plural: str = "") -> str:
    """'1 player is', '3 players are' (the verb agrees)."""
    noun = f"{count} player{'s' if count != 1 else ''}"
    verb = singular if count == 1 else plural
    return f"{noun} {verb}" if verb else noun


def widen_options(*, slot: matching.Slot, now: datetime, exclude_musician_ids=()) -> list[dict]:
    """Suggestions for a chair nobody matches. Queries: a few counts and one fee search, whatever the
    number of players."""
    options: list[dict] = []
    unlimited = matching.match_candidates(slot=replace(slot, max_rate=NO_CEILING), now=now,
                                          exclude_musician_ids=exclude_musician_ids)
    if unlimited:
        lowest = min(c.published_amount for c in unlimited if c.published_amount is not None)
        options.append({
            "text": f"{_players(len(unlimited))} if you offer up to {fees.money(lowest, slot.currency)} {slot.currency}"
                    f"{' an hour' if slot.fee_basis == 'hourly' else ''}.",
            "field": "max_rate", "value": str(fees.money(lowest, slot.currency)), "count": len(unlimited),
        })
    def players_of(**filters):
        found = musician_selectors.musician_search(instrument_ids=[slot.instrument.pk], **filters)
        return found.exclude(user_id__in=[slot.producer_id, *exclude_musician_ids])

    # The search compares rates across currencies, so "offer in another currency" widens nothing.
    free = players_of(available_from=slot.starts_at, available_to=slot.ends_at)
    busy = players_of().count() - free.count()
    if busy > 0:
        options.append({"text": f"{_players(busy, 'is', 'are')} busy at that time: try another time or day.",
                        "field": None, "value": None, "count": busy})
    if not slot.remote and slot.venue_point is not None:
        too_far = free.count() - free.filter(pk__in=players_of(near=slot.venue_point).values("pk")).count()
        if too_far > 0:
            remote = free.filter(records_remotely=True).count()
            text = f"{_players(too_far, 'is free but does', 'are free but do')} not travel as far as this venue"
            if remote:
                options.append({"text": f"{text}; {_players(remote, 'records', 'record')} at home: make it a remote recording.",
                                "field": "kind", "value": Booking.Kind.REMOTE_RECORDING, "count": remote})
            else:
                options.append({"text": f"{text}: choose a venue nearer to them.", "field": "venue", "value": None,
                                "count": too_far})
    return options


def nobody_text(instrument_name: str) -> str:
    return (f"Nobody matches the {instrument_name.lower()} chair yet, so nobody would be asked. "
            "Widen it (see the suggestions) or change the time.")
