"""Done when (issue 12, call sheets): a critical call-sheet change reaches the affected players only,
one of them confirms from the link on a 390x844 phone, and the producer's page shows who has and who
has not, with times."""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bookings.callsheets.models import CallSheetPlayer
from bookings.models import Booking
from gigbook.core import clock
from gigbook.notifications.models import Delivery, Notification
from tests.browser.test_accessibility import serious_violations
from tests.callsheets.factories import make_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "horns-and-drums-2026"
SHOTS = Path(os.environ.get("GIGBOOK_SCREENSHOTS", tempfile.gettempdir()))


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_critical_change_reaches_the_band_and_the_producer_sees_who_confirmed(
        live_server, browser, page, make_user, eager_celery):
    producer = make_user(producer=True, email="pat.sheets@example.com", full_name="Pat Producer", password=PASSWORD,
                         time_zone="Europe/London")
    start = (clock.now() + timedelta(days=5)).replace(hour=10, minute=0, second=0, microsecond=0)
    session = make_session(producer, make_user, starts_at=start)
    # Another session of the same producer, the next day: its player is not concerned.
    other = make_session(producer, make_user, starts_at=start + timedelta(days=1), venue=session.venue,
                         players=(("trumpet", "Tam Trumpet"),), email_prefix="other-")
    sax, drums = session.bookings["alto-sax"], session.bookings["drums"]
    zone = sax.zone
    Notification.objects.all().delete()

    # --- The producer, at a desk: start an hour later, and a new part for the saxophone only --------
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    producer_page = desk.new_page()
    log_in(producer_page, live_server.url, producer.email)
    producer_page.goto(f"{live_server.url}/bookings/{drums.pk}/call-sheet/")
    form = producer_page.locator("#call-sheet-form")
    new_start, new_end = sax.starts_at + timedelta(hours=1), sax.ends_at + timedelta(hours=1)
    form.get_by_label("Starts").fill(f"{new_start.astimezone(zone):%Y-%m-%dT%H:%M}")
    form.get_by_label("Ends").fill(f"{new_end.astimezone(zone):%Y-%m-%dT%H:%M}")
    form.get_by_label("New material: title").fill("Alto sax part, new bridge")
    form.locator("#material-for-new").select_option(value="i:alto-sax")
    form.get_by_label("Message to the players").fill("The strings overran: we start an hour later.")
    form.get_by_role("button", name="Save and tell the players").click()
    expect(producer_page.locator("#waiting-count")).to_have_text("3 not confirmed yet")
    assert Booking.objects.get(pk=drums.pk).starts_at == new_start  # the bookings themselves moved

    # Only the players of this session are told; the sax part only in the saxophonist's message.
    told = Notification.objects.filter(kind="callsheet_changed")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(m.pk for m in session.musicians.values())
    assert not Notification.objects.filter(recipient=other.musicians["trumpet"]).exists()
    assert "Alto sax part" in told.get(recipient=session.musicians["alto-sax"]).body
    assert "Alto sax part" not in told.get(recipient=session.musicians["drums"]).body
    # Each went out (email) through the outbox, once.
    assert Delivery.objects.filter(notification__in=told, status=Delivery.Status.SENT).count() == 3

    # --- The drummer, on a phone, from the link in the message: one tap --------------------------------
    link = told.get(recipient=session.musicians["drums"]).url
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", name="Changed: please confirm")).to_be_visible()
    expect(page.locator(".changes")).to_contain_text(
        f"Start time changed from {sax.starts_at.astimezone(zone):%H:%M} to {new_start.astimezone(zone):%H:%M}")
    expect(page.get_by_text("The strings overran: we start an hour later.")).to_be_visible()
    expect(page.get_by_text("Alto sax part")).to_have_count(0)  # not the drummer's part
    assert serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "call-sheet-phone.png"), full_page=True)
    confirm = page.get_by_role("button", name="Confirm changes")
    box = confirm.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 44  # a thumb-sized target at 390 px wide
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    confirm.click()
    expect(page.locator("#sheet-status")).to_contain_text("You confirmed the changes")
    assert not CallSheetPlayer.objects.get(booking=drums).reconfirm_needed

    # --- The producer sees who has and who has not, with times ----------------------------------------
    producer_page.reload()
    expect(producer_page.locator("#waiting-count")).to_have_text("2 not confirmed yet")
    rows = producer_page.locator("#player-states tbody tr")
    drummer = rows.filter(has_text="Dee Drums")
    expect(drummer.locator("td").nth(1)).to_contain_text("Confirmed")
    expect(drummer.locator(".confirmed")).to_have_text(re.compile(r"\d{1,2} \w{3} \d\d:\d\d"))
    expect(drummer.locator(".opened")).to_have_text(re.compile(r"\d{1,2} \w{3} \d\d:\d\d"))
    expect(drummer.locator(".delivered")).to_contain_text("Email")
    assert serious_violations(producer_page) == []
    producer_page.screenshot(path=str(SHOTS / "call-sheet-producer.png"), full_page=True)
    for name in ("Sam Sax", "Bo Bass"):
        row = rows.filter(has_text=name)
        expect(row.locator("td").nth(1)).to_contain_text("Not confirmed yet")
        expect(row.locator(".confirmed")).to_have_text("Not yet")
        expect(row.locator(".sent")).to_have_text(re.compile(r"\d{1,2} \w{3} \d\d:\d\d"))
    desk.close()
