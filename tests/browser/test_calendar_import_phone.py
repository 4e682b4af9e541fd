"""Calendar import on a small phone (360×740): paste an address, the calendar is read, the section shows
"last synced" and the busy count, then a failing feed's error in plain words; nothing overflows sideways."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from musicians.calendar_import.models import ImportedCalendar
from tests.calendar_import.conftest import FeedServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "reeds-and-brass-2026"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def feeds():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_a_musician_imports_a_calendar_from_a_phone(live_server, browser, make_user, feeds, eager_celery,
                                                    frozen_clock):
    from tests.calendar_import.conftest import NOW

    frozen_clock.set(NOW)
    mia = make_user(musician=True, email="mia@example.com", password=PASSWORD, full_name="Mia Reeds",
                    time_zone="Europe/London")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(mia.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{live_server.url}/me/profile/#s-calendars")
    section = page.locator("#s-calendars")
    expect(section.get_by_text("No calendar imported.")).to_be_visible()
    section.get_by_label("Calendar address").fill(feeds.url("/google.ics"))
    section.get_by_label("Name (optional)").fill("Band")
    section.get_by_role("button", name="Add calendar").tap()
    # The first sync ran after the add committed (eager Celery here; a worker in production).
    expect(page.get_by_text("Calendar added.")).to_be_visible()
    page.reload()
    item = page.locator("#s-calendars .cal-item")
    expect(item).to_contain_text("Band")
    expect(item).to_contain_text("Last synced")
    expect(item).to_contain_text("5 busy times in the next months")
    assert "google.ics" not in page.content()
    assert ImportedCalendar.objects.get().busy_count == 5

    feeds.broken["/google.ics"] = "html"
    item.get_by_role("button", name="Sync now").tap()
    expect(page.locator("#s-calendars .cal-error")).to_have_text(
        "Last try failed: This address did not return a calendar (it looks like a web page or another file). "
        "Copy the calendar's public or secret address again.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = Axe().run(page, context="#s-calendars").response["violations"]
    assert [v["id"] for v in violations] == []
    context.close()
