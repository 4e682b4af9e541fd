"""A venue is placed by typing a postcode or a town; one without a position cannot be saved."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from bookings import services
from bookings.models import Venue
from gigbook.core.errors import ValidationFailed

STUDIO = {"name": "Abbey Road Studio 2", "address": "3 Abbey Road"}


def test_a_venue_typed_by_postcode_is_saved_with_its_position_and_zone(client_for, producer):
    response = client_for(producer).post("/api/venues/", {**STUDIO, "place": "nw8 9ay"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # Abbey Road Studios is at about 51.5320 N, 0.1780 W.
    assert body["latitude"] == pytest.approx(51.532, abs=0.002)
    assert body["longitude"] == pytest.approx(-0.178, abs=0.002)
    assert body["time_zone"] == "Europe/London"
    assert body["place"] == "NW8 9AY, London"
    saved = Venue.objects.get(pk=body["id"])
    assert (saved.latitude, saved.longitude) == (body["latitude"], body["longitude"])


def test_a_venue_typed_by_town_is_saved_with_the_town_position_zone_and_city(client_for, producer):
    response = client_for(producer).post("/api/venues/", {"name": "Komedia", "address": "44 Gardner St",
                                                          "place": "Brighton"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (round(body["latitude"], 2), round(body["longitude"], 2)) == (50.82, -0.14)
    assert body["city"] == "Brighton" and body["time_zone"] == "Europe/London"


def test_a_town_abroad_brings_its_own_time_zone(client_for, producer):
    body = client_for(producer).post("/api/venues/", {"name": "Hansa", "address": "Köthener Str. 38",
                                                      "place": "Berlin, DE"}, format="json").json()
    assert body["time_zone"] == "Europe/Berlin" and round(body["latitude"], 1) == 52.5


@pytest.mark.parametrize("label", ["NW8 9AY, London", "NW8, London", "Brighton, GB"])
def test_a_suggestions_own_label_is_understood(producer, label):
    venue = services.venue_create(owner=producer, name="Room", address="1 Road", place=label)
    assert venue.place == label


def test_a_dragged_pin_wins_over_the_typed_place(client_for, producer):
    body = client_for(producer).post("/api/venues/", {**STUDIO, "place": "NW8", "latitude": 51.5333,
                                                      "longitude": -0.1799}, format="json").json()
    assert (body["latitude"], body["longitude"], body["place"]) == (51.5333, -0.1799, "NW8")


@pytest.mark.parametrize(("place", "words"), [
    ("", "Choose where the venue is"),
    ("Xyzzyville", "We could not find a place called “Xyzzyville”"),
    ("NW8 9ZZ", "There is no postcode NW8 9ZZ"),
    ("ZZ9 9ZZ", "There is no postcode ZZ9 9ZZ"),
    ("BT1 1AA", "Northern Ireland postcodes"),
])
def test_a_venue_without_a_findable_place_is_refused_in_plain_words(client_for, producer, place, words):
    response = client_for(producer).post("/api/venues/", {**STUDIO, "place": place}, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["place"])
    assert words in message
    assert "_" not in message and "latitude" not in message.lower()
    assert not Venue.objects.exists()


def test_the_service_refuses_a_venue_without_a_position(producer):
    with pytest.raises(ValidationFailed) as refused:
        services.venue_create(owner=producer, name="Nowhere", address="1 Road", time_zone="Europe/London")
    assert list(refused.value.fields) == ["place"]
    assert not Venue.objects.exists()


def test_a_position_cannot_be_removed_by_an_update(producer):
    venue = services.venue_create(owner=producer, name="Room", address="1 Road", place="M1")
    with pytest.raises(ValidationFailed):
        services.venue_update(owner=producer, venue_id=venue.pk, latitude=None, longitude=None, place="")
    venue.refresh_from_db()
    assert venue.latitude is not None


def test_typing_a_new_place_moves_the_venue(client_for, producer):
    client = client_for(producer)
    venue = client.post("/api/venues/", {**STUDIO, "place": "NW8 9AY"}, format="json").json()
    moved = client.patch(f"/api/venues/{venue['id']}/", {"place": "Manchester"}, format="json").json()
    assert round(moved["latitude"], 1) == 53.5 and moved["place"] == "Manchester, GB"


@pytest.mark.parametrize("position", [{"latitude": None, "longitude": None}, {"latitude": 51.5, "longitude": None}])
def test_the_database_refuses_a_venue_without_a_position(producer, position):
    with pytest.raises(IntegrityError), transaction.atomic():
        Venue.objects.create(owner=producer, name="Raw", address="1 Road", time_zone="Europe/London", **position)


def test_the_database_refuses_a_position_off_the_earth(producer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Venue.objects.create(owner=producer, name="Raw", address="1 Road", time_zone="Europe/London",
                             latitude=95, longitude=0)


def test_a_guessed_venue_is_flagged_and_moved_from_the_venues_page(client, producer):
    guessed = services.venue_create(owner=producer, name="Old Room", address="Somewhere", latitude=51.4779,
                                    longitude=-0.0015, place="Approximate (UTC): check it", time_zone="UTC")
    client.force_login(producer)
    page = client.get("/venues/").content.decode()
    assert "Its position was guessed from its time zone" in page
    refused = client.post(f"/venues/{guessed.pk}/place/", {"place": "NW8 9ZZ"}, follow=True).content.decode()
    assert "There is no postcode NW8 9ZZ" in refused
    guessed.refresh_from_db()
    assert guessed.place.startswith("Approximate")
    moved = client.post(f"/venues/{guessed.pk}/place/", {"place": "Brighton"}, follow=True).content.decode()
    assert "Old Room is now at Brighton, GB." in moved
    guessed.refresh_from_db()
    assert (guessed.latitude, guessed.longitude, guessed.place) == (50.8225, -0.1372, "Brighton, GB")
    assert "guessed from its time zone" not in moved


def test_nobody_moves_another_producers_venue(client, producer, make_user):
    venue = services.venue_create(owner=producer, name="Mine", address="1 Road", place="M1")
    client.force_login(make_user(producer=True))
    client.post(f"/venues/{venue.pk}/place/", {"place": "Brighton"})
    venue.refresh_from_db()
    assert venue.place == "M1, Manchester"
