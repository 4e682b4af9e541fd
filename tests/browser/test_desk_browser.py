"""The producer's desk in real Chromium at 1366x768: search with a window and a venue (chips, kept in
the URL), open a profile, "Book" lands on a prefilled form with the quote in view (and it stays in
view while the form scrolls); "Add to first call" works in place. Then the hold pages: the producer
pencils a player from the profile, the musician keeps and releases it on a 390x844 phone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.gigrequests.models import Favourite
from bookings.models import Hold
from tests.bookings.factories import make_profile, make_venue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "strings-and-keys-2026"
LONDON = ZoneInfo("Europe/London")
DESK = {"width": 1366, "height": 768}


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def in_viewport(locator, height=DESK["height"]) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.fixture
def cast(make_user):
    producer = make_user(producer=True, email="pat.desk@example.com", full_name="Pat Producer", password=PASSWORD,
                         time_zone="Europe/London")
    musician = make_user(musician=True, email="kim.desk@example.com", full_name="Kim Keys", password=PASSWORD,
                         time_zone="Europe/London", phone="+447911123456")
    profile = make_profile(musician, reads_chords=True)
    venue = make_venue(producer)
    make_venue(producer, name="Sunset Sound", time_zone="America/Los_Angeles", city="Los Angeles",
               latitude=34.0976, longitude=-118.3319)
    day = (datetime.now(LONDON) + timedelta(days=9)).date()
    return {"producer": producer, "musician": musician, "profile": profile, "venue": venue, "day": day}


def test_search_with_a_window_and_a_venue_then_book_with_the_quote_in_view(live_server, browser, cast):
    day = cast["day"]
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    log_in(page, live_server.url, cast["producer"].email)
    expect(page.get_by_role("heading", name="Your desk")).to_be_visible()

    page.get_by_role("link", name="Find musicians").first.click()
    form = page.locator("#search-form")
    form.get_by_label("Instrument", exact=True).select_option(label="Piano")
    form.get_by_label("From").fill(f"{day.isoformat()}T14:00")
    form.get_by_label("To", exact=True).fill(f"{day.isoformat()}T17:30")
    form.get_by_label("Your studio or venue").select_option(label="Abbey Road Studio 2 (London)")
    form.get_by_role("button", name="Search").click()

    chips = page.locator(".mus-chips")
    expect(chips).to_contain_text("Plays Piano")
    expect(chips).to_contain_text("Venue: Abbey Road Studio 2")
    expect(chips).to_contain_text("14:00")
    expect(page.get_by_role("heading", name="1 musician found")).to_be_visible()
    # The search lives in the URL: a reload (or a shared link) restores it.
    page.reload()
    expect(chips).to_contain_text("Venue: Abbey Road Studio 2")
    expect(page.get_by_role("heading", name="1 musician found")).to_be_visible()

    page.get_by_role("link", name="Kim Keys", exact=True).click()
    expect(page.get_by_role("heading", name="Kim Keys", level=1)).to_be_visible()
    # First call in place: the page does not change.
    url = page.url
    page.get_by_role("button", name="Add to first call").click()
    expect(page.get_by_text("Added to your first call")).to_be_visible()
    assert page.url == url
    assert Favourite.objects.filter(producer=cast["producer"], musician=cast["musician"],
                                    instrument__slug="piano").count() == 1

    page.get_by_role("link", name="Book this player").first.click()
    expect(page.get_by_role("heading", name="Book Kim Keys")).to_be_visible()
    booking = page.locator("#booking-form")
    expect(booking.get_by_label("Date", exact=True)).to_have_value(day.isoformat())
    expect(booking.get_by_label("Start")).to_have_value("14:00")
    expect(booking.get_by_label("End", exact=True)).to_have_value("17:30")
    expect(booking.get_by_label("Studio or venue")).to_have_value(str(cast["venue"].pk))
    expect(booking.get_by_label("Instrument")).to_have_value("piano")
    quote = page.locator("#quote-panel")
    expect(page.locator("#availability")).to_have_text("Free at this time (Europe/London).")
    expect(page.locator("#quote-body")).to_contain_text("GBP")
    assert in_viewport(quote), quote.bounding_box()
    # Still in view at the bottom of the form (sticky beside it on a desktop).
    page.get_by_role("button", name="Send offer").scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") > 200
    assert in_viewport(quote), quote.bounding_box()
    expect(page.locator("#quote-bar")).to_be_hidden()  # the phone summary bar is not for desks

    # Removing a chip drops only that filter.
    page.go_back()
    page.go_back()
    page.get_by_role("link", name="Remove filter: Venue: Abbey Road Studio 2").click()
    expect(chips).not_to_contain_text("Venue:")
    expect(chips).to_contain_text("Plays Piano")
    assert "available_from" in page.url and "venue=" not in page.url
    context.close()


def test_booking_form_on_a_phone_keeps_a_quote_summary_bar_in_view(live_server, page, cast):
    log_in(page, live_server.url, cast["producer"].email)
    day = cast["day"]
    page.goto(f"{live_server.url}/bookings/new/?musician={cast['profile'].pk}&instrument=piano"
              f"&starts_at={day.isoformat()}T13:00:00Z&ends_at={day.isoformat()}T16:00:00Z")
    expect(page.locator("#quote-body")).to_contain_text("GBP")
    bar = page.locator("#quote-bar")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Total")
    assert in_viewport(bar, height=844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_pencil_from_the_profile_then_the_musician_keeps_and_releases_it_on_a_phone(live_server, browser, page,
                                                                                    cast):
    day = cast["day"]
    context = browser.new_context(viewport=DESK)
    desk = context.new_page()
    log_in(desk, live_server.url, cast["producer"].email)
    desk.goto(f"{live_server.url}/musicians/?instrument=piano&available_from={day.isoformat()}T10:00"
              f"&available_to={day.isoformat()}T13:00&venue={cast['venue'].pk}")
    desk.get_by_role("article", name="Kim Keys").get_by_role("link", name="Pencil (hold)").click()
    expect(desk.get_by_role("heading", name="Pencil Kim Keys")).to_be_visible()
    expect(desk.get_by_label("Start")).to_have_value("10:00")
    desk.get_by_label("Lapses after").select_option(label="48 hours")
    desk.get_by_role("button", name="Place the hold").click()
    expect(desk.get_by_text("1st hold placed on Kim Keys")).to_be_visible()
    hold = Hold.objects.get()
    card = desk.locator(f"#hold-{hold.pk}")
    expect(card).to_contain_text("Waiting for the musician to keep the time")

    # The musician's phone page of that date.
    log_in(page, live_server.url, cast["musician"].email)
    page.goto(f"{live_server.url}/holds/day/{day.isoformat()}/")
    mine = page.locator(f"#hold-{hold.pk}")
    expect(mine).to_contain_text("1st hold")
    expect(mine).to_contain_text("Pat Producer")
    keep = mine.get_by_role("button", name="Keep the time")
    box = keep.bounding_box()
    assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    keep.click()
    expect(page.get_by_text("You keep the time for them")).to_be_visible()
    expect(page.locator(f"#hold-{hold.pk}")).to_contain_text("Pencilled")
    hold.refresh_from_db()
    assert hold.status == Hold.Status.HELD

    # The producer's desk shows it kept, with Confirm available to them.
    desk.goto(f"{live_server.url}/holds/")
    expect(desk.locator(f"#hold-{hold.pk}").get_by_role("button", name="Confirm booking")).to_be_visible()
    desk.goto(f"{live_server.url}/")
    expect(desk.locator("#desk-holds")).to_contain_text("1st hold on Kim Keys")

    page.locator(f"#hold-{hold.pk}").get_by_role("button", name="Release").click()
    expect(page.get_by_text("Hold released")).to_be_visible()
    expect(page.locator(f"#hold-{hold.pk}")).to_have_count(0)
    hold.refresh_from_db()
    assert hold.status == Hold.Status.RELEASED
    desk.goto(f"{live_server.url}/holds/")
    expect(desk.get_by_text("No open holds.")).to_be_visible()
    context.close()


def test_the_desk_search_and_forms_have_no_serious_accessibility_violations(live_server, page, cast):
    from tests.browser.test_accessibility import serious_violations

    log_in(page, live_server.url, cast["producer"].email)
    day, pk, venue = cast["day"].isoformat(), cast["profile"].pk, cast["venue"].pk
    carry = f"instrument=piano&starts_at={day}T13:00:00Z&ends_at={day}T16:00:00Z&venue={venue}"
    for path in ["/", f"/musicians/?instrument=piano&available_from={day}T14:00&available_to={day}T17:00&venue={venue}",
                 f"/musicians/{pk}/?{carry}", f"/bookings/new/?musician={pk}&{carry}",
                 f"/holds/new/?musician={pk}&{carry}"]:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path


def test_a_long_hold_asks_before_it_is_sent_and_goes_in_one_submit(live_server, page, cast):
    log_in(page, live_server.url, cast["producer"].email)
    page.goto(f"{live_server.url}/holds/new/?musician={cast['profile'].pk}")
    page.get_by_label("Studio or venue").select_option(str(cast["venue"].pk))
    page.get_by_label("Date", exact=True).fill(cast["day"].isoformat())
    page.get_by_label("Start").fill("10:00")
    page.get_by_label("End", exact=True).fill("13:00")
    question = page.locator("#confirm-long-field")
    expect(question).to_be_hidden()
    page.get_by_label("End", exact=True).fill("23:30")  # 13.5 hours
    expect(question).to_be_visible()
    expect(question).to_contain_text("really runs 13.5 hours")
    page.get_by_label("End", exact=True).fill("21:00")  # 11 hours: no question, and no stale yes
    expect(question).to_be_hidden()
    page.get_by_label("End", exact=True).fill("23:30")
    question.get_by_role("checkbox").check()
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_text("1st hold placed on Kim Keys")).to_be_visible()
    hold = Hold.objects.get()
    assert (hold.ends_at - hold.starts_at) == timedelta(hours=13, minutes=30)
