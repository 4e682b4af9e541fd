"""GET /api/places/: postcodes, districts and towns from the data shipped with the app."""

from __future__ import annotations

import csv
import gzip

import pytest

from gigbook.places import codepoint
from gigbook.places.gazetteer import DATA, PlaceNotFound, place_resolve, place_search


def test_a_full_postcode_comes_first_then_its_district(client_for, producer):
    body = client_for(producer).get("/api/places/", {"q": "sw1a 1aa"}).json()
    first, second = body["results"][:2]
    assert (first["name"], first["kind"], first["time_zone"], first["country"]) == \
        ("SW1A 1AA, London", "postcode", "Europe/London", "GB")
    # Buckingham Palace.
    assert (round(first["latitude"], 3), round(first["longitude"], 3)) == (51.501, -0.142)
    assert second["kind"] == "district" and second["name"] == "SW1A, London"


def test_the_start_of_a_postcode_lists_districts_in_natural_order(client_for, producer):
    names = [p["name"] for p in client_for(producer).get("/api/places/", {"q": "NW"}).json()["results"]]
    assert names[:4] == ["NW1, London", "NW1W, London", "NW2, London", "NW3, London"]
    nw1 = [p["name"] for p in client_for(producer).get("/api/places/", {"q": "NW1"}).json()["results"]]
    assert nw1 == ["NW1, London", "NW1W, London", "NW10, London", "NW11, London"]


def test_a_town_is_found_by_its_first_letters_without_accents(client_for, producer):
    client = client_for(producer)
    assert client.get("/api/places/", {"q": "brigh"}).json()["results"][0]["name"] == "Brighton, GB"
    sao = client.get("/api/places/", {"q": "sao paulo"}).json()["results"][0]
    assert sao["name"] == "São Paulo, BR" and sao["time_zone"] == "America/Sao_Paulo"


@pytest.mark.parametrize(("typed", "words"), [
    ("NW8 9ZZ", "There is no postcode NW8 9ZZ. Check it, or type just the first part (NW8)"),
    ("QQ1 1QQ", "There is no postcode QQ1 1QQ"),
    ("Xyzzyville", "We could not find a place called “Xyzzyville”"),
    ("", "Type a postcode or a town."),
    ("x" * 101, "too long"),
])
def test_nothing_found_is_a_400_in_plain_words(client_for, producer, typed, words):
    response = client_for(producer).get("/api/places/", {"q": typed})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert words in response.json()["errors"]["q"][0]


def test_signed_out_is_401(api_client):
    assert api_client.get("/api/places/", {"q": "London"}).status_code == 401


def test_place_search_reads_no_database(client_for, producer, django_assert_num_queries):
    client = client_for(producer)
    with django_assert_num_queries(0):
        assert client.get("/api/places/", {"q": "M1"}).status_code == 200


def test_the_shipped_districts_match_the_postcode_data():
    # gb_districts.csv is built from the package's postcodes: recompute one district by hand.
    points = []
    with gzip.open(codepoint.data_dir() / "bn.csv.gz", "rt") as handle:
        for postcode, quality, easting, northing in csv.reader(handle):
            if postcode.split()[0] == "BN1" and int(quality) != codepoint.NO_POSITION:
                points.append((int(easting), int(northing)))
    east = sum(p[0] for p in points) / len(points)
    north = sum(p[1] for p in points) / len(points)
    lat, lng = codepoint.to_lat_lng([east], [north])[0]
    with (DATA / "gb_districts.csv").open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["district"] == "BN1")
    assert (float(row["latitude"]), float(row["longitude"])) == pytest.approx((lat, lng), abs=1e-4)
    assert int(row["postcodes"]) == len(points)
    assert place_search("BN1")[0].latitude == float(row["latitude"])


@pytest.mark.parametrize(("typed", "name", "zone"), [
    ("Hebden Bridge", "Hebden Bridge, GB", "Europe/London"),  # a small English town
    ("omagh", "Omagh, GB", "Europe/London"),  # Northern Ireland, whose postcodes are not shipped
    ("Skibbereen", "Skibbereen, IE", "Europe/Dublin"),
    ("Nashville", "Nashville, US", "America/Chicago"),  # on tour
    ("London", "London, GB", "Europe/London"),  # the app's own list wins over London, Ontario
    ("Newport", "Newport, GB", "Europe/London"),  # five times the size of any other Newport
    ("Richmond, US", "Richmond, US", "America/New_York"),
])
def test_towns_beyond_the_short_list_are_found_with_their_zone(client_for, producer, typed, name, zone):
    place = place_resolve(typed)
    assert (place.name, place.kind, place.time_zone) == (name, "town", zone)
    assert client_for(producer).get("/api/places/", {"q": typed}).json()["results"][0]["name"] == name


def test_a_name_several_countries_share_asks_for_the_country_and_every_label_means_one_place():
    with pytest.raises(PlaceNotFound) as refused:
        place_resolve("Richmond")
    message = str(refused.value)
    assert "add the country" in message and "Richmond, US" in message and message.count("Richmond, US") == 1
    for typed in ["Richmond", "Newport", "St", "Brid", "London"]:
        labels = [place.name for place in place_search(typed)]
        assert len(labels) == len(set(labels)), labels
        for label in labels:  # a suggestion sent back means that suggestion
            assert place_resolve(label).name == label


def test_a_profile_city_is_a_town_never_a_postcode():
    from musicians.cities import city_match

    assert city_match("hebden bridge")[0] == "Hebden Bridge, GB"
    assert city_match("NW8 9AY") is None and city_match("NW8") is None
    assert city_match("Xyzzyville") is None and city_match("  ") is None
