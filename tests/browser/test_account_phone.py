"""Sign-up and the account page on a 360×740 phone: detected time zone, national phone number, the
checklist, phone verification by code, message settings; axe finds nothing on either page."""

import re
from datetime import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from gigbook.accounts.models import User
from gigbook.notifications import preferences
from gigbook.notifications.sms import MemorySMSBackend

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PASSWORD = "cello-and-viola-2026"


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v.get('impact')}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def london_phone(browser):
    """A phone whose clock says Europe/London (what Intl reports to the page)."""
    context = browser.new_context(**PHONE, timezone_id="Europe/London", locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


def _code_sent_to(number: str) -> str:
    texts = [m["text"] for m in MemorySMSBackend.outbox if m["to"] == number]
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def test_sign_up_on_a_phone_detects_the_zone_reads_a_national_number_and_lands_on_the_checklist(
    live_server, london_phone, eager_celery
):
    page = london_phone
    page.goto(f"{live_server.url}/signup/")
    # Detected from the browser, and the phone country follows the zone.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    expect(page.locator("#tz-detected")).to_contain_text("Detected from this device: Europe/London")
    expect(page.get_by_label("Country of your mobile number")).to_have_value("GB")
    assert violations(page) == [] and fits(page)

    page.get_by_label("Full name").fill("Lena Strings")
    page.get_by_label("Email").fill("lena@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_label("I play sessions (musician)").check()
    page.get_by_label("Mobile number (optional)").fill("07700 900123")
    page.get_by_role("button", name="Sign up").click()
    # The error keeps everything typed except the password, and says so.
    expect(page.locator("#id_password_error")).to_be_visible()
    expect(page.locator("#id_password_note")).to_contain_text("type it again")
    expect(page.get_by_label("Full name")).to_have_value("Lena Strings")
    expect(page.get_by_label("Mobile number (optional)")).to_have_value("07700 900123")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    expect(page.get_by_label("Password")).to_have_value("")
    assert violations(page) == [] and fits(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Finish your profile")).to_be_visible()
    expect(page.locator("#steps-left")).to_contain_text("9 steps left")
    expect(page.get_by_role("link", name="Headline")).to_have_attribute("href", "/me/profile/#field-headline")
    user = User.objects.get(email="lena@example.com")
    assert (user.phone, user.time_zone, user.phone_verified) == ("+447700900123", "Europe/London", False)

    # The code texted at sign-up confirms the number from the checklist.
    page.get_by_label("6-digit code from the text we sent").fill(_code_sent_to("+447700900123"))
    page.get_by_role("button", name="Confirm number").click()
    expect(page.get_by_text("Your mobile number +447700900123 is confirmed")).to_be_visible()
    user.refresh_from_db()
    assert user.phone_verified
    assert violations(page) == [] and fits(page)


def test_account_page_on_a_phone(live_server, london_phone, make_user, eager_celery):
    page = london_phone
    make_user(musician=True, email="mia@example.com", full_name="Mia Musician", password=PASSWORD,
              time_zone="Europe/London")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("mia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert violations(page) == [] and fits(page)

    name = page.locator("#name")
    name.get_by_label("Name shown to people").fill("DJ Mia")
    name.get_by_role("button", name="Save name and time zone").click()
    expect(page.get_by_text("Saved your name and time zone.")).to_be_visible()

    phone = page.locator("#phone")
    phone.get_by_label("Mobile number", exact=True).fill("0770")
    phone.get_by_role("button", name="Text me a code").click()
    expect(page.locator("#id_phone-phone_error")).to_contain_text("not a valid phone number for the country chosen")
    expect(page.locator("#phone").get_by_label("Mobile number", exact=True)).to_have_value("0770")
    assert violations(page) == [] and fits(page)
    page.locator("#phone").get_by_label("Mobile number", exact=True).fill("07700 900456")
    page.locator("#phone").get_by_role("button", name="Text me a code").click()
    expect(page.get_by_text("We texted a 6-digit code to +447700900456")).to_be_visible()
    page.locator("#phone").get_by_label("6-digit code").fill("000000" if _code_sent_to("+447700900456") != "000000" else "111111")
    page.locator("#phone").get_by_role("button", name="Confirm number").click()
    expect(page.locator("#id_code-code_error")).to_contain_text("That code is not right")
    page.locator("#phone").get_by_label("6-digit code").fill(_code_sent_to("+447700900456"))
    page.locator("#phone").get_by_role("button", name="Confirm number").click()
    expect(page.get_by_text("Texts go to +447700900456 (confirmed)")).to_be_visible()

    messages = page.locator("#notifications")
    messages.locator("fieldset", has_text="Reviews").get_by_label("Text (SMS)").uncheck()
    messages.get_by_label("Quiet from").fill("22:00")
    messages.get_by_label("Quiet until").fill("07:00")
    messages.get_by_role("button", name="Save message settings").click()
    expect(page.get_by_text("Saved your message settings.")).to_be_visible()
    user = User.objects.get(email="mia@example.com")
    assert user.greeting_name == "DJ Mia"
    assert (user.quiet_hours_start, user.quiet_hours_end) == (time(22, 0), time(7, 0))
    reviews = preferences.preferences_for(user)["reviews"]
    assert (reviews["email"], reviews["sms"]) == (True, False)
    assert violations(page) == [] and fits(page)
