"""The short-notice story in real Chromium, with a real Celery worker, Redis, SMTP, SMS files and a moved clock.

9 pm: the producer posts tomorrow's bass chair as a call list (desktop). The first player declines
on a 390x844 phone page opened from the link in their text; the second player's time box runs out;
the third accepts on their phone. The producer's page shows every step without a reload, and
everybody gets the right messages exactly once.
"""

import re
from collections import Counter
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bookings.gigrequests.models import GigRequest
from bookings.gigrequests.tasks import sweep_gig_requests
from bookings.models import Booking
from tests.gigrequests.factories import NOW, Players, make_venue
from tests.gigrequests.story import all_delivered, emails_to, inbox_kinds, offer_link_path, sms_to, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser,
              pytest.mark.worker]


@pytest.fixture
def contexts(browser):
    """Browser contexts closed at the end, so no polling page keeps a server thread (and its
    database connection) alive past the test."""
    opened = []

    def new(**args):
        context = browser.new_context(**args)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def logged_in(contexts, live_server, client, user, **context_args):
    client.force_login(user)
    context = contexts(**context_args)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def serious_violations(page):
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def invitee(page, name):
    return page.locator("[data-invitation]", has_text=name).locator(".state")


def test_producer_fills_a_chair_from_a_call_list_while_players_answer_on_their_phones(
    live_server, contexts, browser_context_args, client, frozen_clock, producer, make_user, smtp_server,
    celery_worker_process, tmp_path,
):
    frozen_clock.set(NOW)
    sms_dir = tmp_path / "sms"
    celery_worker_process(env={"EMAIL_URL": smtp_server.url, "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
                               "SMS_FILE_PATH": str(sms_dir)})
    make_venue(producer)
    players = Players(make_user)
    ann, ben, cat = (players(name, lat_lng=(51.5330 - n / 100, -0.1790), email=f"{name.split()[0].lower()}@example.com")
                     for n, name in enumerate(["Ann Bass", "Ben Bass", "Cat Bass"]))

    desk = logged_in(contexts, live_server, client, producer, viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/gig-requests/")
    desk.get_by_role("link", name="New request").click()
    desk.get_by_label("Starts").fill("2027-06-02T10:00")
    desk.get_by_label("Ends").fill("2027-06-02T13:00")
    desk.get_by_label("Answer by (optional)").fill("2027-06-02T09:00")
    desk.get_by_label("Fee offered").fill("50")
    desk.get_by_label("Style").fill("Late-night soul")
    desk.get_by_label("Minutes each player has (call lists)").fill("10")
    desk.get_by_role("button", name="See who will be asked").click()

    candidates = desk.locator(".candidate-list > li")
    expect(candidates).to_have_count(3)
    expect(candidates.first).to_contain_text("Ann Bass")
    # The list can be edited before sending: Cat up one, then back down.
    desk.get_by_role("button", name="Move Cat Bass up").click()
    expect(candidates.nth(1)).to_contain_text("Cat Bass")
    desk.get_by_role("button", name="Move Cat Bass down").click()
    expect(candidates.nth(2)).to_contain_text("Cat Bass")
    expect(desk.locator("#preview-summary")).to_contain_text("each player has 10 minutes")
    assert serious_violations(desk) == []
    desk.get_by_role("button", name="Send the request").click()

    expect(desk).to_have_url(re.compile(r"/gig-requests/\d+/$"))
    expect(invitee(desk, "Ann Bass")).to_have_text("Delivered", timeout=15000)
    expect(invitee(desk, "Ben Bass")).to_have_text("Waiting their turn")

    # Ann, on her phone, opens the link from her text message and declines.
    wait_for(lambda: len(sms_to(sms_dir, ann.user.phone)) == 1, message="Ann's text")
    phone = contexts(**browser_context_args).new_page()
    phone.goto(f"{live_server.url}{offer_link_path(sms_dir, ann.user.phone)}")
    expect(phone.get_by_role("heading", name="Bass guitar for Pat Producer")).to_be_visible()
    expect(phone.locator(".answer-by")).to_contain_text("Answer by Tue 01 Jun, 21:10")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(phone) == []
    expect(invitee(desk, "Ann Bass")).to_have_text("Seen", timeout=10000)
    # The total for the slot comes first (not only the hourly rate); Decline asks before it acts.
    expect(phone.locator(".money-total")).to_be_visible()
    phone.get_by_text("Decline…").click()
    phone.get_by_label("Note for Pat Producer (optional)").fill("In Leeds tomorrow, sorry")
    phone.get_by_role("button", name="Yes, decline").click()
    expect(phone.locator("#offer-status")).to_contain_text("You declined this offer")

    expect(invitee(desk, "Ann Bass")).to_have_text("Declined", timeout=10000)
    expect(desk.locator("[data-invitation]", has_text="Ann Bass")).to_contain_text("In Leeds tomorrow, sorry")
    expect(invitee(desk, "Ben Bass")).to_have_text("Delivered", timeout=15000)

    # Ben never answers: his ten minutes pass and beat's sweep (run here on the worker) moves on.
    frozen_clock.advance(timedelta(minutes=10))
    sweep_gig_requests.delay()
    expect(invitee(desk, "Ben Bass")).to_have_text("Timed out", timeout=15000)
    expect(invitee(desk, "Cat Bass")).to_have_text("Delivered", timeout=15000)

    wait_for(lambda: len(sms_to(sms_dir, cat.user.phone)) == 1, message="Cat's text")
    cat_phone = contexts(**browser_context_args).new_page()
    cat_phone.goto(f"{live_server.url}{offer_link_path(sms_dir, cat.user.phone)}")
    cat_phone.get_by_role("button", name="Accept").click()
    expect(cat_phone.locator("#offer-status")).to_contain_text("You’re booked")
    assert cat_phone.evaluate("document.documentElement.scrollWidth") <= 390

    expect(invitee(desk, "Cat Bass")).to_have_text("Accepted", timeout=10000)
    expect(desk.locator("#request-status")).to_have_text("Filled")
    expect(desk.locator("#chairs")).to_contain_text("Bass guitar 1: filled by Cat Bass")

    # The same live page works on a phone.
    producer_phone = logged_in(contexts, live_server, client, producer, **browser_context_args).new_page()
    producer_phone.goto(desk.url)
    expect(invitee(producer_phone, "Cat Bass")).to_have_text("Accepted")
    assert producer_phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(producer_phone) == []

    wait_for(all_delivered, message="every message delivered")
    assert Booking.objects.get().musician == cat.user
    assert GigRequest.objects.get().status == GigRequest.Status.FILLED
    assert inbox_kinds(ann.user) == Counter({"gig_request_offer": 1})
    assert inbox_kinds(ben.user) == Counter({"gig_request_offer": 1, "gig_request_filled": 1})
    assert inbox_kinds(cat.user) == Counter({"gig_request_offer": 1, "booking_accepted": 1})
    assert inbox_kinds(producer) == Counter({"booking_accepted": 1})
    for user, count in ((ann.user, 1), (ben.user, 2), (cat.user, 2)):
        assert len(sms_to(sms_dir, user.phone)) == count
        assert len(emails_to(smtp_server, user.email)) == count
    assert emails_to(smtp_server, producer.email) == [
        "GigBook: Confirmed: Bass guitar with Cat Bass, Wed 02 Jun 2027, 10:00"]
