"""Reads with rules: visibility, busy time, distance and the directory search."""

from __future__ import annotations

import math
import time as _time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Ceil, Round
from django.utils import timezone

from gigbook.core import clock
from gigbook.core.errors import NotFound
from gigbook.exchange.selectors import conversion_factors
from musicians.availability import weekly_occurrences
from musicians.geo import DISTANCE_BAND_KM, public_point
from musicians.models import (
    EARTH_RADIUS_KM,
    RATE_KIND_FIELDS,
    BusyInterval,
    Genre,
    Instrument,
    MusicianProfile,
    ProfileGenre,
    ProfileInstrument,
    UnavailabilityBlock,
)
from musicians.queries import IntervalOverlaps, ReachContains, distance_km_expression

# Weekly unavailability is written into BusyInterval this far ahead (a daily beat job keeps it
# there); the search accepts windows up to SEARCH_AHEAD_DAYS ahead, so a few missed beat runs
# never make a musician look free when a weekly block says otherwise. Booking checks beyond
# the horizon expand the rules on the fly (musician_is_free).
BUSY_HORIZON_DAYS = 372
SEARCH_AHEAD_DAYS = 365
MAX_SEARCH_WINDOW_DAYS = 62
# A venue exactly on the edge of a travel radius counts as reachable. Float rounding of the
# great-circle formula is ~1e-9 km; a metre of slack makes "exactly at the boundary" reliable
# on every backend without changing any real-world answer.
BOUNDARY_TOLERANCE_KM = 0.001

# Searches count their matches up to this many (see musicians/api/pagination.py).
SEARCH_RESULT_CAP = 1000

READS_FIELDS = {"notation": "reads_notation", "chords": "reads_chords", "nashville": "reads_nashville"}
ORDERINGS = ("-rating", "rate", "distance", "experience")


# --- Distance -------------------------------------------------------------------------------


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance; the same haversine formula the SQL search uses."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    half_dlat = math.sin((p1 - p2) / 2)
    half_dlng = math.sin((math.radians(lng1) - math.radians(lng2)) / 2)
    inner = half_dlat**2 + math.cos(p2) * math.cos(p1) * half_dlng**2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, inner)))


def profile_distance_km(profile: MusicianProfile, lat: float, lng: float) -> float | None:
    """Distance from the musician's public point (musicians.geo) to (lat, lng), as search measures
    it, or None if they gave no location."""
    home_lat, home_lng = public_point(profile.latitude, profile.longitude)
    if home_lat is None or home_lng is None:
        return None
    return distance_km(home_lat, home_lng, lat, lng)


def profile_reaches(profile: MusicianProfile, lat: float, lng: float) -> bool:
    """True when the venue at (lat, lng) lies within the musician's travel radius (inclusive)."""
    distance = profile_distance_km(profile, lat, lng)
    return distance is not None and distance <= profile.travel_radius_km + BOUNDARY_TOLERANCE_KM


def profile_plays_all(profile: MusicianProfile, instrument_ids: Iterable[int]) -> bool:
    """Doubles count: any listed instrument matches, primary or not. Uses prefetched rows if present."""
    played = {row.instrument_id for row in profile.instruments.all()}
    return set(instrument_ids) <= played


def profile_rate_fits(profile: MusicianProfile, *, max_rate: Decimal, currency: str, rate_kind: str = "hourly") -> bool:
    rate = profile.rate_for(rate_kind)
    return profile.currency == currency and rate is not None and rate <= max_rate


def currency_factors(currency: str) -> dict[str, Decimal]:
    """Factors into ``currency`` for every currency with an exchange rate in force today."""
    return conversion_factors(to=currency, on=clock.now().date())


# --- Busy time ------------------------------------------------------------------------------


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Busy-time checks need aware datetimes.")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at.")


def _beyond_horizon(profile: MusicianProfile, starts_at: datetime, ends_at: datetime) -> list[BusyInterval]:
    """Occurrences of weekly blocks not yet written into BusyInterval (past the horizon)."""
    blocks = UnavailabilityBlock.objects.filter(
        Q(expanded_until__isnull=True) | Q(expanded_until__lt=ends_at),
        profile=profile,
        kind=UnavailabilityBlock.Kind.WEEKLY,
    )
    found = []
    for block in blocks:
        for start, end in weekly_occurrences(
            weekday=block.weekday,
            start_time=block.start_time,
            end_time=block.end_time,
            valid_from=block.valid_from,
            valid_until=block.valid_until,
            time_zone=block.time_zone,
            window_start=starts_at,
            window_end=ends_at,
        ):
            if block.expanded_until is None or start >= block.expanded_until:
                found.append(
                    BusyInterval(
                        profile=profile,
                        starts_at=start,
                        ends_at=end,
                        source=BusyInterval.Source.BLOCK,
                        source_id=str(block.pk),
                        label="Unavailable (weekly)",
                    )
                )
    return found


