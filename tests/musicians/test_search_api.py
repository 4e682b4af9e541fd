"""Search input validation, query counts, reference lists and public-profile visibility."""

from datetime import UTC, datetime

import pytest

from musicians.models import MusicianProfile
from musicians.selectors import currency_factors, genre_slugs, instrument_slugs

pytestmark = pytest.mark.django_db

SEARCH = "/api/musicians/"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("instrument=kazoo-9000", "instrument"),
        ("instrument=cello&instrument=kazoo-9000", "instrument"),
        ("genre=polka-metal", "genre"),
        ("available_from=2027-01-10T10:00Z", "available_to"),
        ("available_to=2027-01-10T10:00Z", "available_from"),
        ("available_from=yesterday&available_to=2027-01-10T10:00Z", "available_from"),
        ("available_from=2027-01-10T10:00Z&available_to=2027-01-10T10:00Z", "available_to"),
        ("available_from=2027-01-10T10:00Z&available_to=2027-01-10T09:00Z", "available_to"),
        ("available_from=2027-01-01T10:00Z&available_to=2027-04-10T09:00Z", "available_to"),
        ("available_from=2029-01-01T10:00Z&available_to=2029-01-01T12:00Z", "available_to"),
        ("max_rate=50", "currency"),
        ("max_rate=cheap&currency=GBP", "max_rate"),
        ("max_rate=-5&currency=GBP", "max_rate"),
        ("currency=POUND", "currency"),
        ("currency=XYZ", "currency"),
        ("rate_kind=weekly", "rate_kind"),
        ("near=London", "near"),
        ("near=91,0", "near"),
        ("near=51.5,-0.1,3", "near"),
        ("near=51.5,abc", "near"),
        ("radius_km=10", "radius_km"),
        ("near=51.5,-0.1&radius_km=-1", "radius_km"),
        ("near=51.5,-0.1&radius_km=far", "radius_km"),
        ("reads=tablature", "reads"),
        ("remote=perhaps", "remote"),
        ("ordering=price", "ordering"),
        ("ordering=distance", "ordering"),
        ("q=" + "x" * 201, "q"),
        ("page_size=1000", "page_size"),
        ("page_size=abc", "page_size"),
        ("instrumnet=cello", "instrumnet"),
    ],
)
def test_bad_filters_are_400_with_field_messages(api_client, frozen_clock, query, field):
    frozen_clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    response = api_client.get(f"{SEARCH}?{query}")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(message, str) and message for message in errors[field])


def test_a_new_instrument_is_searchable_at_once(api_client):
    from musicians.models import Instrument

    instrument_slugs.lookup(["cello"])  # warm the process-local map
    Instrument.objects.create(name="Theremin", slug="theremin", family="electronic")
    assert api_client.get(SEARCH, {"instrument": "theremin"}).status_code == 200


@pytest.mark.parametrize("page_size", [1, 5, 25])
def test_search_page_query_count_does_not_grow_with_page_size(api_client, make_profile, django_assert_num_queries,
                                                              frozen_clock, page_size):
    frozen_clock.set(datetime(2029, 12, 1, tzinfo=UTC))
    for _ in range(25):
        make_profile(instruments=("tenor-sax", "flute", "clarinet"), genres=("jazz", "funk"))
    instrument_slugs.lookup(["tenor-sax"])
    genre_slugs.lookup(["jazz"])
    currency_factors("GBP")  # the exchange rates in force are kept per process (gigbook.exchange.selectors)
    params = {"instrument": "tenor-sax", "genre": "jazz", "page_size": page_size, "near": "51.5,-0.12",
              "max_rate": "100", "currency": "GBP", "available_from": "2030-01-01T10:00Z",
              "available_to": "2030-01-01T13:00Z"}
    # One statement: the capped count, the page, the account names, instruments, genres and
    # out-of-date imported calendars (musicians/search.py), whatever the page size.
    with django_assert_num_queries(1):
        response = api_client.get(SEARCH, params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


def test_pagination_links_keep_the_filters(api_client, make_profile):
    for _ in range(3):
        make_profile(instruments=("cello",))
    body = api_client.get(SEARCH, {"instrument": "cello", "page_size": 2}).json()
    assert body["count"] == 3
    assert "instrument=cello" in body["next"] and "page=2" in body["next"]
    second = api_client.get(body["next"]).json()
    assert len(second["results"]) == 1


def test_broad_searches_count_up_to_the_cap(api_client, make_profile, monkeypatch, client):
    from musicians.api.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 4)
    for _ in range(6):
        make_profile(instruments=("banjo",))
    body = api_client.get(SEARCH, {"instrument": "banjo", "page_size": 2}).json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (4, True, 2)
    last = api_client.get(SEARCH, {"instrument": "banjo", "page_size": 2, "page": 2}).json()
    assert last["next"] is None
    assert api_client.get(SEARCH, {"instrument": "banjo", "page_size": 2, "page": 3}).status_code == 404
    exact = api_client.get(SEARCH, {"instrument": "banjo", "page_size": 2, "max_rate": "1", "currency": "GBP"}).json()
    assert (exact["count"], exact["count_capped"]) == (0, False)
    assert "More than 4 musicians found" in client.get("/musicians/", {"instrument": "banjo"}).content.decode()


