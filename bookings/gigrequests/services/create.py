"""Posting a request: validation, the 'who will be asked' preview, creation (idempotent)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from bookings import services as booking_services
from bookings.gigrequests import matching, widen
from bookings.gigrequests.models import Chair, GigRequest, Invitation
from bookings.gigrequests.services.common import (
    DEFAULT_ANSWER_BEFORE_START,
    MAX_CHAIR_GROUPS,
    MAX_CHAIRS_PER_INSTRUMENT,
    MAX_PUSH_FALLBACK_MINUTES,
    MAX_THRESHOLD_HOURS,
    MAX_TIME_BOX_MINUTES,
    MIN_ANSWER_WINDOW,
    MIN_TIME_BOX_MINUTES,
    _clean_text,
    _decimal,
    in_broadcast_mode,
    time_box,
)
from bookings.gigrequests.services.dispatch import _advance
from bookings.models import Booking, Venue
from bookings.services.windows import window_check
from gigbook.core import clock
from gigbook.core.errors import DomainError, Forbidden, ValidationFailed
from musicians.currencies import CURRENCIES
from musicians.models import Instrument

logger = logging.getLogger(__name__)
RStatus = GigRequest.Status


# --- Posting a request ------------------------------------------------------------------------------


def _validate(
    *, producer, data: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[tuple[Instrument, int]], Venue | None]:
    """Check every field of a new request; raise ValidationFailed naming all problems found."""
    if not getattr(producer, "is_producer", False):
        raise Forbidden("Only producers can post short-notice requests.", code="not_producer")
    errors: dict[str, list[str]] = {}

    kind = data.get("kind")
    if kind not in Booking.Kind.values:
        errors["kind"] = ["Choose studio session, live show, rehearsal, tour date or remote recording."]

    chairs: list[tuple[Instrument, int]] = []
    raw_chairs = data.get("chairs") or []
    if not raw_chairs:
        errors["chairs"] = ["Ask for at least one chair, e.g. 1 bass guitar."]
    elif len(raw_chairs) > MAX_CHAIR_GROUPS:
        errors["chairs"] = [f"At most {MAX_CHAIR_GROUPS} different instruments per request."]
    else:
        slugs = [str(c.get("instrument", "")) for c in raw_chairs]
        found = {i.slug: i for i in Instrument.objects.filter(slug__in=slugs)}
        problems = []
        for chair, slug in zip(raw_chairs, slugs, strict=True):
            count = chair.get("count", 1)
            if slug not in found:
                problems.append("Choose an instrument from the list for each chair.")
            elif not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CHAIRS_PER_INSTRUMENT:
                problems.append(f"{found[slug].name}: ask for 1 to {MAX_CHAIRS_PER_INSTRUMENT} chairs.")
            else:
                chairs.append((found[slug], count))
        if len(set(slugs)) != len(slugs):
            problems.append("List each instrument once, with how many chairs.")
        if problems:
            errors["chairs"] = problems

    venue: Venue | None = None
    zone_name = data.get("time_zone") or producer.time_zone
    if kind == Booking.Kind.REMOTE_RECORDING:
        if data.get("venue") is not None:
            errors["venue"] = ["A remote recording has no venue."]
        from gigbook.accounts.validators import available_time_zones

        if zone_name not in available_time_zones():
            errors["time_zone"] = [f"“{str(zone_name)[:64]}” is not a known time zone."]
            zone_name = "UTC"
    elif kind in Booking.Kind.values:
        venue_id = data.get("venue")
        venue = Venue.objects.filter(pk=venue_id, owner=producer).first() if isinstance(venue_id, int) else None
        if venue is None:
            errors["venue"] = ["Choose one of your venues." if venue_id is not None else "Choose a venue (or make it a remote recording)."]
        else:
            # Every venue has a position (NOT NULL since bookings 0003), so nearby players can always be found.
            zone_name = venue.time_zone

    currency = str(data.get("currency") or "GBP").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Choose a currency from the list, e.g. GBP."]
    fee_basis = data.get("fee_basis") or GigRequest.FeeBasis.HOURLY
    if fee_basis not in GigRequest.FeeBasis.values:
        errors["fee_basis"] = ["Choose hourly or flat."]
    rate = _decimal(data.get("rate"), "rate", errors)
    max_rate = _decimal(data.get("max_rate"), "max_rate", errors, required=False)
    if rate is not None and max_rate is not None and max_rate < rate:
        errors["max_rate"] = ["The maximum cannot be below the fee offered."]

    strategy = data.get("strategy")
    if strategy not in GigRequest.Strategy.values:
        errors["strategy"] = ["Choose how to ask: everyone at once, a call list or a tightening call list."]
    time_box_minutes = data.get("time_box_minutes", 10)
    if not isinstance(time_box_minutes, int) or isinstance(time_box_minutes, bool) or not (
        MIN_TIME_BOX_MINUTES <= time_box_minutes <= MAX_TIME_BOX_MINUTES
    ):
        errors["time_box_minutes"] = [f"Between {MIN_TIME_BOX_MINUTES} and {MAX_TIME_BOX_MINUTES} minutes."]
    push_fallback_minutes = data.get("push_fallback_minutes", 2)
    if not isinstance(push_fallback_minutes, int) or isinstance(push_fallback_minutes, bool) or not (
        1 <= push_fallback_minutes <= MAX_PUSH_FALLBACK_MINUTES
    ):
        errors["push_fallback_minutes"] = [f"Between 1 and {MAX_PUSH_FALLBACK_MINUTES} minutes."]
    threshold = _decimal(data.get("broadcast_threshold_hours", 12), "broadcast_threshold_hours", errors)
    if threshold is not None and threshold > MAX_THRESHOLD_HOURS:
        errors["broadcast_threshold_hours"] = ["At most 168 hours (a week)."]
    max_invitees = data.get("max_invitees")
    if max_invitees is not None and (
        not isinstance(max_invitees, int) or isinstance(max_invitees, bool) or not 1 <= max_invitees <= matching.MAX_INVITEES
    ):
        errors["max_invitees"] = [f"Between 1 and {matching.MAX_INVITEES}."]

    text = {
        "title": _clean_text(data.get("title"), "title", 120, errors),
        "brief_style": _clean_text(data.get("brief_style"), "brief_style", 200, errors),
        "brief_notes": _clean_text(data.get("brief_notes"), "brief_notes", 4000, errors),
    }
    approach = data.get("brief_approach") or Booking.Approach.CHART
    if approach not in Booking.Approach.values:
        errors["brief_approach"] = ["Choose chart, improvise or mixed."]
    # Every problem in one answer: the window is checked even when other fields are wrong (with
    # the zone unknown, because the venue is, "in the past" cannot be judged and is left out).
    zone_known = None if "venue" in errors or "time_zone" in errors or kind not in Booking.Kind.values else zone_name
    starts_at, ends_at = window_check(
        starts_at=data.get("starts_at"), ends_at=data.get("ends_at"), zone_name=zone_known, now=now, errors=errors,
        noun="gig", earliest=now + MIN_ANSWER_WINDOW, confirm_long=bool(data.get("confirm_long")),
    )
    answer_by = data.get("answer_by")
    if answer_by is None and starts_at is not None and "starts_at" not in errors:
        answer_by = max(starts_at - DEFAULT_ANSWER_BEFORE_START, min(now + timedelta(minutes=30), starts_at))
    elif answer_by is not None and (zone_known is not None or answer_by.tzinfo is not None):
        try:
            answer_by = booking_services.resolve_local_time(answer_by, zone_known or "UTC", "answer_by")
        except ValidationFailed as exc:
            errors.update(exc.fields)
        else:
            if answer_by < now + MIN_ANSWER_WINDOW:
                errors["answer_by"] = ["Give players at least 5 minutes to answer."]
            elif starts_at is not None and "starts_at" not in errors and answer_by > starts_at:
                errors["answer_by"] = ["Answers are needed before the gig starts."]
    if errors or starts_at is None or ends_at is None:
        raise ValidationFailed(fields=errors or {"starts_at": ["Give the start and the end."]})

    cleaned = {
        "kind": kind, "venue": venue, "time_zone": zone_name, "starts_at": starts_at, "ends_at": ends_at,
        "answer_by": answer_by, "currency": currency, "fee_basis": fee_basis, "rate": rate, "max_rate": max_rate,
        "strategy": strategy, "time_box_minutes": time_box_minutes,
        "push_fallback_minutes": push_fallback_minutes, "broadcast_threshold_hours": threshold,
        "max_invitees": max_invitees, "brief_approach": approach, **text,
    }
    return cleaned, chairs, venue


def gig_request_problems(*, producer, data: dict[str, Any]) -> dict[str, list[str]]:
    """The rule problems of the well-formed part of a request (the other fields failed their shape
    checks), so that one answer lists everything. Saves nothing."""
    try:
        _validate(producer=producer, data=data, now=clock.now())
    except ValidationFailed as exc:
        return exc.fields
    except DomainError:
        return {}
    return {}


def _list_length(request_like: dict | GigRequest) -> int | None:
    strategy = request_like["strategy"] if isinstance(request_like, dict) else request_like.strategy
    limit = request_like["max_invitees"] if isinstance(request_like, dict) else request_like.max_invitees
    if limit is not None:
        return limit
    return matching.MAX_INVITEES if strategy == GigRequest.Strategy.BROADCAST else matching.DEFAULT_CALL_LIST_LENGTH


def _slot(producer, cleaned: dict, instrument: Instrument) -> matching.Slot:
    venue = cleaned["venue"]
    return matching.Slot(
        producer_id=producer.pk, instrument=instrument, kind=cleaned["kind"], starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"], venue_point=(venue.latitude, venue.longitude) if venue is not None else None,
        currency=cleaned["currency"], fee_basis=cleaned["fee_basis"], rate=cleaned["rate"], max_rate=cleaned["max_rate"],
    )


def gig_request_preview(*, producer, data: dict[str, Any], exclude_musician_ids=()) -> dict[str, Any]:
    """Who would be asked, in which order, per instrument, saving nothing.

    A musician who matches several instruments is listed under the first one only (one chair per
    player per request). Also says why each first-call favourite is missing, if one is. With
    ``data["ask_first"]`` (a profile id) that player heads the first chair they match, ahead of the
    favourites; ``ask_first`` in the answer says where, or why they cannot be asked.
    """
    now = clock.now()
    cleaned, chairs, _venue = _validate(producer=producer, data=data, now=now)
    groups, taken = [], set(exclude_musician_ids)
    # The player whose profile the request was started from goes first on the first chair they match.
    first_id, first = data.get("ask_first"), None
    for instrument, count in chairs:
        slot = _slot(producer, cleaned, instrument)
        everyone = matching.match_candidates(slot=slot, now=now, exclude_musician_ids=taken)
        listed = everyone[: _list_length(cleaned)]
        if first_id and first is None:
            placed = matching.ask_first_place(everyone, profile_id=first_id, length=_list_length(cleaned))
            if placed is not None:
                listed = placed
                first = {"profile_id": first_id, "name": placed[0].name, "placed": True,
                         "instrument": instrument.slug, "reason": ""}
        taken.update(c.musician_id for c in listed)
        groups.append({
            "instrument": instrument,
            "count": count,
            "candidates": listed,
            "total_matching": len(everyone),
            "unavailable_favourites": matching.favourite_problems(
                slot=slot, matched_musician_ids={c.musician_id for c in everyone}
            ),
            "widen": [] if everyone else widen.widen_options(slot=slot, now=now, exclude_musician_ids=taken),
        })
    first_box = None
    probe = GigRequest(**cleaned)
    if not in_broadcast_mode(probe, now):
        first_box = int(time_box(probe, now).total_seconds())
    if first_id and first is None:
        first = matching.ask_first_problem(profile_id=first_id, slots=[_slot(producer, cleaned, i) for i, _ in chairs])
    return {"cleaned": cleaned, "groups": groups, "first_time_box_seconds": first_box, "ask_first": first}


def _edited_lists(
    *, producer, cleaned: dict, chairs: list[tuple[Instrument, int]], invitees: list[dict], now: datetime
) -> dict[int, list[matching.Candidate]]:
    """The producer's edited lists: only matching players, each once, in the order given."""
    by_slug = {instrument.slug: instrument for instrument, _ in chairs}
    errors: list[str] = []
    result: dict[int, list[matching.Candidate]] = {}
    seen_profiles: set[int] = set()
    for entry in invitees:
        slug = str(entry.get("instrument", ""))
        instrument = by_slug.get(slug)
        if instrument is None:
            errors.append("A list names an instrument that is not one of the chairs in this request.")
            continue
        if instrument.pk in result:
            errors.append(f"{instrument.name} is listed twice.")
            continue
        profile_ids = list(entry.get("musicians") or [])
        everyone = {c.profile_id: c for c in matching.match_candidates(slot=_slot(producer, cleaned, instrument), now=now)}
        chosen = []
        for profile_id in profile_ids:
            if profile_id in seen_profiles:
                errors.append(f"Musician {profile_id} is listed more than once; a player takes one chair.")
            elif profile_id not in everyone:
                errors.append(
                    f"Musician {profile_id} cannot be asked for {instrument.name}: not free, out of range, "
                    "above your maximum, or not bookable."
                )
            else:
                chosen.append(everyone[profile_id])
            seen_profiles.add(profile_id)
        result[instrument.pk] = chosen
    if errors:
        raise ValidationFailed(fields={"invitees": errors})
    return result