def _overlapping(profile: MusicianProfile, starts_at: datetime, ends_at: datetime, ignore_source,
                 *, pencils: bool = False) -> QuerySet:
    qs = BusyInterval.objects.filter(profile=profile).filter(IntervalOverlaps("starts_at", "ends_at", starts_at, ends_at))
    if not pencils:
        # Pencilled time (a hold) is not busy: a firm offer may still take it.
        qs = qs.exclude(source=BusyInterval.Source.HOLD)
    if ignore_source is not None:
        source, source_id = ignore_source
        qs = qs.exclude(source=source, source_id=str(source_id))
    return qs


def musician_is_free(
    *,
    profile: MusicianProfile,
    starts_at: datetime,
    ends_at: datetime,
    ignore_source: tuple[str, int | str] | None = None,
) -> bool:
    """True when nothing busy overlaps [starts_at, ends_at) (touching intervals do not clash).

    ``ignore_source=("booking", 42)`` leaves out that source's own intervals (rescheduling a
    booking must not clash with itself). Reads BusyInterval (blocks and bookings), plus weekly
    blocks past the materialised horizon. Two queries; takes no locks: callers that act on the
    answer lock the profile first (select_for_update) so two bookings cannot both pass.
    """
    _check_window(starts_at, ends_at)
    if _overlapping(profile, starts_at, ends_at, ignore_source).exists():
        return False
    if ignore_source is not None and ignore_source[0] == BusyInterval.Source.BLOCK:
        return not any(i.source_id != str(ignore_source[1]) for i in _beyond_horizon(profile, starts_at, ends_at))
    return not _beyond_horizon(profile, starts_at, ends_at)


def musician_conflicts(*, profile: MusicianProfile, starts_at: datetime, ends_at: datetime) -> list[BusyInterval]:
    """Busy intervals overlapping [starts_at, ends_at), earliest first, for readable messages.

    Items have ``starts_at``, ``ends_at``, ``source`` ("block"/"booking"), ``source_id`` and
    ``label``. Private block notes are not included: the label is generic.
    """
    _check_window(starts_at, ends_at)
    found = list(_overlapping(profile, starts_at, ends_at, None).order_by("starts_at", "id"))
    found.extend(_beyond_horizon(profile, starts_at, ends_at))
    return sorted(found, key=lambda interval: (interval.starts_at, interval.ends_at))


def blocks_overlapping(*, profile_id: int, starts_at: datetime, ends_at: datetime) -> QuerySet:
    """Unavailability written into busy time that overlaps [starts_at, ends_at) (for an EXISTS)."""
    return BusyInterval.objects.filter(profile_id=profile_id, source=BusyInterval.Source.BLOCK).filter(
        IntervalOverlaps("starts_at", "ends_at", starts_at, ends_at)
    )


def weekly_blocks_unexpanded(*, profile_id: int, ends_at: datetime) -> QuerySet:
    """Weekly blocks whose occurrences before ``ends_at`` are not all written into busy time yet:
    only when one exists must ``musician_conflicts`` expand them (rare: the horizon is a year)."""
    return UnavailabilityBlock.objects.filter(
        Q(expanded_until__isnull=True) | Q(expanded_until__lt=ends_at),
        profile_id=profile_id, kind=UnavailabilityBlock.Kind.WEEKLY,
    )


def busy_intervals_for_owner(*, profile: MusicianProfile, starts_at: datetime, ends_at: datetime) -> QuerySet:
    return _overlapping(profile, starts_at, ends_at, None, pencils=True).order_by("starts_at", "id")


# --- Reference data -------------------------------------------------------------------------


