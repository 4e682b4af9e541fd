"""Who can be asked for a short-notice chair, and in which order.

Candidates (all conditions, reusing the musician search so the rules are the same as the
directory's): an approved, active musician who plays the instrument (doubles count), has no
busy time (unavailability block or accepted booking) overlapping the slot, whose travel radius
reaches the venue (or who records remotely, for remote work), and whose published price for the
slot fits the offer's ceiling in the offer's currency.

Order: the producer's first-call favourites for the instrument first, in their own order; then
everyone else by ``score`` (0-100, documented in docs/short-notice.md):

    score = 35 * history + 25 * responsiveness + 20 * proximity + 20 * rating

- history = min(past gigs with this producer, 5) / 5 (accepted or completed bookings that began
  before now);
- responsiveness = 0.8 * response rate + 0.2 * speed, speed = 1 - min(median answer time, 2 h) / 2 h;
  0.5 for a player with no answered-or-missed offers yet (new players are not buried);
- proximity = 1 - min(distance to the venue, 50 km) / 50 km; 1 for remote work;
- rating = (average rating - 1) / 4 when rated, else 0.5.

Ties go to the lower offered fee, then the older profile. The SQL does the filtering (indexed:
instrument, busy-time GiST, reach box); ranking happens in Python over the matching rows, with
one query each for favourites, past gigs and response stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q

from bookings import fees
from bookings.gigrequests.models import Favourite, GigRequest
from bookings.models import Booking
from musicians import selectors as musician_selectors
from musicians.models import Instrument, MusicianProfile

WEIGHT_HISTORY = 35
WEIGHT_RESPONSIVENESS = 25
WEIGHT_PROXIMITY = 20
WEIGHT_RATING = 20
HISTORY_CAP = 5
PROXIMITY_RANGE_KM = 50.0
SPEED_RANGE_SECONDS = 2 * 60 * 60
NEUTRAL = 0.5
# A broadcast never invites more than this per instrument; a call list defaults to the best 25.
MAX_INVITEES = 2000
DEFAULT_CALL_LIST_LENGTH = 25


@dataclass(frozen=True)
class Slot:
    """What a candidate is matched against (one instrument of a request)."""

    producer_id: int
    instrument: Instrument
    kind: str
    starts_at: datetime
    ends_at: datetime
    venue_point: tuple[float, float] | None  # None: remote
    currency: str
    fee_basis: str
    rate: Decimal
    max_rate: Decimal | None

    @property
    def ceiling(self) -> Decimal:
        return self.max_rate if self.max_rate is not None else self.rate

    @property
    def remote(self) -> bool:
        return self.kind == Booking.Kind.REMOTE_RECORDING


@dataclass
class Candidate:
    profile_id: int
    musician_id: int
    name: str
    offered_rate: Decimal
    published_amount: Decimal | None
    score: float
    favourite_position: int | None = None
    distance_km: float | None = None
    past_gigs: int = 0
    response_rate: float | None = None
    median_response_seconds: int | None = None
    rating: Decimal | None = None
    reasons: list[str] = field(default_factory=list)

    def ranking(self) -> dict:
        """JSON kept on the invitation so the producer sees why someone is where they are."""
        return {
            "favourite_position": self.favourite_position,
            "past_gigs": self.past_gigs,
            "response_rate": self.response_rate,
            "median_response_seconds": self.median_response_seconds,
            "distance_km": round(self.distance_km, 1) if self.distance_km is not None else None,
            "rating": str(self.rating) if self.rating is not None else None,
            "reasons": self.reasons,
        }


def slot_for(request: GigRequest, instrument: Instrument) -> Slot:
    venue = request.venue
    point = (venue.latitude, venue.longitude) if venue is not None and venue.latitude is not None else None
    return Slot(
        producer_id=request.producer_id, instrument=instrument, kind=request.kind, starts_at=request.starts_at,
        ends_at=request.ends_at, venue_point=point, currency=request.currency, fee_basis=request.fee_basis,
        rate=request.rate, max_rate=request.max_rate,
    )


def _published_amount(row: dict, slot: Slot) -> Decimal | None:
    """The player's published price for this slot, on the offer's basis (per hour, or the whole slot)."""
    if slot.fee_basis == GigRequest.FeeBasis.HOURLY:
        return row["hourly_rate"]
    rates = fees.PublishedRates(
        currency=row["currency"], hourly_rate=row["hourly_rate"], live_rate=row["live_rate"],
        minimum_call_hours=row["minimum_call_hours"] or Decimal("0"),
    )
    return fees.published_base_amount(
        rates, basis=fees.FeeBasis.FLAT, kind_is_live=slot.kind == Booking.Kind.LIVE_SHOW,
        starts_at=slot.starts_at, ends_at=slot.ends_at,
    )


def offered_rate_for(published: Decimal | None, slot: Slot) -> Decimal:
    """The offer rises to the player's published price when the producer's ceiling allows it."""
    if published is None or published <= slot.rate:
        return slot.rate
    return min(published, slot.ceiling)


def _base_queryset(slot: Slot, exclude_musician_ids):
    near = slot.venue_point if not slot.remote else None
    hourly = slot.fee_basis == GigRequest.FeeBasis.HOURLY
    qs = musician_selectors.musician_search(
        instrument_ids=[slot.instrument.pk],
        available_from=slot.starts_at,
        available_to=slot.ends_at,
        near=near,
        remote=slot.remote,
    )
    # The invitation pays the slot's rate in the slot's currency, so only players quoting in it are
    # asked (search's converted comparison is for browsing; see why_not_asked for the explanation).
    qs = qs.filter(currency=slot.currency)
    if hourly:
        qs = qs.filter(hourly_rate__lte=slot.ceiling)
    if not hourly:
        # Necessary condition for the exact flat-fee check done in Python: the hourly price of the
        # slot cannot be below hourly_rate x elapsed hours (or the live rate, for shows).
        hours = fees.elapsed_hours(slot.starts_at, slot.ends_at)
        cheap_enough = Q(hourly_rate__lte=slot.ceiling / hours)
        if slot.kind == Booking.Kind.LIVE_SHOW:
            cheap_enough |= Q(live_rate__lte=slot.ceiling)
        qs = qs.filter(cheap_enough)
    qs = qs.exclude(user_id=slot.producer_id)
    if exclude_musician_ids:
        qs = qs.exclude(user_id__in=list(exclude_musician_ids))
    columns = ["id", "user_id", "stage_name", "user__full_name", "currency", "hourly_rate", "live_rate",
               "minimum_call_hours", "rating_avg", "rating_count", "response_rate", "median_response_seconds"]
    if near is not None:
        columns.append("distance_km")
    # The search's prefetches are for its result page; here only these columns are read.
    return qs.prefetch_related(None).order_by().values(*columns)


def _component_scores(candidate: Candidate, slot: Slot) -> float:
    history = min(candidate.past_gigs, HISTORY_CAP) / HISTORY_CAP
    if candidate.response_rate is None:
        responsiveness = NEUTRAL
    else:
        median = candidate.median_response_seconds
        speed = NEUTRAL if median is None else 1 - min(median, SPEED_RANGE_SECONDS) / SPEED_RANGE_SECONDS
        responsiveness = 0.8 * candidate.response_rate + 0.2 * speed
    if slot.remote:
        proximity = 1.0
    elif candidate.distance_km is None:
        proximity = 0.0
    else:
        proximity = 1 - min(candidate.distance_km, PROXIMITY_RANGE_KM) / PROXIMITY_RANGE_KM
    rating = NEUTRAL if candidate.rating is None else (float(candidate.rating) - 1) / 4
    return round(
        WEIGHT_HISTORY * history + WEIGHT_RESPONSIVENESS * responsiveness + WEIGHT_PROXIMITY * proximity
        + WEIGHT_RATING * rating,
        2,
    )


def _reasons(candidate: Candidate, slot: Slot) -> list[str]:
    reasons = []
    if candidate.favourite_position is not None:
        reasons.append(f"First-call #{candidate.favourite_position}")
    if candidate.past_gigs:
        reasons.append(f"{candidate.past_gigs} past gig{'s' if candidate.past_gigs != 1 else ''} with you")
    if candidate.response_rate is not None:
        reasons.append(f"answers {round(candidate.response_rate * 100)}% of offers")
    if candidate.distance_km is not None:
        reasons.append(f"{candidate.distance_km:.1f} km away")
    elif slot.remote:
        reasons.append("records remotely")
    if candidate.rating is not None:
        reasons.append(f"rated {candidate.rating}")
    return reasons


def past_gig_counts(*, producer_id: int, musician_ids, now: datetime) -> dict[int, int]:
    rows = (
        Booking.objects.filter(
            producer_id=producer_id, musician_id__in=list(musician_ids), status__in=Booking.BLOCKING_STATUSES,
            starts_at__lt=now,
        )
        .values("musician_id")
        .annotate(n=Count("id"))
    )
    return {row["musician_id"]: row["n"] for row in rows}


def favourite_positions(*, producer_id: int, instrument_id: int) -> dict[int, int]:
    """musician id -> 1-based place in the producer's first-call list for the instrument."""
    ids = Favourite.objects.filter(producer_id=producer_id, instrument_id=instrument_id).order_by(
        "position", "id"
    ).values_list("musician_id", flat=True)
    return {musician_id: index for index, musician_id in enumerate(ids, start=1)}