def test_reference_lists(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        instruments = api_client.get("/api/instruments/").json()
    with django_assert_num_queries(1):
        genres = api_client.get("/api/genres/").json()
    assert len(instruments) >= 40 and len(genres) >= 30
    families = {row["family"] for row in instruments}
    assert {"strings", "keys", "brass", "woodwind", "percussion", "voice", "electronic"} <= families
    assert {"slug": "tenor-sax", "name": "Tenor saxophone", "family": "woodwind"} in instruments


# --- Public profile visibility --------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "suspended"])
def test_unapproved_profiles_are_404_to_others_but_visible_to_owner_and_staff(
    api_client, client_for, make_user, make_profile, staff_user, status
):
    profile = make_profile(status=status)
    url = f"/api/musicians/{profile.pk}/"
    assert api_client.get(url).status_code == 404
    assert client_for(make_user(producer=True)).get(url).status_code == 404
    assert client_for(make_user(musician=True)).get(url).status_code == 404
    assert client_for(profile.user).get(url).status_code == 200
    assert client_for(staff_user).get(url).status_code == 200


def test_public_profile_is_a_press_kit_without_contact_details(api_client, make_profile):
    profile = make_profile(instruments=("pedal-steel", "dobro"), genres=("country",), bio="Nashville sessions.")
    body = api_client.get(f"/api/musicians/{profile.pk}/").json()
    assert body["display_name"] == profile.stage_name
    assert body["book_url"] == f"/bookings/new/?musician={profile.pk}"
    assert [i["instrument"] for i in body["instruments"]] == ["pedal-steel", "dobro"]
    assert body["rates"]["hourly_rate"] == "60.00"
    for private in ("status", "rejection_reason", "email", "phone", "user", "search_text", "reach_lat_min"):
        assert private not in body
    assert profile.user.email not in str(body)


def test_unknown_and_malformed_ids_are_404(api_client):
    assert api_client.get("/api/musicians/999999/").status_code == 404
    assert api_client.get("/api/musicians/abc/").status_code == 404


def test_deactivated_musician_disappears(api_client, make_profile):
    profile = make_profile()
    profile.user.is_active = False
    profile.user.save()
    assert api_client.get(f"/api/musicians/{profile.pk}/").status_code == 404
    assert MusicianProfile.objects.filter(pk=profile.pk).exists()


def test_repeated_search_is_served_from_cache_until_something_changes(api_client, make_profile, frozen_clock,
                                                                     django_assert_num_queries):
    from datetime import timedelta

    from musicians import services

    frozen_clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    profile = make_profile(instruments=("harp",))
    params = {"instrument": "harp", "available_from": "2027-01-10T10:00Z", "available_to": "2027-01-10T12:00Z"}
    assert api_client.get(SEARCH, params).json()["count"] == 1
    with django_assert_num_queries(0):
        assert api_client.get(SEARCH, params).json()["count"] == 1
    # A booking accepted through the busy-time seam is seen at once.
    start = datetime(2027, 1, 10, 11, tzinfo=UTC)
    services.busy_interval_add(profile=profile, starts_at=start, ends_at=start + timedelta(hours=2),
                               source="booking", source_id=1)
    assert api_client.get(SEARCH, params).json()["count"] == 0
    services.busy_interval_remove(source="booking", source_id=1)
    assert api_client.get(SEARCH, params).json()["count"] == 1
    # So is an edit made outside the services (e.g. the admin saving the row).
    profile.status = "suspended"
    profile.save()
    assert api_client.get(SEARCH, params).json()["count"] == 0
    # A sign-in (last_login) changes nothing search shows and keeps the cache.
    api_client.get(SEARCH, params)
    profile.user.last_login = datetime(2027, 1, 4, 9, tzinfo=UTC)
    profile.user.save(update_fields=["last_login"])
    with django_assert_num_queries(0):
        api_client.get(SEARCH, params)
