"""The engagement offer on a phone (390×844): from the link in the message, the musician unticks the
date they cannot do and accepts the rest in two taps; the page passes axe and fits the screen; the
producer's desk page then shows each date's status."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bookings.engagements.models import Engagement
from gigbook.notifications.models import Notification
from tests.bookings.engagement_helpers import date_bookings, offer_engagement
from tests.bookings.factories import make_profile, make_venue
from tests.browser.test_phone_pages import violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "pw-Str0ng-enough"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_the_musician_takes_two_of_three_dates_in_two_taps(live_server, browser, phone, producer, musician):
    profile = make_profile(musician)
    engagement = offer_engagement(producer, profile, make_venue(producer), allow_partial=True)
    first, second, third = date_bookings(engagement)
    link = Notification.objects.get(recipient=musician, kind="booking_engagement_offered").url

    page = phone
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="Summer run")).to_be_visible()
    expect(page.locator(".date-card")).to_have_count(3)
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    taps = 0
    page.locator(f'.date-card[data-booking="{second.pk}"] input[type=checkbox]').tap()
    taps += 1
    page.get_by_role("button", name="Accept ticked dates").tap()
    taps += 1
    expect(page.get_by_role("status")).to_contain_text("You answered this offer")
    assert taps == 2
    cards = page.locator(".date-card")
    expect(cards.nth(0)).to_contain_text("Accepted")
    expect(cards.nth(1)).to_contain_text("Declined")
    expect(cards.nth(2)).to_contain_text("Accepted")
    assert violations(page) == []
    assert [b.status for b in date_bookings(engagement)] == ["accepted", "declined", "accepted"]
    assert Engagement.objects.get(pk=engagement.pk).status == "answered"

    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.get_by_label("Email").fill(producer.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    rows = desk.locator("table.engagement-dates tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Accepted")
    expect(rows.nth(1)).to_contain_text("Declined")
    expect(rows.nth(1)).to_contain_text("1 travel day")
    expect(rows.nth(2)).to_contain_text("Cancel this date")
    assert violations(desk) == []
    desk.context.close()
    assert first.pk != third.pk


def test_declining_asks_first_then_declines_every_date(live_server, phone, producer, musician):
    engagement = offer_engagement(producer, make_profile(musician), make_venue(producer), allow_partial=False)
    link = Notification.objects.get(recipient=musician, kind="booking_engagement_offered").url
    page = phone
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("button", name="Accept all 3 dates")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, decline all 3 dates")).to_be_hidden()
    page.get_by_text("Decline all…").tap()
    page.get_by_label("Note for Pat Producer (optional)").fill("Away on tour")
    page.get_by_role("button", name="Yes, decline all 3 dates").tap()
    expect(page.locator(".date-card").first).to_contain_text("Declined")
    assert violations(page) == []
    assert [b.status for b in date_bookings(engagement)] == ["declined"] * 3


def test_the_producer_form_adds_date_rows_and_passes_axe(live_server, browser, producer):
    make_venue(producer)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.get_by_label("Email").fill(producer.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/engagements/new/")
    expect(desk.locator("fieldset.date-row")).to_have_count(3)
    desk.get_by_role("button", name="Add a date").click()
    expect(desk.locator("fieldset.date-row")).to_have_count(4)
    expect(desk.locator("fieldset.date-row legend").last).to_have_text("Date 4")
    assert violations(desk) == []
    desk.context.close()


def test_the_producer_withdraws_dates_then_the_offer_and_the_phone_link_says_so(live_server, browser, phone,
                                                                               producer, musician):
    profile = make_profile(musician)
    engagement = offer_engagement(producer, profile, make_venue(producer), allow_partial=False)
    first, second, third = date_bookings(engagement)
    link = Notification.objects.get(recipient=musician, kind="booking_engagement_offered").url

    desk = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.get_by_label("Email").fill(producer.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    desk.get_by_text("Withdraw the offer…").click()
    withdraw = desk.locator("#withdraw")
    withdraw.get_by_label("Date 1:").uncheck()
    withdraw.get_by_label("Note for Mia Musician (optional)").fill("Leeds and Glasgow are off")
    assert violations(desk) == []
    withdraw.get_by_role("button", name="Withdraw the offer").click()
    expect(desk.get_by_text("Dates withdrawn. Mia Musician has been told; the other dates are still offered."))\
        .to_be_visible()
    expect(desk.locator(f'tr[data-booking="{second.pk}"]')).to_contain_text("Withdrawn")
    expect(desk.locator(f'tr[data-booking="{first.pk}"]')).to_contain_text("Offered")
    assert [b.status for b in date_bookings(engagement)] == ["offered", "withdrawn", "withdrawn"]
    message = Notification.objects.get(recipient=musician, kind="booking_engagement_withdrawn")
    assert "Sun 06 Jun 2027, 19:00–22:00 (Europe/London)" in message.body
    assert "Leeds and Glasgow are off" in message.body

    # On the phone the one date left is what accepting takes.
    phone.goto(f"{live_server.url}{link}")
    expect(phone.get_by_role("button", name="Accept this date")).to_be_visible()
    expect(phone.locator(f'.date-card[data-booking="{second.pk}"]')).to_contain_text("Withdrawn")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The producer withdraws the rest: one open date, so no ticks, just the button.
    desk.get_by_text("Withdraw the offer…").click()
    desk.locator("#withdraw").get_by_role("button", name="Withdraw the offer").click()
    expect(desk.get_by_text("Offer withdrawn. Mia Musician has been told.")).to_be_visible()
    expect(desk.locator("#engagement-state")).to_contain_text("You withdrew this offer")
    expect(desk.get_by_text("Withdraw the offer…")).to_have_count(0)
    assert Engagement.objects.get(pk=engagement.pk).status == "withdrawn"
    assert Notification.objects.filter(recipient=musician, kind="booking_engagement_withdrawn").count() == 2

    phone.reload()
    expect(phone.get_by_role("status")).to_contain_text("Pat Producer withdrew this offer: there is nothing to answer.")
    expect(phone.get_by_role("button", name=re.compile("Accept"))).to_have_count(0)
    assert violations(phone) == []
    desk.context.close()
