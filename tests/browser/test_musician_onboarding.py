"""The whole way in on a 360×740 phone, as one person: sign up with a national-format number and the
detected time zone, land on the checklist, build a plain profile from it in counted taps, submit it,
and a moderator approves it: the player is then found in search."""

import pytest
from playwright.sync_api import expect

from gigbook.accounts.models import User
from musicians.models import MusicianProfile
from tests.browser.test_account_phone import PHONE, fits
from tests.browser.test_profile_editor_phone import Taps, moderator_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "double-bass-and-tuba-2026"


@pytest.fixture
def london_phone(browser):
    context = browser.new_context(**PHONE, timezone_id="Europe/London", locale="en-GB")
    yield context.new_page()
    context.close()


def test_sign_up_to_an_approved_profile_in_search_on_a_phone(live_server, london_phone, make_user):
    page = london_phone
    taps = Taps()
    page.goto(f"{live_server.url}/signup/")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")  # detected, not typed
    taps.tap(page.get_by_label("Full name"))
    page.keyboard.type("Nia Lowe")
    taps.tap(page.get_by_label("Email"))
    page.keyboard.type("nia@example.com")
    taps.tap(page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    taps.tap(page.get_by_label("I play sessions (musician)"))
    taps.tap(page.get_by_label("Mobile number (optional)"))
    page.keyboard.type("07700 900321")  # national format; the country follows the zone
    taps.tap(page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("heading", name="Finish your profile")).to_be_visible()
    user = User.objects.get(email="nia@example.com")
    assert (user.phone, user.time_zone) == ("+447700900321", "Europe/London")

    # From the checklist into the editor, then a plain profile.
    taps.tap(page.get_by_role("link", name="Headline"))
    about = page.locator("#s-about")
    expect(about).to_be_visible()
    taps.tap(about.get_by_label("Headline"))
    page.keyboard.type("Double bass and tuba for sessions and pits")
    taps.tap(about.get_by_label("Bio"))
    page.keyboard.type("Upright and electric bass, tuba doubles, reads anything.")
    taps.choose(page.locator("#s-instruments").get_by_label("Instrument", exact=True), "double-bass")
    taps.choose(page.locator("#s-genres").get_by_label("Genre", exact=True), "jazz")
    taps.tap(page.get_by_label("Hourly rate"))
    page.keyboard.type("70")
    taps.tap(page.get_by_label("Home city"))
    page.keyboard.type("London")
    taps.tap(page.get_by_role("button", name="Submit for review"))
    expect(page.get_by_role("heading", name="Status: Waiting for review")).to_be_visible()
    print(f"sign-up to submitted profile: {taps.count} taps")  # noqa: T201 - the figure is the report
    assert taps.count <= 20
    assert fits(page)

    profile = MusicianProfile.objects.get(user=user)
    assert profile.status == "pending"
    response = moderator_client(make_user).post(f"/api/moderation/profiles/{profile.pk}/approve/")
    assert response.status_code == 200, response.content
    page.reload()
    expect(page.get_by_role("heading", name="Status: Live")).to_be_visible()
    page.goto(f"{live_server.url}/musicians/?instrument=double-bass")
    expect(page.get_by_role("link", name="Nia Lowe")).to_be_visible()
