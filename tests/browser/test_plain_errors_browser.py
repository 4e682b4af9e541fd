"""Issue 11, "errors in people's words", in real Chromium at 1366x768.

A bad short-notice form shows every field error at once, each next to its field, in plain words
(no underscore, no "ISO" or other format name, no API field name); the pickers say which zone they
are read in; the currency is a select; a chair that nobody matches cannot be sent, and the form
offers what would widen it.
"""

import pytest
from playwright.sync_api import expect

from bookings.gigrequests.api.serializers import GigRequestInputSerializer
from tests.core.plain_words import problems
from tests.gigrequests.factories import NOW, Players, make_venue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
FIELD_NAMES = set(GigRequestInputSerializer().fields) | {"instrument", "count", "musicians"}


@pytest.fixture
def desk(live_server, browser, client, producer):
    client.force_login(producer)
    context = browser.new_context(**DESKTOP)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    yield page
    context.close()


def test_a_bad_short_notice_form_shows_every_error_at_once_in_plain_words(live_server, desk, frozen_clock, producer):
    frozen_clock.set(NOW)  # 1 June 2027, 21:00 in London
    make_venue(producer)
    desk.goto(f"{live_server.url}/gig-requests/new/")

    expect(desk.get_by_label("Currency")).to_have_js_property("tagName", "SELECT")
    desk.get_by_label("Starts").fill("2027-06-02T10:00")
    desk.get_by_label("Ends").fill("2027-06-02T09:00")  # before the start
    expect(desk.locator("#zone-note")).to_have_text("Times are London time (BST).")
    desk.get_by_label("How many", exact=True).fill("0")
    desk.get_by_label("Minutes each player has (call lists)").fill("0")
    desk.get_by_label("Tightening: ask everyone left this many hours before the start").fill("500")
    # The fee is left empty.
    desk.get_by_role("button", name="See who will be asked").click()

    errors = desk.locator(".error[data-api-error]")
    expect(errors).to_have_count(5)
    expected = {
        "#ends_at": "The end must be after the start.",
        "#rate": "Fill this in.",
        "#time_box_minutes": "Enter 1 or more.",
        ".chair-count": "Enter 1 or more.",
        "#broadcast_threshold_hours": "Enter 168 or less.",
    }
    for selector, text in expected.items():
        field = desk.locator(selector).first
        expect(field).to_have_attribute("aria-invalid", "true")
        described = desk.locator(f"#{field.get_attribute('aria-describedby')}")
        expect(described).to_have_text(text)
        # Next to its field: inside the same field box, right under the input.
        assert described.evaluate("(p, id) => p.closest('.field') === document.querySelector(id).closest('.field')",
                                  selector if selector.startswith("#") else f"#{field.get_attribute('id')}")
    expect(desk.locator("#form-error")).to_contain_text("5 things need changing")
    texts = errors.all_inner_texts() + [desk.locator("#form-error").inner_text()]
    bad = {text: problems(text, FIELD_NAMES) for text in texts if problems(text, FIELD_NAMES)}
    assert not bad
    expect(desk.locator("#preview")).to_be_hidden()

    # Fixed, the same form goes through; the old messages go away.
    desk.get_by_label("Ends").fill("2027-06-02T13:00")
    desk.get_by_label("How many", exact=True).fill("1")
    desk.get_by_label("Minutes each player has (call lists)").fill("10")
    desk.get_by_label("Tightening: ask everyone left this many hours before the start").fill("12")
    desk.get_by_label("Fee offered").fill("50")
    desk.get_by_role("button", name="See who will be asked").click()
    expect(desk.locator("#preview")).to_be_visible()
    expect(errors).to_have_count(0)


def test_a_chair_nobody_matches_cannot_be_sent_and_the_form_offers_to_widen(
        live_server, desk, frozen_clock, producer, make_user):
    frozen_clock.set(NOW)
    make_venue(producer)
    Players(make_user)("Dee Bass", hourly="70.00")  # above the offer
    desk.goto(f"{live_server.url}/gig-requests/new/")
    desk.get_by_label("Starts").fill("2027-06-02T10:00")
    desk.get_by_label("Ends").fill("2027-06-02T13:00")
    desk.get_by_label("Fee offered").fill("50")
    desk.get_by_role("button", name="See who will be asked").click()

    group = desk.locator("#preview-groups section")
    expect(group).to_contain_text("Nobody matches the bass guitar chair, so this request cannot be sent yet.")
    expect(group).to_contain_text("1 player if you offer up to 70.00 GBP an hour.")
    expect(desk.get_by_role("button", name="Send the request")).to_be_disabled()

    group.get_by_role("button", name="Do this").click()
    expect(desk.get_by_label("Up to (optional)")).to_have_value("70.00")
    expect(desk.locator(".candidate-list > li")).to_have_count(1)
    expect(desk.get_by_role("button", name="Send the request")).to_be_enabled()