@dataclass
class _SlugCache:
    """Process-local slug -> id map for instruments and genres (small, rarely edited).

    Validating search filters must not cost a query per request. A slug not in the map
    triggers one reload, so an instrument added in the admin is searchable at once; the map
    also reloads every few minutes.
    """

    model: type
    ttl_seconds: float = 300.0
    loaded_at: float = -1e9
    ids: dict | None = None

    def lookup(self, slugs: Sequence[str]) -> tuple[list[int], list[str]]:
        if self.ids is None or _time.monotonic() - self.loaded_at > self.ttl_seconds or any(
            slug not in self.ids for slug in slugs
        ):
            self.ids = dict(self.model.objects.values_list("slug", "id"))
            self.loaded_at = _time.monotonic()
        known = [self.ids[slug] for slug in slugs if slug in self.ids]
        unknown = [slug for slug in slugs if slug not in self.ids]
        return known, unknown

    def clear(self) -> None:
        self.ids = None


instrument_slugs = _SlugCache(Instrument)
genre_slugs = _SlugCache(Genre)


def instrument_list() -> QuerySet:
    return Instrument.objects.order_by("family", "name")


def genre_list() -> QuerySet:
    return Genre.objects.order_by("name")


# --- Profiles -------------------------------------------------------------------------------


def _with_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("user").prefetch_related(
        Prefetch(
            "instruments",
            queryset=ProfileInstrument.objects.select_related("instrument").order_by("-is_primary", "position", "id"),
        ),
        Prefetch("genres", queryset=ProfileGenre.objects.select_related("genre").order_by("strength", "id")),
    )


def profile_for_owner(*, user) -> MusicianProfile | None:
    """The user's own profile with everything the editor shows, or None if not started."""
    qs = _with_related(MusicianProfile.objects.filter(user=user)).prefetch_related("media", "credits")
    return qs.first()


def profile_get_public(*, profile_id: int, viewer=None) -> MusicianProfile:
    """An approved profile; its owner and staff also see it in other states (preview).

    Raises NotFound for everyone else, so unapproved profiles cannot be discovered by id.
    """
    qs = MusicianProfile.objects.filter(pk=profile_id)
    if viewer is None or not viewer.is_authenticated:
        qs = qs.filter(status=MusicianProfile.Status.APPROVED, user__is_active=True)
    elif not viewer.is_staff:
        qs = qs.filter(Q(status=MusicianProfile.Status.APPROVED, user__is_active=True) | Q(user=viewer))
    profile = _with_related(qs).prefetch_related("media", "credits").first()
    if profile is None:
        raise NotFound("No such musician.")
    return profile


def blocks_for_owner(*, user) -> QuerySet:
    """The user's own unavailability blocks (none for anyone else's)."""
    return UnavailabilityBlock.objects.filter(profile__user=user).order_by(
        "kind", "starts_at", "weekday", "start_time", "id"
    )


