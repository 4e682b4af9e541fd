"""GET /api/musicians/ as one SQL statement (musicians/search.py) answers byte for byte what the
ORM statement of the rules (selectors.musician_search, paged by CappedPaginator, rendered by
MusicianCardSerializer, as the endpoint did before) answers, over a directory with every kind of
row a filter can trip on, and a cached page costs one Redis round trip, throttle included."""

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import redis.connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from musicians import selectors, services
from musicians.api.pagination import SearchPagination
from musicians.api.serializers import MusicianCardSerializer, SearchParamsSerializer
from musicians.api.views import CARD_COLUMNS
from musicians.calendar_import import selectors as calendar_selectors
from musicians.calendar_import.models import ImportedCalendar
from musicians.selectors import genre_slugs, instrument_slugs

pytestmark = pytest.mark.django_db

SEARCH = "/api/musicians/"
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
PLACES = [(51.5074, -0.1278), (51.75, -1.25), (53.48, -2.24), (48.8566, 2.3522), (51.9, 0.4)]


def reference_body(query: dict) -> tuple[int, bytes]:
    """The endpoint as it was written with the ORM (before musicians/search.py)."""
    request = Request(RequestFactory().get(SEARCH, query))
    params = SearchParamsSerializer.from_query(request.query_params)
    with timezone.override(timezone.get_default_timezone()):
        assert params.is_valid(), params.errors
    kwargs = params.search_kwargs()
    queryset = (
        selectors.musician_search(**kwargs).select_related(None).prefetch_related(None).only(*CARD_COLUMNS)
        .annotate(full_name=Coalesce(NullIf(F("user__display_name"), Value("")), F("user__full_name")))
    )
    paginator = SearchPagination()
    try:
        page = paginator.paginate_queryset(queryset, request)
    except NotFound:
        return 404, b""
    details = selectors.card_details([profile.pk for profile in page])
    for pid in calendar_selectors.stale_profile_ids(details):  # as the endpoint did (issue 11 item 7)
        details[pid]["calendar_out_of_date"] = True
    cards = MusicianCardSerializer(page, many=True, context={"rate_kind": kwargs["rate_kind"], "details": details,
                                                                 "currency": kwargs["currency"]})
    return 200, JSONRenderer().render(paginator.get_paginated_response(cards.data).data)


@pytest.fixture
def directory(make_user, make_profile, frozen_clock):
    frozen_clock.set(NOW)
    rng = random.Random(14)
    instruments = ["tenor-sax", "flute", "cello", "electric-guitar", "drums"]
    genres = ["jazz", "rock", "soul", "classical"]
    for n in range(36):
        user = make_user(musician=True, full_name=f"Full Name {n}", display_name=f"Shown {n}" if n % 3 else "",
                         time_zone="Europe/London")
        place = PLACES[n % len(PLACES)]
        profile = make_profile(
            user=user,
            stage_name="" if n % 4 == 0 else f"Stage {n} “Ünïcode”",
            instruments=rng.sample(instruments, k=rng.randint(1, 3)),
            genres=rng.sample(genres, k=rng.randint(1, 2)),
            lat_lng=None if n == 7 else (place[0] + rng.uniform(-0.2, 0.2), place[1] + rng.uniform(-0.2, 0.2)),
            travel_radius_km=rng.choice([10, 25, 50, 200]),
            currency=rng.choice(["GBP", "GBP", "EUR"]),
            hourly_rate=Decimal(rng.randint(30, 120)),
            session_rate=None if n % 5 == 0 else Decimal(rng.randint(150, 400)),
            years_experience=None if n % 6 == 0 else rng.randint(1, 30),
            rating_avg=None if n % 3 == 0 else Decimal(rng.choice(["4.50", "4.80", "3.90", "4.50"])),
            rating_count=rng.randint(0, 12),
            reads_notation=n % 2 == 0, reads_chords=n % 3 == 0, records_remotely=n % 4 == 1,
            photo=f"profiles/p{n}.jpg" if n % 5 == 1 else "",
            headline=f"Session player {n}", bio="Nashville sessions" if n % 7 == 0 else "Studio work",
        )
        if n % 4 == 3:  # an imported calendar, out of date for every other one
            synced = NOW - (timedelta(days=3) if n % 8 == 3 else timedelta(hours=1))
            ImportedCalendar.objects.create(profile=profile, url_encrypted="-", url_hint="calendar.example",
                                            created_at=NOW - timedelta(days=30), next_due_at=NOW,
                                            last_success_at=synced)
        if n % 9 == 0:
            start = NOW + timedelta(days=9, hours=9)
            services.busy_interval_add(profile=profile, starts_at=start, ends_at=start + timedelta(hours=4),
                                       source="hold" if n % 2 else "booking", source_id=n)
    make_profile(status="pending", instruments=("flute",))
    hidden = make_profile(instruments=("flute",))
    hidden.user.is_active = False
    hidden.user.save()
    instrument_slugs.clear()
    genre_slugs.clear()


