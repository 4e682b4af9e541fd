"""GET /api/musicians/: each filter, with the edge cases producers will hit."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from musicians import services
from musicians.geo import public_point
from musicians.models import BusyInterval, MusicianProfile
from musicians.selectors import distance_km
from tests.musicians.conftest import LONDON

pytestmark = pytest.mark.django_db

SEARCH = "/api/musicians/"


def ids(response):
    assert response.status_code == 200, response.json()
    return [card["id"] for card in response.json()["results"]]


def test_only_approved_profiles_of_active_users_are_listed(api_client, make_profile):
    shown = make_profile()
    for status in ("draft", "pending", "rejected", "suspended"):
        make_profile(status=status)
    inactive = make_profile()
    inactive.user.is_active = False
    inactive.user.save()
    assert ids(api_client.get(SEARCH)) == [shown.pk]


def test_instrument_matches_doubles_not_only_the_primary(api_client, make_profile):
    reeds = make_profile(instruments=("tenor-sax", "flute", "clarinet"))
    flute_first = make_profile(instruments=("flute",))
    make_profile(instruments=("trumpet",))
    assert set(ids(api_client.get(SEARCH, {"instrument": "clarinet"}))) == {reeds.pk}
    assert set(ids(api_client.get(SEARCH, {"instrument": "flute"}))) == {reeds.pk, flute_first.pk}


def test_repeated_instrument_requires_every_double(api_client, make_profile):
    reeds = make_profile(instruments=("tenor-sax", "flute", "clarinet"))
    make_profile(instruments=("tenor-sax", "flute"))
    assert ids(api_client.get(f"{SEARCH}?instrument=tenor-sax&instrument=clarinet")) == [reeds.pk]
    assert ids(api_client.get(f"{SEARCH}?instrument=tenor-sax,clarinet")) == [reeds.pk]


def test_genre_filter(api_client, make_profile):
    jazz = make_profile(genres=("funk", "jazz"))
    make_profile(genres=("metal",))
    assert ids(api_client.get(SEARCH, {"genre": "jazz"})) == [jazz.pk]


def test_max_rate_compares_the_chosen_rate_kind_in_the_given_currency(api_client, make_profile):
    cheap_hour = make_profile(hourly_rate=Decimal("40"), session_rate=Decimal("300"))
    dear_hour = make_profile(hourly_rate=Decimal("90"), session_rate=Decimal("200"))
    no_session = make_profile(hourly_rate=Decimal("30"), session_rate=None)
    assert set(ids(api_client.get(SEARCH, {"max_rate": "50", "currency": "GBP"}))) == {cheap_hour.pk, no_session.pk}
    # Boundary is inclusive.
    assert set(ids(api_client.get(SEARCH, {"max_rate": "90.00", "currency": "gbp"}))) == {
        cheap_hour.pk, dear_hour.pk, no_session.pk,
    }
    session = api_client.get(SEARCH, {"max_rate": "250", "currency": "GBP", "rate_kind": "session"})
    assert ids(session) == [dear_hour.pk]
    assert session.json()["results"][0]["rate"] == "200.00"
    assert session.json()["results"][0]["converted_rate"] == "200.00"


def test_without_an_exchange_rate_other_currencies_are_listed_and_marked_not_dropped(api_client, make_profile):
    pound = make_profile(hourly_rate=Decimal("40"))
    euro = make_profile(currency="EUR", hourly_rate=Decimal("500"))
    body = api_client.get(SEARCH, {"max_rate": "50", "currency": "GBP"}).json()
    cards = {card["id"]: card for card in body["results"]}
    assert set(cards) == {pound.pk, euro.pk}
    assert (cards[euro.pk]["no_exchange_rate"], cards[euro.pk]["converted_rate"]) == (True, None)
    assert (cards[pound.pk]["no_exchange_rate"], cards[pound.pk]["converted_rate"]) == (False, "40.00")


def test_travel_radius_must_reach_the_venue(api_client, make_profile):
    # A venue 30 km due north of the public point (the centre of the ~5 km grid cell) of central London.
    home_lat, home_lng = public_point(*LONDON)
    venue_lat = home_lat + 30 / distance_km(0, 0, 1, 0)
    near_enough = make_profile(travel_radius_km=31)
    make_profile(travel_radius_km=29)
    response = api_client.get(SEARCH, {"near": f"{venue_lat},{home_lng}"})
    assert ids(response) == [near_enough.pk]
    assert response.json()["results"][0]["distance_km"] == 30


def test_travel_radius_exactly_at_the_boundary_is_included(api_client, make_profile):
    home = public_point(51.5074, -0.1278)
    radius = 60
    # The venue *exactly* radius km from where search measures (to float precision).
    venue = (home[0] + radius / distance_km(0, 0, 1, 0), home[1])
    assert distance_km(*home, *venue) == pytest.approx(radius, abs=1e-6)
    at_edge = make_profile(lat_lng=home, travel_radius_km=radius)
    just_short = make_profile(lat_lng=home, travel_radius_km=radius - 1)
    found = ids(api_client.get(SEARCH, {"near": f"{venue[0]},{venue[1]}"}))
    assert at_edge.pk in found
    assert just_short.pk not in found


def test_radius_km_limits_distance_from_the_venue_too(api_client, make_profile):
    home = make_profile(travel_radius_km=500)
    far = make_profile(lat_lng=(53.4808, -2.2426), travel_radius_km=500)  # Manchester, ~260 km
    found = ids(api_client.get(SEARCH, {"near": "51.5074,-0.1278", "radius_km": "100"}))
    assert found == [home.pk]
    assert set(ids(api_client.get(SEARCH, {"near": "51.5074,-0.1278"}))) == {home.pk, far.pk}


def test_profiles_without_location_never_match_a_venue(api_client, make_profile):
    make_profile(lat_lng=None, records_remotely=True)
    assert ids(api_client.get(SEARCH, {"near": "51.5074,-0.1278"})) == []


def test_reads_and_remote_filters(api_client, make_profile):
    nashville = make_profile(reads_nashville=True, reads_chords=True)
    notation = make_profile(reads_notation=True, records_remotely=True)
    assert ids(api_client.get(SEARCH, {"reads": "nashville"})) == [nashville.pk]
    assert ids(api_client.get(f"{SEARCH}?reads=chords&reads=nashville")) == [nashville.pk]
    assert ids(api_client.get(SEARCH, {"reads": "notation"})) == [notation.pk]
    assert ids(api_client.get(SEARCH, {"remote": "true"})) == [notation.pk]
    assert set(ids(api_client.get(SEARCH, {"remote": "false"}))) == {nashville.pk, notation.pk}


def test_q_searches_names_headline_and_bio_case_insensitively(api_client, make_user, make_profile):
    by_stage = make_profile(stage_name="Velvet Horns")
    by_name = make_profile(user=make_user(musician=True, full_name="Zadie Quill"), stage_name="")
    by_headline = make_profile(headline="Pedal steel for country records")
    by_bio = make_profile(bio="Toured with a Motown revue for ten years.")
    assert ids(api_client.get(SEARCH, {"q": "velvet"})) == [by_stage.pk]
    assert ids(api_client.get(SEARCH, {"q": "QUILL"})) == [by_name.pk]
    assert ids(api_client.get(SEARCH, {"q": "pedal country"})) == [by_headline.pk]
    assert ids(api_client.get(SEARCH, {"q": "motown"})) == [by_bio.pk]
    assert ids(api_client.get(SEARCH, {"q": "100%"})) == []  # LIKE wildcards are literal


def _at(day, hour, minute=0):
    return datetime(2027, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def january(frozen_clock):
    frozen_clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))


def window(start, end):
    return {"available_from": start.isoformat(), "available_to": end.isoformat()}


def test_available_window_excludes_overlaps_but_not_touching_intervals(api_client, make_profile, january):
    booked = make_profile()
    free = make_profile()
    services.busy_interval_add(profile=booked, starts_at=_at(10, 10), ends_at=_at(10, 12), source="booking",
                               source_id=1)
    # Touching on either side: [8, 10) and [12, 14) do not overlap [10, 12).
    assert set(ids(api_client.get(SEARCH, window(_at(10, 8), _at(10, 10))))) == {booked.pk, free.pk}
    assert set(ids(api_client.get(SEARCH, window(_at(10, 12), _at(10, 14))))) == {booked.pk, free.pk}
    # One minute of overlap at either end, or containing it, excludes.
    assert ids(api_client.get(SEARCH, window(_at(10, 8), _at(10, 10, 1)))) == [free.pk]
    assert ids(api_client.get(SEARCH, window(_at(10, 11, 59), _at(10, 14)))) == [free.pk]
    assert ids(api_client.get(SEARCH, window(_at(10, 10, 30), _at(10, 11)))) == [free.pk]
    assert ids(api_client.get(SEARCH, window(_at(10, 6), _at(10, 20)))) == [free.pk]


def test_one_off_blocks_and_removed_bookings(api_client, make_profile, january):
    profile = make_profile()
    block = services.block_create(profile=profile, kind="once", starts_at=_at(5, 0), ends_at=_at(6, 0))
    assert ids(api_client.get(SEARCH, window(_at(5, 20), _at(5, 23)))) == []
    services.block_delete(profile=profile, block_id=block.pk)
    assert ids(api_client.get(SEARCH, window(_at(5, 20), _at(5, 23)))) == [profile.pk]
    services.busy_interval_add(profile=profile, starts_at=_at(7, 9), ends_at=_at(7, 17), source="booking",
                               source_id="b-9")
    assert ids(api_client.get(SEARCH, window(_at(7, 12), _at(7, 13)))) == []
    assert services.busy_interval_remove(source="booking", source_id="b-9") == 1
    assert ids(api_client.get(SEARCH, window(_at(7, 12), _at(7, 13)))) == [profile.pk]


def test_weekly_block_follows_local_time_across_the_dst_change(api_client, make_profile, frozen_clock):
    frozen_clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    profile = make_profile()  # musician in Europe/London
    services.block_create(profile=profile, kind="weekly", weekday=1, start_time=time(18, 0), end_time=time(20, 0))
    # Tuesday 23 March 2027 is GMT: the block is 18:00-20:00 UTC.
    assert ids(api_client.get(SEARCH, window(datetime(2027, 3, 23, 19, 30, tzinfo=UTC),
                                             datetime(2027, 3, 23, 20, 0, tzinfo=UTC)))) == []
    assert ids(api_client.get(SEARCH, window(datetime(2027, 3, 23, 17, 0, tzinfo=UTC),
                                             datetime(2027, 3, 23, 18, 0, tzinfo=UTC)))) == [profile.pk]
    # Clocks go forward on Sunday 28 March: on Tuesday 30 March the block is 17:00-19:00 UTC.
    assert ids(api_client.get(SEARCH, window(datetime(2027, 3, 30, 19, 30, tzinfo=UTC),
                                             datetime(2027, 3, 30, 20, 0, tzinfo=UTC)))) == [profile.pk]
    assert ids(api_client.get(SEARCH, window(datetime(2027, 3, 30, 17, 0, tzinfo=UTC),
                                             datetime(2027, 3, 30, 17, 30, tzinfo=UTC)))) == []
    # Local wall-clock input (no offset) is read in the viewer's zone: anonymous -> UTC.
    assert ids(api_client.get(SEARCH, {"available_from": "2027-03-30T19:00", "available_to": "2027-03-30T20:00"})) == [
        profile.pk
    ]


def test_naive_window_is_read_in_the_signed_in_producers_time_zone(client_for, make_user, make_profile, january):
    profile = make_profile()
    services.busy_interval_add(profile=profile, starts_at=_at(10, 18), ends_at=_at(10, 19), source="booking",
                               source_id=7)
    la_producer = make_user(producer=True, time_zone="America/Los_Angeles")
    # 10:00-11:00 in Los Angeles (UTC-8) is 18:00-19:00 UTC: busy.
    response = client_for(la_producer).get(SEARCH, {"available_from": "2027-01-10T10:00",
                                                    "available_to": "2027-01-10T11:00"})
    assert ids(response) == []


def test_orderings(api_client, make_profile):
    a = make_profile(hourly_rate=Decimal("80"), years_experience=3, rating_avg=Decimal("4.10"), rating_count=3,
                     lat_lng=(51.6, -0.1278), travel_radius_km=100)
    b = make_profile(hourly_rate=Decimal("50"), years_experience=20, rating_avg=None, lat_lng=(51.51, -0.1278))
    c = make_profile(hourly_rate=Decimal("65"), years_experience=9, rating_avg=Decimal("4.90"), rating_count=12,
                     lat_lng=(51.55, -0.1278))
    assert ids(api_client.get(SEARCH)) == [c.pk, a.pk, b.pk]  # -rating, unrated last
    assert ids(api_client.get(SEARCH, {"ordering": "-rating"})) == [c.pk, a.pk, b.pk]
    assert ids(api_client.get(SEARCH, {"ordering": "rate"})) == [b.pk, c.pk, a.pk]
    assert ids(api_client.get(SEARCH, {"ordering": "experience"})) == [b.pk, c.pk, a.pk]
    assert ids(api_client.get(SEARCH, {"ordering": "distance", "near": "51.5074,-0.1278"})) == [b.pk, c.pk, a.pk]


def test_combined_filters(api_client, make_profile, january):
    match = make_profile(instruments=("double-bass", "bass-guitar"), genres=("jazz", "soul"), hourly_rate=Decimal("55"),
                         reads_notation=True)
    make_profile(instruments=("double-bass",), genres=("jazz",), hourly_rate=Decimal("75"), reads_notation=True)
    make_profile(instruments=("double-bass",), genres=("rock",), hourly_rate=Decimal("55"), reads_notation=True)
    busy = make_profile(instruments=("double-bass",), genres=("jazz",), hourly_rate=Decimal("55"), reads_notation=True)
    services.busy_interval_add(profile=busy, starts_at=_at(8, 19), ends_at=_at(8, 23), source="booking", source_id=3)
    params = {"instrument": "double-bass", "genre": "jazz", "max_rate": "60", "currency": "GBP", "reads": "notation",
              "near": "51.52,-0.10", "radius_km": "25", **window(_at(8, 20), _at(8, 22))}
    assert ids(api_client.get(SEARCH, params)) == [match.pk]


def test_result_card_shape_has_no_contact_details(api_client, make_profile):
    profile = make_profile(instruments=("tenor-sax", "flute"), genres=("jazz", "funk"), session_rate=Decimal("250"))
    card = api_client.get(SEARCH).json()["results"][0]
    assert card["id"] == profile.pk
    assert card["instruments"][0] == {"instrument": "tenor-sax", "name": "Tenor saxophone", "family": "woodwind",
                                      "is_primary": True, "skill_level": "professional"}
    assert [g["genre"] for g in card["genres"]] == ["jazz", "funk"]
    assert card["hourly_rate"] == "60.00" and card["session_rate"] == "250.00" and card["currency"] == "GBP"
    assert card["profile_url"] == f"/musicians/{profile.pk}/"
    flat = str(card)
    assert profile.user.email not in flat
    assert "phone" not in card and "email" not in card


def test_busy_rows_of_other_musicians_do_not_leak(api_client, make_profile, january):
    one, two = make_profile(), make_profile()
    services.busy_interval_add(profile=one, starts_at=_at(3, 9), ends_at=_at(3, 10), source="booking", source_id=11)
    assert ids(api_client.get(SEARCH, window(_at(3, 9), _at(3, 10)))) == [two.pk]
    assert BusyInterval.objects.filter(profile=two).count() == 0
    assert MusicianProfile.objects.count() == 2