def musician_search(
    *,
    instrument_ids: Sequence[int] = (),
    genre_ids: Sequence[int] = (),
    available_from: datetime | None = None,
    available_to: datetime | None = None,
    max_rate: Decimal | None = None,
    rate_kind: str = "hourly",
    currency: str | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    reads: Sequence[str] = (),
    remote: bool = False,
    q: str = "",
    ordering: str = "-rating",
    exclude_profile_ids: Sequence[int] = (),
) -> QuerySet:
    """Approved, active musicians matching every filter given; an annotated queryset.

    - ``instrument_ids``: plays every one of them, primary or double.
    - ``genre_ids``: lists every one of them.
    - ``available_from``/``available_to``: no busy interval (block or accepted booking)
      overlaps the half-open window. Annotates ``pencilled``: a hold is on that time.
    - ``currency``: rates are compared and shown in it, converted with the exchange rates in force
      today (gigbook.exchange). Annotates ``converted_rate`` (the ``rate_kind`` rate in
      ``currency``, rounded to cents) and ``no_exchange_rate`` (the musician quotes in a currency
      with no rate in force: listed, never filtered out, and ``converted_rate`` is None).
    - ``max_rate`` (needs ``currency``): the ``rate_kind`` rate is set and, converted, <= max_rate
      (musicians whose currency has no exchange rate stay in, marked ``no_exchange_rate``).
    - ``near``=(lat, lng): the venue is within the musician's travel radius, and within
      ``radius_km`` of their home if given. Annotates ``distance_km``.
    - ``reads``: "notation"/"chords"/"nashville", all required. ``remote``: records at home.
    - ``q``: every word appears in the stage name, full name, headline or bio.

    Annotates ``rate_value`` (the chosen kind's rate). Callers validate input shape (the API's
    search serializer); this function trusts it. Always four queries for a page: count, page
    (with the user joined), instruments and genres, whatever the page size (the API's cards use
    ``card_details`` instead of the joins and prefetches).
    """
    rate_field = RATE_KIND_FIELDS[rate_kind]
    # "Not deactivated" as an anti-join rather than a join on is_active: deactivated accounts are
    # few, and the search should not have to join every matching profile to its user.
    inactive = get_user_model().objects.filter(pk=OuterRef("user_id"), is_active=False)
    qs = MusicianProfile.objects.filter(status=MusicianProfile.Status.APPROVED).filter(~Exists(inactive))
    for instrument_id in dict.fromkeys(instrument_ids):
        qs = qs.filter(Exists(ProfileInstrument.objects.filter(profile=OuterRef("pk"), instrument_id=instrument_id)))
    for genre_id in dict.fromkeys(genre_ids):
        qs = qs.filter(Exists(ProfileGenre.objects.filter(profile=OuterRef("pk"), genre_id=genre_id)))
    if available_from is not None and available_to is not None:
        window = BusyInterval.objects.filter(profile=OuterRef("pk")).filter(
            IntervalOverlaps("starts_at", "ends_at", available_from, available_to)
        )
        # Pencilled (held) time is neither free nor booked: such musicians stay in the results,
        # marked ``pencilled``, because a firm offer may still take the time.
        qs = qs.filter(~Exists(window.exclude(source=BusyInterval.Source.HOLD)))
        qs = qs.annotate(pencilled=Exists(window.filter(source=BusyInterval.Source.HOLD)))
    if currency:
        factors = currency_factors(currency)
        factor = Case(*(When(currency=code, then=Value(value)) for code, value in factors.items()), default=None,
                      output_field=DecimalField(max_digits=30, decimal_places=12))
        qs = qs.annotate(
            converted_rate=Round(F(rate_field) * factor, 2, output_field=DecimalField(max_digits=20, decimal_places=2)),
            no_exchange_rate=ExpressionWrapper(~Q(currency__in=list(factors)), output_field=BooleanField()),
        )
        if max_rate is not None:
            qs = qs.filter(Q(**{f"{rate_field}__isnull": False}),
                           Q(no_exchange_rate=True) | Q(converted_rate__lte=max_rate))
    if near is not None:
        lat, lng = near
        # From the public point, never the home itself (see musicians.geo).
        qs = qs.filter(ReachContains(lat, lng)).annotate(
            distance_km=distance_km_expression(lat, lng, "public_latitude", "public_longitude"))
        qs = qs.filter(distance_km__lte=F("travel_radius_km") + BOUNDARY_TOLERANCE_KM)
        if radius_km is not None:
            qs = qs.filter(distance_km__lte=radius_km + BOUNDARY_TOLERANCE_KM)
    for skill in dict.fromkeys(reads):
        qs = qs.filter(**{READS_FIELDS[skill]: True})
    if remote:
        qs = qs.filter(records_remotely=True)
    for word in q.lower().split()[:8]:
        qs = qs.filter(search_text__contains=word)
    if exclude_profile_ids:
        qs = qs.exclude(pk__in=exclude_profile_ids)
    qs = qs.annotate(rate_value=F(rate_field))
    if ordering == "rate":
        # In the asked currency when there is one: amounts in different currencies do not compare.
        qs = qs.order_by(F("converted_rate" if currency else "rate_value").asc(nulls_last=True), "id")
    elif ordering == "distance":
        # By the 5 km band shown, not the exact figure, so the order reveals no more than the cards.
        qs = qs.order_by(Ceil(F("distance_km") / DISTANCE_BAND_KM), "id")
    elif ordering == "experience":
        qs = qs.order_by(F("years_experience").desc(nulls_last=True), "id")
    else:
        qs = qs.order_by(F("rating_avg").desc(nulls_last=True), "-rating_count", "id")
    return _with_related(qs)


_CARD_INSTRUMENTS_SQL = (
    "SELECT pi.profile_id, i.slug, i.name, i.family, pi.is_primary, pi.skill_level "
    "FROM musicians_profileinstrument pi JOIN musicians_instrument i ON i.id = pi.instrument_id "
    "WHERE pi.profile_id IN ({marks}) ORDER BY pi.is_primary DESC, pi.position, pi.id"
)
_CARD_GENRES_SQL = (
    "SELECT pg.profile_id, g.slug, g.name, pg.strength "
    "FROM musicians_profilegenre pg JOIN musicians_genre g ON g.id = pg.genre_id "
    "WHERE pg.profile_id IN ({marks}) ORDER BY pg.strength, pg.id"
)


