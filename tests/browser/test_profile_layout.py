"""A public profile reads well with and without a photo, on a desktop and a phone.

Without a photo the header used to keep a 160 px photo column and squeeze the name and the Book button into it.
"""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from musicians.models import Genre, Instrument, MusicianProfile, ProfileGenre, ProfileInstrument

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = os.environ.get("GIGBOOK_SCREENSHOTS")  # a folder to keep screenshots in, for a person to look at


def approved_profile(make_user, name, **fields):
    user = make_user(musician=True, full_name=name, time_zone="Europe/London")
    profile = MusicianProfile.objects.create(
        user=user, status=MusicianProfile.Status.APPROVED, stage_name=name, headline="Horns for pop and soul sessions",
        city="Manchester", latitude=53.48, longitude=-2.24, travel_radius_km=80, currency="GBP",
        hourly_rate=Decimal("70.00"), **fields,
    )
    ProfileInstrument.objects.create(profile=profile, instrument=Instrument.objects.get(slug="tenor-sax"),
                                     is_primary=True, position=0)
    ProfileGenre.objects.create(profile=profile, genre=Genre.objects.get(slug="jazz"), strength=1)
    return profile


@pytest.mark.parametrize("with_photo", [False, True], ids=["no-photo", "photo"])
def test_profile_header_uses_the_width_on_desktop_and_phone(live_server, browser, make_user, with_photo):
    fields = {"photo": "musicians/photos/1/face.jpg"} if with_photo else {}
    profile = approved_profile(make_user, "Zoë Keys", **fields)
    url = f"{live_server.url}{profile.get_absolute_url()}"

    desk = browser.new_context(viewport={"width": 1366, "height": 768})
    page = desk.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(url)
    book = page.locator(".mus-profile-head").get_by_role("link", name="Book this player")
    expect(book).to_be_visible()
    assert book.bounding_box()["width"] > 200
    name = page.get_by_role("heading", level=1, name="Zoë Keys")
    # The text column takes the page's width, less the photo column when there is a photo.
    assert name.bounding_box()["width"] > 600
    head = page.locator(".mus-profile-head").bounding_box()
    assert book.bounding_box()["y"] + book.bounding_box()["height"] < 768  # the main action is in the first screen
    # The JSON-LD block is data, not a script: the CSP (script-src with a nonce) reports nothing about it.
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert not [text for text in console if "Content Security Policy" in text], console
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/profile-1366-{'photo' if with_photo else 'no-photo'}.png")
    desk.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    book = page.locator(".mus-profile-head").get_by_role("link", name="Book this player")
    box = book.bounding_box()
    assert box["width"] > 200 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/profile-390-{'photo' if with_photo else 'no-photo'}.png", full_page=False)
    phone.close()
    assert head["width"] > 900
