"""The profile editor on a small phone (360×740): a complete plain profile in at most 20 counted
taps (plus typing), saved as you go (also through a dropped connection), submitted and approved;
then a live profile's edit waits for review while the approved version stays in search."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import expect

from musicians.models import MusicianProfile

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "reeds-and-brass-2026"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def axe_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in results.response["violations"]]


class Taps:
    """Counts what a person's finger does; typing is not counted (the issue's "taps plus typing")."""

    def __init__(self):
        self.count = 0

    def tap(self, locator):
        locator.tap()
        self.count += 1

    def choose(self, select, value):
        self.tap(select)  # open the picker…
        select.select_option(value)  # …and tap the option
        self.count += 1


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def moderator_client(make_user):
    from django.contrib.auth.models import Group

    from trust.permissions import MODERATORS_GROUP

    moderator = make_user(staff=True, full_name="Mo Moderator", email="mo@example.com")
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_a_plain_profile_takes_at_most_20_taps_and_an_admin_approves_it(live_server, phone, make_user):
    page = phone
    mia = make_user(musician=True, email="mia.reeds@example.com", full_name="Mia Reeds", password=PASSWORD,
                    time_zone="Europe/London")
    log_in(page, live_server.url, mia.email)
    page.goto(f"{live_server.url}/me/profile/")
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()
    assert axe_violations(page) == []
    # Nothing saved yet, but what's missing is listed with links to the fields.
    expect(page.locator("[data-problem-list] a")).to_have_count(5)

    # The first save of the bio meets a dropped connection: it is kept and retried by itself.
    # The connection stays down until the page has said so: on a loaded machine the editor's first
    # retry (1 s later) could otherwise succeed before anyone looked.
    dropped = {"n": 0, "down": True}

    def flaky(route):
        if route.request.method == "PATCH" and dropped["down"]:
            dropped["n"] += 1
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/me/profile/", flaky)

    taps = Taps()
    about = page.locator("#s-about")
    taps.tap(about.get_by_label("Headline"))
    page.keyboard.type("Tenor sax, flute and clarinet for sessions")
    taps.tap(about.get_by_label("Bio"))
    page.keyboard.type("Pit bands, horn sections and home recording.")
    taps.choose(page.locator("#s-instruments").get_by_label("Instrument", exact=True), "tenor-sax")
    expect(about.locator("[data-state]")).to_contain_text("Not saved yet: no connection")
    dropped["down"] = False
    taps.choose(page.locator("#s-genres").get_by_label("Genre", exact=True), "jazz")
    taps.tap(page.get_by_label("Hourly rate"))
    page.keyboard.type("65")
    taps.tap(page.get_by_label("Home city"))
    page.keyboard.type("London")  # typed, not picked from the suggestions
    taps.tap(page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("heading", name="Status: Waiting for review")).to_be_visible()
    expect(page.locator("[data-submit-state]")).to_contain_text("Submitted")
    assert dropped["n"] >= 1
    expect(about.locator("[data-state]")).to_contain_text("Saved at")
    # 9 taps here: headline, bio, instrument (open+pick), genre (open+pick), rate, city, submit.
    assert taps.count <= 20

    profile = MusicianProfile.objects.get(user=mia)
    assert profile.status == "pending"
    assert (profile.city, profile.latitude) == ("London, GB", 51.5074)
    assert profile.headline == "Tenor sax, flute and clarinet for sessions"
    assert profile.bio == "Pit bands, horn sections and home recording."
    assert [row.instrument.slug for row in profile.instruments.all()] == ["tenor-sax"]
    assert profile.years_experience is None
    page.reload()
    assert axe_violations(page) == []

    response = moderator_client(make_user).post(f"/api/moderation/profiles/{profile.pk}/approve/")
    assert response.status_code == 200, response.content
    page.reload()
    expect(page.get_by_role("heading", name="Status: Live")).to_be_visible()
    page.goto(f"{live_server.url}/musicians/?q=clarinet")
    expect(page.get_by_role("link", name="Mia Reeds")).to_be_visible()
    expect(page.get_by_text("0 years")).to_have_count(0)


def test_missing_items_link_to_their_fields_and_unsaved_changes_warn_before_leaving(live_server, phone, make_user):
    page = phone
    make_user(musician=True, email="ola@example.com", full_name="Ola Strings", password=PASSWORD)
    log_in(page, live_server.url, "ola@example.com")
    page.goto(f"{live_server.url}/me/profile/")
    page.get_by_label("Home city").fill("Xyzzyville")
    page.get_by_label("Home city").press("Tab")
    expect(page.locator("[data-city-state]")).to_contain_text("Pick your city from the suggestions")
    submit_state = page.locator("[data-submit-state]")
    page.get_by_role("button", name="Submit for review").tap()
    try:
        expect(submit_state).not_to_have_text("", timeout=3000)
    except AssertionError:
        # The city's suggestion list, still open after Tab, can take the first tap (seen once in CI).
        page.get_by_role("button", name="Submit for review").tap()
    expect(submit_state).to_contain_text("Not submitted yet")
    missing = page.locator("[data-problem-list] a")
    expect(missing.filter(has_text="We could not place “Xyzzyville”")).to_be_visible()
    missing.filter(has_text="hourly rate").tap()
    expect(page.get_by_label("Hourly rate")).to_be_focused()

    # Offline: the change cannot be saved, and leaving the page asks first.
    page.route("**/api/me/profile/", lambda route: route.abort("internetdisconnected"))
    page.keyboard.type("70")
    page.get_by_label("Hourly rate").press("Tab")
    expect(page.locator("#s-rates [data-state]")).to_contain_text("Not saved yet")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="View public page").tap()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/me/profile/")


def test_a_live_profile_stays_in_search_while_an_edit_waits_and_after_a_rejection(live_server, phone, make_user):
    from decimal import Decimal

    from musicians.models import Genre, Instrument, ProfileGenre, ProfileInstrument

    page = phone
    leo = make_user(musician=True, email="leo@example.com", full_name="Leo Brass", password=PASSWORD)
    profile = MusicianProfile.objects.create(
        user=leo, status="approved", headline="Trumpet for soul and funk sessions", city="London, GB",
        latitude=51.5074, longitude=-0.1278, currency="GBP", hourly_rate=Decimal("70"),
    )
    ProfileInstrument.objects.create(profile=profile, instrument=Instrument.objects.get(slug="trumpet"),
                                     is_primary=True)
    ProfileGenre.objects.create(profile=profile, genre=Genre.objects.get(slug="funk"))
    moderator = moderator_client(make_user)
    visitor = Client()

    def search(q):
        return [card["headline"] for card in visitor.get("/api/musicians/", {"q": q}).json()["results"]]

    log_in(page, live_server.url, leo.email)
    page.goto(f"{live_server.url}/me/profile/")
    expect(page.get_by_role("heading", name="Status: Live")).to_be_visible()
    headline = page.get_by_label("Headline")
    headline.fill("Trumpet and flugelhorn for soul, funk and pop")
    headline.press("Tab")
    expect(page.locator("[data-waiting]")).to_contain_text("Your changes are waiting for review")
    expect(page.locator("[data-waiting-list]")).to_contain_text(
        "Headline: “Trumpet for soul and funk sessions” → “Trumpet and flugelhorn for soul, funk and pop”")
    assert search("trumpet") == ["Trumpet for soul and funk sessions"]
    assert search("flugelhorn") == []
    assert b"Trumpet for soul and funk sessions" in visitor.get("/musicians/", {"q": "trumpet"}).content

    response = moderator.post(f"/api/moderation/profiles/{profile.pk}/reject/",
                              {"reason_code": "other", "details": "Please keep the headline to what you play."},
                              content_type="application/json")
    assert response.status_code == 200, response.content
    assert search("trumpet") == ["Trumpet for soul and funk sessions"]
    assert visitor.get(f"/musicians/{profile.pk}/").status_code == 200
    page.reload()
    expect(page.locator("[data-reason]")).to_contain_text("Please keep the headline to what you play.")
    expect(page.locator("[data-waiting-rejected]")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Submit for review").tap()
    expect(page.locator("[data-submit-state]")).to_contain_text("Sent again for review")
    assert moderator.post(f"/api/moderation/profiles/{profile.pk}/approve/").status_code == 200
    assert search("flugelhorn") == ["Trumpet and flugelhorn for soul, funk and pop"]
    page.reload()
    expect(page.locator("[data-waiting]")).to_be_hidden()


def test_a_small_town_is_suggested_while_typing_and_placed_when_saved(live_server, phone, make_user):
    page = phone
    user = make_user(musician=True, email="tam@example.com", full_name="Tam Fiddle", password=PASSWORD)
    log_in(page, live_server.url, "tam@example.com")
    page.goto(f"{live_server.url}/me/profile/")
    location = page.locator("#s-location")
    home = location.get_by_label("Home city")
    # Not on the page's short list of cities: the suggestions come from the places API as she types.
    home.fill("Hebden")
    expect(page.locator('#city-options option[value="Hebden Bridge, GB"]')).to_have_count(1)
    home.fill("Hebden Bridge, GB")
    home.press("Tab")
    expect(location.locator("[data-state]")).to_contain_text("Saved at")
    expect(location.locator("[data-city-state]")).to_have_text("")
    profile = MusicianProfile.objects.get(user=user)
    assert profile.city == "Hebden Bridge, GB"
    assert (round(profile.latitude, 1), round(profile.longitude, 1)) == (53.7, -2.0)
    # Typed in full and left before any suggestion came: the server places it all the same.
    home.fill("omagh")
    home.press("Tab")
    expect(home).to_have_value("Omagh, GB")
    expect(location.locator("[data-city-state]")).to_have_text("")
    profile.refresh_from_db()
    assert (profile.city, round(profile.latitude, 1)) == ("Omagh, GB", 54.6)
