"""Sign up, log out, log in and read the inbox in real headless Chromium at a phone viewport."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_sign_up_log_in_and_see_the_inbox_on_a_phone(live_server, page):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").first.click()

    # Bad input first: messages appear next to the fields and nothing typed is lost.
    page.get_by_label("Full name").fill("Lena Strings")
    page.get_by_label("Email").fill("lena@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_label("I play sessions (musician)").check()
    page.get_by_label("Mobile number (optional)").fill("12345")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#id_phone_error")).to_contain_text("not a valid phone number")
    expect(page.get_by_label("Full name")).to_have_value("Lena Strings")

    page.get_by_label("Password").fill("cello-and-viola-2026")
    page.get_by_label("Mobile number (optional)").fill("+44 7911 123456")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Country of your mobile number").select_option("GB")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to GigBook, Lena Strings!")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My gigs")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("lena@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-errors")).to_be_visible()
    page.get_by_label("Password").fill("cello-and-viola-2026")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Inbox 1 unread")).click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    welcome = page.locator(".inbox-list .inbox-item").first
    expect(welcome).to_contain_text("Welcome to GigBook")
    expect(welcome).to_have_class(re.compile("unread"))
    welcome.locator("summary").click()  # one line per message: the body opens on tap
    welcome.get_by_role("button", name="Mark as read").click()
    expect(page.locator(".inbox-list .inbox-item.unread")).to_have_count(0)

    # The page fits a 390 px wide phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
