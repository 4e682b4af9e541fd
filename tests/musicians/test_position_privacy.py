"""A musician's home position is never published: others see the city and distances rounded up to
5 km, measured from the centre of a ~5 km grid cell; the musician and staff see the exact pin."""

import json
import re

import pytest

from musicians.cities import CITIES
from musicians.geo import DISTANCE_BAND_KM, public_point
from musicians.selectors import distance_km

pytestmark = pytest.mark.django_db

HOME = (51.523417, -0.108913)  # Clerkenwell, to six decimals: easy to spot if it leaks
PROBES = [(51.60, -0.20), (51.45, 0.05), (51.75, -0.60), (51.30, -0.10), (51.52, -0.11)]


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+", text)]


def _assert_no_position(text: str, exact=HOME) -> None:
    """Neither the pin nor the grid centre, to any precision finer than ~1 km, appears in ``text``."""
    for secret in (exact, public_point(*exact)):
        for value in secret:
            close = [n for n in _numbers(text) if abs(n - value) < 0.01]
            assert close == [], f"{value} leaked as {close}"


@pytest.fixture
def home_profile(make_profile):
    return make_profile(lat_lng=HOME, city="London", travel_radius_km=100)


def test_public_profile_answers_carry_the_city_but_never_the_position(api_client, client_for, make_user,
                                                                      home_profile):
    for client in (api_client, client_for(make_user(producer=True))):
        response = client.get(f"/api/musicians/{home_profile.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["city"] == "London"
        assert "latitude" not in body and "longitude" not in body
        _assert_no_position(json.dumps(body))


def test_the_musician_and_staff_still_see_the_exact_position(client_for, client, home_profile, make_user):
    staff_user = make_user(staff=True, is_superuser=True)
    own = client_for(home_profile.user).get("/api/me/profile/").json()
    assert (own["latitude"], own["longitude"]) == HOME
    client.force_login(staff_user)
    page = client.get(f"/admin/musicians/musicianprofile/{home_profile.pk}/change/")
    assert page.status_code == 200
    assert 'value="51.523417"' in page.content.decode()


def test_search_distances_are_5_km_bands_from_the_grid_cell(api_client, home_profile):
    for probe in PROBES:
        response = api_client.get("/api/musicians/", {"near": f"{probe[0]},{probe[1]}"})
        assert response.status_code == 200
        card = response.json()["results"][0]
        assert card["distance_km"] % DISTANCE_BAND_KM == 0 and card["distance_km"] >= DISTANCE_BAND_KM
        from_cell = distance_km(*public_point(*HOME), *probe)
        assert card["distance_km"] - DISTANCE_BAND_KM < from_cell <= card["distance_km"]
        assert "latitude" not in card and "longitude" not in card
        _assert_no_position(json.dumps({k: v for k, v in card.items() if k != "profile_url"}))


def test_two_homes_in_one_grid_cell_give_identical_answers_to_every_probe(api_client, make_profile):
    # What makes triangulation useless: whatever a stranger asks, the answers depend only on the
    # cell, so moving the pin inside it changes nothing they can see.
    centre = public_point(*HOME)
    a = make_profile(lat_lng=(centre[0] + 0.01, centre[1] - 0.02), travel_radius_km=12)
    b = make_profile(lat_lng=(centre[0] - 0.015, centre[1] + 0.025), travel_radius_km=12)
    assert public_point(*a_home(a)) == public_point(*a_home(b)) == centre
    for lat_offset in (-0.12, -0.1, -0.05, 0.0, 0.05, 0.1, 0.108, 0.12):
        for lng_offset in (-0.18, -0.1, 0.0, 0.1, 0.17):
            probe = f"{centre[0] + lat_offset},{centre[1] + lng_offset}"
            for ordering in ("distance", "-rating"):
                cards = api_client.get("/api/musicians/", {"near": probe, "ordering": ordering}).json()["results"]
                seen = {card["id"]: card["distance_km"] for card in cards}
                assert (a.pk in seen) == (b.pk in seen), probe
                assert seen.get(a.pk) == seen.get(b.pk), probe


def a_home(profile):
    return profile.latitude, profile.longitude


def test_search_and_profile_pages_never_carry_a_finer_position(client, make_user, home_profile):
    client.force_login(make_user(producer=True))
    profile_page = client.get(f"/musicians/{home_profile.pk}/")
    assert profile_page.status_code == 200
    assert "London" in profile_page.content.decode()
    _assert_no_position(profile_page.content.decode())

    probe = PROBES[0]
    search_page = client.get("/musicians/", {"near": f"{probe[0]},{probe[1]}"})
    assert search_page.status_code == 200
    html = search_page.content.decode()
    band = re.search(r"within (\d+) km", html)
    assert band and int(band.group(1)) % DISTANCE_BAND_KM == 0
    # Only the probe the producer typed and the list of cities to pick from carry coordinates.
    html = html.replace(f"{probe[0]},{probe[1]}", "")
    for _name, _country, lat, lng, _zone in CITIES:
        html = html.replace(f"{lat},{lng}", "")
    _assert_no_position(html)
