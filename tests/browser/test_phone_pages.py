"""The musician's phone pages at 360 px: the offer page (open and accepted), the Offers page, My gigs
and the inbox have no axe violations at all, fit the screen, and put the money before Accept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from gigbook.core import clock
from gigbook.notifications.models import Notification
from gigbook.notifications.services import notify
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "pw-Str0ng-enough"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_offer_offers_my_gigs_and_inbox_pages_pass_axe_at_360px(live_server, phone, producer, musician):
    page = phone
    profile = make_profile(musician)
    venue = make_venue(producer)
    start = (clock.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = offer(producer, profile, venue=venue, starts_at=start, cartage_fee="40")
    later = offer(producer, profile, venue=venue, starts_at=start + timedelta(days=2))
    for n in range(8):
        notify(recipient=musician, kind="offer", title=f"Message {n}: a rather long subject line for a phone",
               body="Line one\nLine two " * 20, url="/gigs/")

    link = Notification.objects.filter(recipient=musician, kind="booking_offered").order_by("id").first().url
    page.goto(f"{live_server.url}{link}")
    total = page.locator(".money-total")
    accept = page.get_by_role("button", name="Accept")
    expect(total).to_contain_text(f"{booking.fee_total:.2f} GBP")
    assert total.bounding_box()["y"] < accept.bounding_box()["y"] < 740  # money, then Accept, above the fold
    expect(page.locator(".money-breakdown table")).to_be_hidden()
    page.get_by_text("How the fee adds up").click()
    expect(page.locator(".money-breakdown")).to_contain_text("Cartage")
    assert violations(page) == [] and fits(page)
    page.get_by_text("Decline…").click()
    expect(page.get_by_role("button", name="Yes, decline")).to_be_visible()
    expect(page.get_by_label("Then recommend a colleague for this gig")).to_be_visible()
    assert violations(page) == []
    accept.click()
    expect(page.get_by_role("status")).to_contain_text("You accepted this booking")
    expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
    expect(page.get_by_role("link", name="See my gigs")).to_be_visible()
    expect(page.get_by_role("link", name="Directions")).to_have_attribute("href", re.compile(r"google\.com/maps/dir/"))
    assert violations(page) == [] and fits(page)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(musician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path in ("/gigs/", "/offers/", "/inbox/"):
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path
        assert fits(page), path
    # Inbox: one line per message, the body opens on tap.
    first = page.locator(".inbox-item").first
    box = first.bounding_box()
    assert box["height"] < 60
    expect(first.locator(".inbox-body")).to_be_hidden()
    first.locator("summary").tap()
    expect(first.locator(".inbox-body")).to_be_visible()  # newest first: the booking confirmation
    expect(first.locator(".inbox-body")).to_contain_text("The booking is confirmed")
    assert violations(page) == []
    page.goto(f"{live_server.url}/offers/")
    expect(page.locator(f'[data-booking="{later.pk}"]')).to_contain_text(f"{later.fee_total:.2f} GBP")
    page.goto(f"{live_server.url}/gigs/")
    card = page.locator(f'[data-booking="{booking.pk}"]')
    expect(card).to_contain_text("Call time")
    expect(card).to_contain_text("Pat Producer")
    with page.expect_download() as download:
        card.get_by_role("link", name="Add to calendar").click()
    assert download.value.suggested_filename == f"gigbook-{booking.pk}.ics"
