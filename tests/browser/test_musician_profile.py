"""A musician builds a profile on a phone; once approved, a producer finds it by search."""

import re

import pytest
from playwright.sync_api import expect

from musicians import services
from musicians.models import MusicianProfile

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "reeds-and-brass-2026"


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_musician_edits_profile_on_a_phone_and_a_producer_finds_it(live_server, page, make_user, staff_user):
    mia = make_user(musician=True, email="mia.reeds@example.com", full_name="Mia Reeds", password=PASSWORD,
                    time_zone="Europe/London")
    make_user(producer=True, email="pat@example.com", full_name="Pat Producer", password=PASSWORD)

    log_in(page, live_server.url, mia.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()

    about = page.locator("#s-about")
    about.get_by_label("Stage name").fill("Mia 'Reeds' Okafor")
    about.get_by_label("Headline").fill("Tenor sax, flute and clarinet for sessions")
    about.get_by_label("Bio").fill("Pit bands, horn sections and home recording.")
    about.get_by_label("Bio").press("Tab")  # every section saves itself on change
    expect(about.locator("[data-state]")).to_contain_text("Saved at")

    instruments = page.locator("#s-instruments")
    instruments.get_by_label("Instrument", exact=True).last.select_option("tenor-sax")  # a blank row is ready
    instruments.get_by_role("button", name="Add an instrument").click()
    instruments.get_by_label("Instrument", exact=True).last.select_option("flute")
    expect(instruments.locator("[data-state]")).to_contain_text("Saved at")

    genres = page.locator("#s-genres")
    genres.get_by_label("Genre", exact=True).last.select_option("jazz")
    expect(genres.locator("[data-state]")).to_contain_text("Saved at")

    # A bad value is refused with the message next to the field; fixing it saves.
    rates = page.locator("#s-rates")
    rates.get_by_label("Hourly rate").fill("-5")
    rates.get_by_label("Hourly rate").press("Tab")
    expect(rates.locator("[data-state]")).to_have_text("Not saved: fix the field marked in red.")
    expect(rates.locator("#err-hourly_rate")).to_contain_text("Enter 0 or more")
    expect(rates.get_by_label("Hourly rate")).to_have_attribute("aria-invalid", "true")
    rates.get_by_label("Hourly rate").fill("65")
    rates.get_by_label("3-hour session").fill("180")
    rates.get_by_label("3-hour session").press("Tab")
    expect(rates.locator("[data-state]")).to_contain_text("Saved at")
    expect(rates.locator("#err-hourly_rate")).to_have_count(0)

    location = page.locator("#s-location")
    location.get_by_label("Home city").fill("London, GB")
    location.get_by_label("Home city").press("Tab")  # picking a listed city fills in the position
    location.get_by_label("How far you travel for work (km)").fill("60")
    location.get_by_label("How far you travel for work (km)").press("Tab")
    expect(location.locator("[data-state]")).to_contain_text("Saved at")

    # Unavailability: every missing field is named at once, then a one-off block is added.
    availability = page.locator("#s-availability")
    availability.get_by_role("button", name="Add unavailable time").click()
    expect(availability.locator("#err-starts_at")).to_be_visible()
    expect(availability.locator("#err-ends_at")).to_be_visible()
    availability.get_by_label("From", exact=True).first.fill("2031-05-04T10:00")
    availability.get_by_label("Until", exact=True).first.fill("2031-05-04T18:00")
    availability.get_by_role("button", name="Add unavailable time").click()
    expect(availability.locator("[data-blocks] li")).to_contain_text("Sun 04 May 2031 10:00–18:00 (Europe/London)")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("heading", name="Status: Waiting for review")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    profile = MusicianProfile.objects.get(user=mia)
    assert (profile.latitude, profile.longitude) == (51.5074, -0.1278)
    services.profile_approve(profile=profile, by=staff_user)

    # A producer looks for a flute double near London and finds her.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, "pat@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find musicians").click()
    page.get_by_label("Instrument", exact=True).select_option("flute")
    page.get_by_label("City of the session or show").select_option(label="London, GB")
    page.get_by_label("Maximum rate").fill("70")
    page.get_by_role("button", name="Search").click()
    heading = page.get_by_role("heading", name=re.compile(r"^1 musician found"))
    expect(heading).to_be_focused()
    card = page.get_by_role("article", name="Mia 'Reeds' Okafor")
    expect(card).to_contain_text("Tenor saxophone")
    expect(card).to_contain_text("£65.00")
    card.get_by_role("link", name="Mia 'Reeds' Okafor").click()
    expect(page.get_by_role("heading", name="Mia 'Reeds' Okafor", level=1)).to_be_visible()
    # The searched instrument travels on to the booking form.
    expect(page.get_by_role("link", name="Book this player")).to_have_attribute(
        "href", f"/bookings/new/?musician={profile.pk}&instrument=flute"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