def match_candidates(*, slot: Slot, now: datetime, exclude_musician_ids=(), limit: int | None = None) -> list[Candidate]:
    """Every matching musician for ``slot``, favourites first then by score; at most ``limit``.

    Queries: the search (1, response stats are on the profile), favourites (1), past gigs (1).
    """
    rows = list(_base_queryset(slot, exclude_musician_ids))
    favourites = favourite_positions(producer_id=slot.producer_id, instrument_id=slot.instrument.pk)
    user_ids = [row["user_id"] for row in rows]
    history = past_gig_counts(producer_id=slot.producer_id, musician_ids=user_ids, now=now) if rows else {}
    candidates: list[Candidate] = []
    for row in rows:
        published = _published_amount(row, slot)
        if published is None or published > slot.ceiling:
            continue
        candidate = Candidate(
            profile_id=row["id"],
            musician_id=row["user_id"],
            name=row["stage_name"] or row["user__full_name"],
            offered_rate=fees.money(offered_rate_for(published, slot), slot.currency),
            published_amount=published,
            score=0.0,
            favourite_position=favourites.get(row["user_id"]),
            distance_km=row.get("distance_km"),
            past_gigs=history.get(row["user_id"], 0),
            response_rate=row["response_rate"],
            median_response_seconds=row["median_response_seconds"],
            rating=row["rating_avg"] if row["rating_count"] else None,
        )
        candidate.score = _component_scores(candidate, slot)
        candidate.reasons = _reasons(candidate, slot)
        candidates.append(candidate)
    candidates.sort(key=lambda c: (
        0 if c.favourite_position is not None else 1,
        c.favourite_position or 0,
        -c.score,
        c.offered_rate,
        c.profile_id,
    ))
    return candidates[:limit] if limit is not None else candidates