def card_details(profile_ids: Sequence[int]) -> dict[int, dict[str, list[dict]]]:
    """Instruments and genres of a page of search results: two flat queries.

    The API's result cards use this instead of prefetch_related. It is the hottest read in the
    app (every search page), so it is written as two plain SQL statements: on a 20-card page
    Django's prefetch machinery cost ~10 ms and ORM value queries ~2 ms each to build, against
    well under a millisecond for these. Portable SQL (the SQLite demo runs it too).
    Keys: profile id -> {"instruments": [...], "genres": [...]} in display order.
    """
    details: dict[int, dict[str, list[dict]]] = {int(pk): {"instruments": [], "genres": []} for pk in profile_ids}
    if not details:
        return details
    # Only placeholders are formatted into the SQL; the ids travel as parameters.
    marks = ", ".join(["%s"] * len(details))
    ids = list(details)
    with connection.cursor() as cursor:
        cursor.execute(_CARD_INSTRUMENTS_SQL.format(marks=marks), ids)  # noqa: S608 (placeholders only)
        for pid, slug, name, family, primary, skill in cursor.fetchall():
            details[pid]["instruments"].append(
                {"instrument": slug, "name": name, "family": family, "is_primary": bool(primary),
                 "skill_level": skill}
            )
        cursor.execute(_CARD_GENRES_SQL.format(marks=marks), ids)  # noqa: S608 (placeholders only)
        for pid, slug, name, strength in cursor.fetchall():
            details[pid]["genres"].append({"genre": slug, "name": name, "strength": strength})
    return details


def search_window_limits(now: datetime | None = None) -> tuple[datetime, timedelta]:
    """(latest allowed ``available_to``, longest allowed window) for the search."""
    now = now or clock.now()
    return now + timedelta(days=SEARCH_AHEAD_DAYS), timedelta(days=MAX_SEARCH_WINDOW_DAYS)


@dataclass(frozen=True)
class CompletenessStep:
    """One item of the "finish your profile" checklist.

    ``field`` names the API field (and the editor's element id ``field-<field>``), ``required`` steps
    must be done before the profile can be submitted, ``todo`` says in plain words what to do.
    """

    field: str
    label: str
    done: bool
    required: bool
    todo: str

    @property
    def anchor(self) -> str:
        return f"/me/profile/#field-{self.field}"


def profile_completeness(profile: MusicianProfile) -> list[CompletenessStep]:
    """The checklist of a profile, required steps first. Shared by the editor's "what's still
    missing", submit's refusal and the account page's "finish your profile".

    Uses prefetched instruments/genres/media when present (profile_for_owner), else 3 small queries.
    """
    instruments = list(profile.instruments.all()) if profile.pk else []
    genres = list(profile.genres.all()) if profile.pk else []
    media = list(profile.media.all()) if profile.pk else []
    city = profile.city.strip()
    located = profile.latitude is not None and profile.longitude is not None
    if located:
        city_todo = "Add your home city."
    elif city:
        city_todo = f"We could not place “{city}”. Pick your city from the suggestions, or use your current location."
    else:
        city_todo = "Add your home city so producers nearby can find you."
    return [
        CompletenessStep("headline", "Headline", bool(profile.headline.strip()), True,
                         "Add a one-line headline, e.g. “Tenor sax and flute, reads anything”."),
        CompletenessStep("instruments", "Instruments", bool(instruments), True, "Add at least one instrument."),
        CompletenessStep("genres", "Genres", bool(genres), True, "Add at least one genre."),
        CompletenessStep("hourly_rate", "Hourly rate", profile.hourly_rate is not None, True,
                         "Add your hourly rate: it is required to publish."),
        CompletenessStep("city", "Home city", bool(city) and located, True, city_todo),
        CompletenessStep("bio", "Bio", bool(profile.bio.strip()), False, "Tell producers about your playing."),
        CompletenessStep("photo", "Photo", bool(profile.photo), False, "Add a photo so producers recognise you."),
        CompletenessStep("media", "Demos", bool(media), False, "Link a video or a track of your playing."),
    ]


def profile_publish_problems(profile: MusicianProfile) -> dict[str, list[str]]:
    """What a profile still lacks before it can be reviewed and published (field -> messages)."""
    return {step.field: [step.todo] for step in profile_completeness(profile) if step.required and not step.done}