def gig_request_create(*, producer, data: dict[str, Any], idempotency_key: str = "") -> GigRequest:
    """Post a request and send its first invitations (or hand a big broadcast to Celery).

    ``data`` is the API's validated shape (see api/serializers.py). ``data["invitees"]`` (optional)
    is the producer's edited list per instrument, in order; otherwise the ranked matches are used.
    Returns the request; ``request.replayed`` is True when ``idempotency_key`` was already used.
    ``data["ask_first"]`` (optional, a profile id) puts that player at the top of the list of the
    first chair they match (ignored with ``invitees``, which carry the order themselves).
    Raises ValidationFailed / Forbidden. Locks nothing that exists yet; sends inside the
    transaction through ``notify``.
    """
    if idempotency_key:
        existing = GigRequest.objects.filter(producer=producer, idempotency_key=idempotency_key).first()
        if existing is not None:
            existing.replayed = True
            return existing
    try:
        return _create(producer=producer, data=data, idempotency_key=idempotency_key)
    except IntegrityError:
        # The same Idempotency-Key posted twice at once: the other request won; answer with it.
        existing = None
        if idempotency_key:
            existing = GigRequest.objects.filter(producer=producer, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        existing.replayed = True
        return existing


def _refuse_empty_chairs(chairs: list[tuple[Instrument, int]], lists: dict[int, list], *, edited: bool) -> None:
    """A chair nobody would be asked for cannot be sent: it could only expire, unseen."""
    empty = [instrument for instrument, _count in chairs if not lists.get(instrument.pk)]
    if empty:
        raise ValidationFailed(fields={"chairs": [
            f"Keep at least one player on the {i.name.lower()} list." if edited else widen.nobody_text(i.name)
            for i in empty
        ]})


def _create(*, producer, data: dict[str, Any], idempotency_key: str) -> GigRequest:
    now = clock.now()
    invitees = data.get("invitees")
    with transaction.atomic():
        if invitees is None:
            preview = gig_request_preview(producer=producer, data=data, exclude_musician_ids=data.get("_exclude", ()))
            first = preview["ask_first"]
            if first is not None and not first["placed"]:
                # Asked for by name: never silently left off (the page's preview shows this before sending).
                raise ValidationFailed(fields={"ask_first": [
                    f"{first['name'] or 'This player'} cannot be asked: {first['reason']}"]})
            cleaned = preview["cleaned"]
            chairs = [(group["instrument"], group["count"]) for group in preview["groups"]]
            lists = {group["instrument"].pk: group["candidates"] for group in preview["groups"]}
        else:
            cleaned, chairs, _venue = _validate(producer=producer, data=data, now=now)
            lists = _edited_lists(producer=producer, cleaned=cleaned, chairs=chairs, invitees=invitees, now=now)
        _refuse_empty_chairs(chairs, lists, edited=invitees is not None)
        request = GigRequest.objects.create(
            producer=producer, **cleaned, status=RStatus.OPEN, created_at=now, updated_at=now,
            widened_from=data.get("_widened_from"), idempotency_key=idempotency_key[:255],
        )
        Chair.objects.bulk_create([
            Chair(request=request, instrument=instrument, number=number)
            for instrument, count in chairs for number in range(1, count + 1)
        ])
        Invitation.objects.bulk_create([
            Invitation(
                request=request, instrument_id=instrument_id, musician_id=candidate.musician_id, position=position,
                offered_rate=candidate.offered_rate, score=candidate.score, ranking=candidate.ranking(), created_at=now,
            )
            for instrument_id, candidates in lists.items()
            for position, candidate in enumerate(candidates, start=1)
        ])
        request.replayed = False
        _advance(request, now)
    logger.info("gig request posted", extra={"gig_request": request.pk, "strategy": request.strategy})
    return request
