"""From a player's profile to their phone, in real Chromium with a real Celery worker, Redis, SMS files
and a moved clock: the producer searches (desktop, 1366x768) for tomorrow's bass chair near their
studio, opens a player's profile who is not the best match, presses "Send short-notice request", and
the form arrives with the search's instrument, window and studio and that player already on the list,
asked first. Sent as a call list, the player (not the best-ranked one) gets the offer, opens the link
from their text on a 390x844 phone and accepts."""

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from bookings.gigrequests.models import GigRequest, Invitation
from bookings.models import Booking
from tests.gigrequests.factories import NOW, Players, make_venue
from tests.gigrequests.story import inbox_kinds, offer_link_path, sms_to, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.worker]

DESK = {"width": 1366, "height": 768}


@pytest.fixture
def contexts(browser):
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


def test_send_short_notice_request_from_a_profile_asks_that_player_first(
    live_server, contexts, browser_context_args, client, frozen_clock, producer, make_user, celery_worker_process,
    tmp_path,
):
    frozen_clock.set(NOW)  # 21:00 in London; the session is tomorrow at 10:00
    sms_dir = tmp_path / "sms"
    celery_worker_process(env={"SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
                               "SMS_FILE_PATH": str(sms_dir)})
    studio = make_venue(producer)
    players = Players(make_user)
    # Ann and Ben are next door to the studio; Kim is 20 km out, so she would be asked last.
    ann = players("Ann Bass", lat_lng=(51.5330, -0.1790))
    ben = players("Ben Bass", lat_lng=(51.5310, -0.1770))
    kim = players("Kim Far", lat_lng=(51.70, -0.10))

    desk = logged_in(contexts, live_server, client, producer, viewport=DESK).new_page()
    desk.goto(f"{live_server.url}/musicians/")
    search = desk.locator("#search-form")
    search.get_by_label("Instrument", exact=True).select_option(label="Bass guitar")
    search.get_by_label("From").fill("2027-06-02T10:00")
    search.get_by_label("To", exact=True).fill("2027-06-02T13:00")
    search.get_by_label("Your studio or venue").select_option(label="Abbey Road Studio 2 (London)")
    search.get_by_role("button", name="Search").click()
    expect(desk.get_by_role("heading", name="3 musicians found")).to_be_visible()

    desk.get_by_role("link", name="Kim Far", exact=True).click()
    expect(desk.get_by_role("heading", name="Kim Far", level=1)).to_be_visible()
    desk.get_by_role("link", name="Send short-notice request").first.click()

    # The form: the player on the list, asked first; the search's chair, window and studio kept.
    expect(desk.get_by_role("heading", name="New short-notice request")).to_be_visible()
    expect(desk.locator("#ask-first")).to_contain_text("Asked first: Kim Far")
    expect(desk.locator(".chair-instrument").first).to_have_value("bass-guitar")
    expect(desk.get_by_label("Starts")).to_have_value("2027-06-02T10:00")
    expect(desk.get_by_label("Ends")).to_have_value("2027-06-02T13:00")
    expect(desk.get_by_label("Venue")).to_have_value(str(studio.pk))
    desk.get_by_label("Fee offered").fill("50")
    desk.get_by_label("Answer by (optional)").fill("2027-06-02T09:00")
    desk.get_by_role("button", name="See who will be asked").click()

    candidates = desk.locator(".candidate-list > li")
    expect(candidates).to_have_count(3)
    expect(candidates.first).to_contain_text("Kim Far")
    expect(candidates.first).to_contain_text("Asked first")
    expect(candidates.first).to_contain_text("You chose this player")
    expect(desk.locator("#ask-first-problem")).to_be_hidden()
    desk.get_by_role("button", name="Send the request").click()
    expect(desk).to_have_url(re.compile(r"/gig-requests/\d+/$"))

    request = GigRequest.objects.get()
    order = list(request.invitations.order_by("position").values_list("musician__full_name", "status"))
    assert order[0] == ("Kim Far", Invitation.Status.SENT)
    assert {name for name, _ in order[1:]} == {"Ann Bass", "Ben Bass"}
    assert all(state == Invitation.Status.QUEUED for _, state in order[1:])

    # Kim gets the offer: a text with the link; she opens it on her phone and takes the chair.
    wait_for(lambda: len(sms_to(sms_dir, kim.user.phone)) == 1, message="Kim's text")
    phone = contexts(**browser_context_args).new_page()
    phone.goto(f"{live_server.url}{offer_link_path(sms_dir, kim.user.phone)}")
    expect(phone.get_by_role("heading", name="Bass guitar for Pat Producer")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Accept").click()
    expect(phone.locator("#offer-status")).to_contain_text("You’re booked")

    assert Booking.objects.get().musician == kim.user
    assert GigRequest.objects.get().status == GigRequest.Status.FILLED
    assert inbox_kinds(kim.user)["gig_request_offer"] == 1
    # Ann and Ben were never asked: the chair filled at the top of the list.
    assert inbox_kinds(ann.user) == Counter() and inbox_kinds(ben.user) == Counter()
    assert sms_to(sms_dir, ann.user.phone) == [] and sms_to(sms_dir, ben.user.phone) == []
