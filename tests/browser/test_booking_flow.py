"""End to end: a producer books a player in the browser, the player accepts on a 390x844 phone from
the SMS link, and both calendar feeds then carry the booking (parsed back with icalendar)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from gigbook.notifications.models import Notification
from tests.bookings.factories import make_profile, make_venue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "strings-and-keys-2026"
LONDON = ZoneInfo("Europe/London")


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_producer_books_and_musician_accepts_on_the_phone(live_server, browser, page, make_user):
    producer = make_user(producer=True, email="pat.books@example.com", full_name="Pat Producer", password=PASSWORD,
                         time_zone="Europe/London")
    musician = make_user(musician=True, email="kim.keys@example.com", full_name="Kim Keys", password=PASSWORD,
                         time_zone="Europe/London", phone="+447911123456")
    profile = make_profile(musician)
    make_venue(producer)
    day = (datetime.now(LONDON) + timedelta(days=7)).date()

    # --- The producer, at a desk ---------------------------------------------------------------
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    producer_page = desk.new_page()
    log_in(producer_page, live_server.url, producer.email)
    producer_page.goto(f"{live_server.url}/bookings/new/?musician={profile.pk}")
    expect(producer_page.get_by_role("heading", name="Book Kim Keys")).to_be_visible()
    form = producer_page.locator("#booking-form")
    form.get_by_label("Studio or venue").select_option(label="Abbey Road Studio 2 (London)")
    form.get_by_label("Date", exact=True).fill(day.isoformat())
    form.get_by_label("Start").fill("14:00")
    form.get_by_label("End", exact=True).fill("17:30")
    form.get_by_label("Style").fill("Gospel organ, big chords")
    form.get_by_label("Cartage").fill("40")
    # The live quote and availability come from the API while the form is filled in.
    expect(producer_page.locator("#availability")).to_have_text("Free at this time (Europe/London).")
    expect(producer_page.locator("#quote-body")).to_contain_text("215.00 GBP")
    producer_page.get_by_role("button", name="Send offer").click()
    expect(producer_page.locator("#booking-status")).to_have_text("Offered")
    booking = Booking.objects.get()
    assert booking.local_starts_at == datetime.combine(day, datetime.min.time().replace(hour=14), tzinfo=LONDON)

    # --- The musician, on a phone, from the SMS link (no password) ------------------------------
    link = Notification.objects.get(recipient=musician, kind="booking_offered").url
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="Piano for Pat Producer")).to_be_visible()
    expect(page.get_by_text("Gospel organ, big chords")).to_be_visible()
    accept = page.get_by_role("button", name="Accept")
    box = accept.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 56  # a thumb-sized target at 390 px wide
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    accept.click()
    expect(page.get_by_role("status")).to_contain_text("You accepted this booking")

    producer_page.reload()
    expect(producer_page.locator("#booking-status")).to_have_text("Accepted")

    # --- Both calendars ------------------------------------------------------------------------
    log_in(page, live_server.url, musician.email)
    page.goto(f"{live_server.url}/gigs/")
    expect(page.locator(f'[data-booking="{booking.pk}"]')).to_contain_text("Piano")
    feeds = {
        "musician": page.locator("#feed-url").input_value(),
        "producer": (producer_page.goto(f"{live_server.url}/bookings/"),
                     producer_page.locator("#feed-url").input_value())[1],
    }
    for who, url in feeds.items():
        response = page.request.get(url)
        assert response.status == 200, who
        cal = icalendar.Calendar.from_ical(response.body())
        [event] = cal.walk("VEVENT")
        assert str(event["UID"]).startswith(f"booking-{booking.pk}@"), who
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTSTART") == booking.local_starts_at
        assert str(event["STATUS"]) == "CONFIRMED"
    desk.close()
