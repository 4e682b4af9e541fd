"""Venues saved before positions were required get one from their address, city or time zone."""

from __future__ import annotations

import pytest

from bookings.venue_positions import GREENWICH, locate


def test_a_postcode_in_the_address_wins():
    lat, lng, place = locate(address="3 Abbey Road, London NW8 9AY", city="Paris", time_zone="Europe/London")
    assert place == "NW8 9AY, London" and (round(lat, 2), round(lng, 2)) == (51.53, -0.18)


def test_then_the_city_then_the_address_parts():
    assert locate(address="The Dome", city="Brighton", time_zone="Europe/London")[2] == "Brighton, GB"
    assert locate(address="12 Rue Oberkampf, Paris", city="", time_zone="Europe/Paris")[2] == "Paris, FR"


def test_else_the_time_zone_gives_a_region_marked_to_check():
    lat, lng, place = locate(address="Somewhere", city="", time_zone="America/St_Johns")
    assert (lat, lng) == pytest.approx((47.5667, -52.7167), abs=1e-3)
    assert place == "Approximate (America/St_Johns): check it"


def test_a_zone_without_a_place_falls_back_to_greenwich_marked_to_check():
    lat, lng, place = locate(address="", city="", time_zone="UTC")
    assert (lat, lng) == GREENWICH and "check it" in place