def favourite_problems(*, slot: Slot, matched_musician_ids: set[int]) -> list[dict]:
    """Why each first-call favourite for the instrument is not on the list (shown before sending)."""
    favourites = list(
        Favourite.objects.filter(producer_id=slot.producer_id, instrument=slot.instrument)
        .exclude(musician_id__in=matched_musician_ids)
        .select_related("musician__musician_profile")
        .order_by("position", "id")
    )
    problems = []
    for favourite in favourites:
        profile: MusicianProfile | None = getattr(favourite.musician, "musician_profile", None)
        problems.append({
            "musician_id": favourite.musician_id,
            "profile_id": profile.pk if profile else None,
            "name": profile.display_name if profile else favourite.musician.full_name,
            "reason": _why_not(profile, slot),
        })
    return problems


def _why_not(profile: MusicianProfile | None, slot: Slot) -> str:
    if profile is None or profile.status != MusicianProfile.Status.APPROVED or not profile.user.is_active:
        return "Not bookable at the moment."
    if not musician_selectors.profile_plays_all(profile, [slot.instrument.pk]):
        return f"No longer lists {slot.instrument.name}."
    if not musician_selectors.musician_is_free(profile=profile, starts_at=slot.starts_at, ends_at=slot.ends_at):
        return "Busy at this time."
    if slot.remote and not profile.records_remotely:
        return "Does not record remotely."
    if not slot.remote and slot.venue_point is not None and not musician_selectors.profile_reaches(profile, *slot.venue_point):
        return "The venue is outside their travel radius."
    if profile.currency != slot.currency:
        return f"Publishes rates in {profile.currency}."
    row = {"hourly_rate": profile.hourly_rate, "live_rate": profile.live_rate, "currency": profile.currency,
           "minimum_call_hours": profile.minimum_call_hours}
    published = _published_amount(row, slot)
    if published is None or published > slot.ceiling:
        return f"Their rate ({published} {profile.currency}) is above your maximum."
    return "Already asked in this request."


def still_matches(*, profile: MusicianProfile, slot: Slot) -> bool:
    """Re-check, just before a queued invitation is sent, that the player can still take the slot."""
    if profile.status != MusicianProfile.Status.APPROVED or not profile.user.is_active:
        return False
    if not musician_selectors.profile_plays_all(profile, [slot.instrument.pk]):
        return False
    return musician_selectors.musician_is_free(profile=profile, starts_at=slot.starts_at, ends_at=slot.ends_at)



def ask_first_place(candidates: list[Candidate], *, profile_id: int, length: int) -> list[Candidate] | None:
    """The list of ``length`` with the player the producer chose (from their profile) at the top,
    ahead of first-call favourites and scores; None when that player does not match this chair."""
    chosen = next((c for c in candidates if c.profile_id == profile_id), None)
    if chosen is None:
        return None
    if "You chose this player" not in chosen.reasons:
        chosen.reasons.insert(0, "You chose this player")
    return [chosen, *(c for c in candidates if c is not chosen)][:length]


def ask_first_problem(*, profile_id: int, slots: list[Slot]) -> dict:
    """Why the player the producer chose is on none of the lists, asked about the chair of an
    instrument they play (else the first chair), in the same words as a missing favourite."""
    profile = MusicianProfile.objects.select_related("user").filter(pk=profile_id).first()
    if profile is None:
        return {"profile_id": profile_id, "name": "", "placed": False, "instrument": None,
                "reason": "This musician is no longer on GigBook."}
    plays = set(profile.instruments.values_list("instrument_id", flat=True))
    slot = next((s for s in slots if s.instrument.pk in plays), slots[0])
    return {"profile_id": profile.pk, "name": profile.display_name, "placed": False,
            "instrument": slot.instrument.slug, "reason": _why_not(profile, slot)}