def searches() -> list[dict]:
    window = {"available_from": "2027-03-10T10:00Z", "available_to": "2027-03-10T12:00Z"}
    near = {"near": f"{PLACES[0][0]},{PLACES[0][1]}"}
    filters = [
        {}, {"instrument": "flute"}, {"instrument": ["flute", "tenor-sax"]}, {"genre": "jazz"},
        {"instrument": "cello", "genre": "classical"}, window, near, {**near, "radius_km": "15"},
        {"max_rate": "80", "currency": "GBP"}, {"max_rate": "300", "currency": "EUR", "rate_kind": "session"},
        {"reads": "notation"}, {"reads": ["notation", "chords"], "remote": "true"}, {"q": "nashville"},
        {"q": "stage 1"}, {**window, **near, "instrument": "flute", "max_rate": "100", "currency": "GBP"},
    ]
    orderings = [{}, {"ordering": "rate"}, {"ordering": "experience"}, {"ordering": "-rating"}]
    pages = [{}, {"page_size": "5"}, {"page_size": "5", "page": "2"}, {"page_size": "7", "page": "4"},
             {"page_size": "3", "page": "40"}]
    found = [dict(**f, **o, **p) for f, o, p in itertools.product(filters, orderings, pages)]
    found += [{**near, "ordering": "distance", **p} for p in pages]
    found += [{**near, **window, "ordering": "distance", "rate_kind": "session"}]
    return found


def test_one_statement_answers_byte_for_byte_what_the_orm_search_answered(api_client, directory, settings,
                                                                          monkeypatch):
    settings.MUSICIAN_SEARCH_CACHE_SECONDS = 0
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "10000/min", "user": "10000/min"})
    queries = searches()
    compared = nonempty = 0
    for query in queries:
        response = api_client.get(SEARCH, query)
        status, expected = reference_body(query)
        assert response.status_code == status, (query, response.content)
        if status == 200:
            assert response.content == expected, query
            nonempty += bool(response.json()["results"])
        compared += 1
    assert compared == len(queries) > 300
    assert nonempty > 150  # the searches find people, not only empty pages
    flags = {card["calendar_out_of_date"] for card in api_client.get(SEARCH, {"page_size": "100"}).json()["results"]}
    assert flags == {True, False}


def test_the_cap_cuts_the_count_and_the_pages_as_before(api_client, directory, settings, monkeypatch):
    from musicians.api.pagination import CappedPaginator

    settings.MUSICIAN_SEARCH_CACHE_SECONDS = 0
    monkeypatch.setattr(CappedPaginator, "cap", 6)
    for query in [{"page_size": "4"}, {"page_size": "4", "page": "2"}, {"page_size": "4", "page": "3"},
                  {"page_size": "5", "ordering": "rate"}, {"page_size": "5", "page": "2", "ordering": "rate"}]:
        response = api_client.get(SEARCH, query)
        status, expected = reference_body(query)
        assert response.status_code == status, query
        if status == 200:
            assert response.content == expected, query
            assert response.json()["count_capped"] is True


def test_the_cap_with_instrument_and_genre_filters_answers_as_before(api_client, directory, settings, monkeypatch):
    # With an instrument or a genre the capped candidates are found from the instrument/genre
    # rows, one profile at a time (a broad search's count); past the cap the page is still walked
    # in result order over every match.
    from musicians.api.pagination import CappedPaginator

    settings.MUSICIAN_SEARCH_CACHE_SECONDS = 0
    monkeypatch.setattr(CappedPaginator, "cap", 6)
    near = {"near": f"{PLACES[0][0]},{PLACES[0][1]}"}
    window = {"available_from": "2027-03-10T10:00Z", "available_to": "2027-03-10T12:00Z"}
    capped = set()
    for filters in [{"instrument": "flute"}, {"genre": "jazz"}, {"instrument": ["flute", "tenor-sax"]},
                    {"instrument": "drums", "genre": "rock"}, {"instrument": "electric-guitar", **window, **near},
                    {"genre": "soul", "max_rate": "100", "currency": "GBP"}]:
        for extra in [{"page_size": "4"}, {"page_size": "4", "page": "2"}, {"page_size": "5", "ordering": "rate"},
                      {"page_size": "3", "ordering": "experience", "page": "2"}]:
            query = {**filters, **extra}
            response = api_client.get(SEARCH, query)
            status, expected = reference_body(query)
            assert response.status_code == status, query
            if status == 200:
                assert response.content == expected, query
                if response.json()["count_capped"]:
                    capped.add(str(filters))
    assert len(capped) >= 3  # the cap is crossed, with one filter and with several


class RoundTrips:
    """Counts what is sent to Redis: one pipeline (or one command) is one send."""

    def __init__(self, monkeypatch):
        self.sends = 0
        original = redis.connection.AbstractConnection.send_packed_command

        def counting(connection, command, check_health=True):
            self.sends += 1
            return original(connection, command, check_health)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)


def test_a_cached_page_costs_one_redis_round_trip_and_no_sql(api_client, directory, monkeypatch,
                                                             django_assert_num_queries):
    query = {"instrument": "flute", "near": f"{PLACES[0][0]},{PLACES[0][1]}"}
    first = api_client.get(SEARCH, query)
    assert first.status_code == 200 and first.json()["count"] > 0
    trips = RoundTrips(monkeypatch)
    with django_assert_num_queries(0):
        again = api_client.get(SEARCH, query)
    assert again.content == first.content
    assert trips.sends == 1


def test_the_search_throttle_still_answers_429_with_retry_after(api_client, client_for, make_user, directory,
                                                                monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    codes = [api_client.get(SEARCH, {"instrument": "flute"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api_client.get(SEARCH, {"genre": "jazz"})  # another search, same client: still counted
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled" and refused.json()["retry_after_seconds"] >= 1
    # Another address has its own counter; a signed-in person is counted by account at the user rate.
    assert api_client.get(SEARCH, {"instrument": "flute"}, REMOTE_ADDR="192.0.2.9").status_code == 200
    person = client_for(make_user(producer=True))
    assert [person.get(SEARCH).status_code for _ in range(6)] == [200] * 5 + [429]
