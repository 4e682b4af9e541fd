"""A producer adds venues by typing a postcode or a town, and refines one with the map's pin (real Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bookings.models import Venue
from tests.browser.test_accessibility import serious_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "strings-and-keys-2026"
# A 1×1 grey PNG as the "tile server": the map works the same with any tiles, and no network is used.
TILE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mM8c+bMfwAIKwN/"
        "0jHGJwAAAABJRU5ErkJggg==")


def open_venues(browser, live_server, make_user):
    producer = make_user(producer=True, email="pat.venues@example.com", full_name="Pat Producer",
                         password=PASSWORD, time_zone="Europe/London")
    desk = browser.new_context(viewport={"width": 1366, "height": 768})
    page = desk.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(producer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"{live_server.url}/venues/")
    return page


def add_venue(page, *, name: str, typed: str, pick: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Address").fill("1 Test Street")
    page.get_by_label("Postcode or town", exact=True).press_sequentially(typed, delay=30)
    page.get_by_role("option", name=pick).click()
    expect(page.locator("[data-place-state]")).to_contain_text(f"Found: {pick}")
    # Nobody types coordinates: the page has no field for them.
    assert page.get_by_label("Latitude").count() == 0


def test_a_venue_is_added_by_typing_a_postcode_and_then_a_town(live_server, browser, make_user):
    page = open_venues(browser, live_server, make_user)
    # No tile server configured (the default): no map, the place alone positions the venue.
    assert page.locator("[data-venue-map]").count() == 0
    page.get_by_label("Postcode or town", exact=True).press_sequentially("NW8", delay=30)
    expect(page.get_by_role("option", name="NW8, London")).to_be_visible()
    assert serious_violations(page) == []  # the form with its list of suggestions open
    page.get_by_label("Postcode or town", exact=True).fill("")
    add_venue(page, name="Abbey Road Studio 2", typed="NW8 9AY", pick="NW8 9AY, London")
    page.get_by_role("button", name="Add venue").click()
    expect(page.get_by_text("Added Abbey Road Studio 2.")).to_be_visible()
    studio = Venue.objects.get(name="Abbey Road Studio 2")
    assert (round(studio.latitude, 3), round(studio.longitude, 3)) == (51.532, -0.178)
    assert (studio.place, studio.time_zone) == ("NW8 9AY, London", "Europe/London")

    add_venue(page, name="Komedia", typed="Brigh", pick="Brighton, GB")
    page.get_by_role("button", name="Add venue").click()
    expect(page.get_by_text("Added Komedia.")).to_be_visible()
    komedia = Venue.objects.get(name="Komedia")
    assert (komedia.latitude, komedia.longitude, komedia.city) == (50.8225, -0.1372, "Brighton")


def test_unknown_places_are_explained_and_nothing_is_saved(live_server, browser, make_user):
    page = open_venues(browser, live_server, make_user)
    page.get_by_label("Postcode or town", exact=True).press_sequentially("NW8 9ZZ", delay=30)
    expect(page.locator("[data-place-state]")).to_have_text(
        "There is no postcode NW8 9ZZ. Check it, or type just the first part (NW8) to place the venue in that district.")
    page.get_by_label("Name", exact=True).fill("Nowhere Hall")
    page.get_by_label("Address").fill("1 Test Street")
    page.get_by_role("button", name="Add venue").click()
    expect(page.locator("#v-place-error")).to_contain_text("There is no postcode NW8 9ZZ")
    assert not Venue.objects.exists()


def test_the_pin_refines_the_position_when_tiles_are_configured(live_server, browser, make_user, settings):
    settings.MAP_TILE_URL = TILE
    page = open_venues(browser, live_server, make_user)
    add_venue(page, name="RAK Studios", typed="NW8 7BT", pick="NW8 7BT, London")
    pin = page.locator(".leaflet-marker-icon")
    expect(pin).to_be_visible()
    assert serious_violations(page) == []  # with the map and its pin
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y - 30, steps=8)
    page.mouse.up()
    expect(page.locator("[data-place-state]")).to_have_text("Pin moved: the venue will be saved where the pin is.")
    page.get_by_role("button", name="Add venue").click()
    expect(page.get_by_text("Added RAK Studios.")).to_be_visible()
    rak = Venue.objects.get(name="RAK Studios")
    typed_lat, typed_lng = 51.534121, -0.168403  # NW8 7BT in Code-Point Open; the pin went up and right.
    assert rak.latitude > typed_lat and rak.longitude > typed_lng
    assert abs(rak.latitude - typed_lat) < 0.005 and abs(rak.longitude - typed_lng) < 0.005
    assert rak.place == "NW8 7BT, London"
