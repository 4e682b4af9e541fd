"""The demo seed's short-notice data, and the server-rendered pages (who may open them, what they show)."""

from datetime import timedelta

import pytest

from bookings.gigrequests import demo
from bookings.gigrequests.models import Favourite, GigRequest, Invitation
from gigbook.core import clock
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import ordered, post

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_favourites_and_a_call_list_part_way_through_once(now, make_user, players, settings):
    producer = make_user(producer=True, email="producer@gigbook.test", full_name="Pat Producer", time_zone="Europe/London")
    ben = players("Ben Bass", email="bass@gigbook.test", lat_lng=(51.4613, -0.1156), hourly="55.00")
    players("Olu", lat_lng=(51.50, -0.12), hourly="90.00")
    players("Maya", lat_lng=(51.51, -0.13), hourly="87.00")
    players("Mia Reeds", email="musician@gigbook.test", instruments=("tenor-sax",))

    demo.seed()
    demo.seed()

    [request] = GigRequest.objects.filter(title=demo.TITLE)
    assert request.strategy == "call_list" and request.status == "open"
    states = [i.status for i in ordered(request)]
    assert states[:2] == [Invitation.Status.DECLINED, Invitation.Status.SENT]
    assert set(states[2:]) == {Invitation.Status.QUEUED}
    assert ordered(request)[1].musician == ben.user
    assert Notification.objects.filter(recipient=ben.user, kind="gig_request_offer").count() == 1
    lists = {(f.instrument.slug, f.musician.email) for f in Favourite.objects.filter(producer=producer)}
    assert ("bass-guitar", "bass@gigbook.test") in lists and ("tenor-sax", "musician@gigbook.test") in lists


def test_demo_seed_without_enough_players_skips_quietly(now, make_user):
    make_user(producer=True, email="producer@gigbook.test")
    demo.seed()
    assert not GigRequest.objects.exists()


def test_producer_pages_render(now, client, producer, venue, players):
    for n in range(2):
        players(lat_lng=(51.53 + n / 1000, -0.17))
    request = post(producer, venue)
    client.force_login(producer)
    listing = client.get("/gig-requests/").content.decode()
    assert "Album session" in listing and "0 of 1 chair filled" in listing
    new = client.get("/gig-requests/new/").content.decode()
    assert 'id="gigrequest-options"' in new and "Abbey Road Studio 2" in new
    detail = client.get(f"/gig-requests/{request.pk}/")
    assert detail.status_code == 200 and 'data-state="sent"' in detail.content.decode()
    assert client.get("/gig-requests/favourites/").status_code == 200
    assert client.get("/gig-requests/999999/").status_code == 404


def test_producer_pages_are_not_for_others(now, client, producer, venue, players, make_user):
    players(lat_lng=(51.53, -0.17))
    request = post(producer, venue)
    other = make_user(producer=True, email="rival@example.com")
    client.force_login(other)
    assert client.get(f"/gig-requests/{request.pk}/").status_code == 404
    player = players(lat_lng=(51.53, -0.17))
    client.force_login(player.user)
    for url in ("/gig-requests/", "/gig-requests/new/", "/gig-requests/favourites/", f"/gig-requests/{request.pk}/"):
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get("/gig-requests/").status_code == 302


def test_musician_answers_from_the_offers_page(now, client, producer, venue, players):
    players(lat_lng=(51.53, -0.17)), players(lat_lng=(51.531, -0.17))
    request = post(producer, venue)
    first, second = ordered(request)
    client.force_login(first.musician)
    page = client.get("/gig-requests/offers/").content.decode()
    assert "Bass guitar for Pat Producer" in page and "Answer by Tue 01 Jun, 21:10" in page
    client.post(f"/gig-requests/offers/{first.pk}/decline/")
    assert Invitation.objects.get(pk=first.pk).status == Invitation.Status.DECLINED
    client.force_login(second.musician)
    response = client.post(f"/gig-requests/offers/{second.pk}/accept/", follow=True)
    assert "You are booked" in response.content.decode()
    # Someone else's offer, or a made-up action: 404, nothing changes.
    assert client.post(f"/gig-requests/offers/{first.pk}/accept/").status_code == 404
    assert client.post(f"/gig-requests/offers/{second.pk}/maybe/").status_code == 404


def test_offers_page_says_when_an_answer_came_too_late(now, client, producer, venue, players):
    players(lat_lng=(51.53, -0.17))
    request = post(producer, venue)
    [first] = ordered(request)
    now.advance(timedelta(minutes=11))
    client.force_login(first.musician)
    response = client.post(f"/gig-requests/offers/{first.pk}/accept/", follow=True)
    assert "Your time to answer this offer has run out" in response.content.decode()
    assert clock.now() > first.deadline


def test_old_request_paths_move_to_gig_requests_keeping_method_and_query(client):
    response = client.get("/requests/offers/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/gig-requests/offers/?page=2"
    token_link = client.post("/requests/o/abc/", {"answer": "accept"})
    assert token_link.status_code == 308  # the method and body survive the move
    assert token_link["Location"] == "/gig-requests/o/abc/"


def test_tasks_queued_under_the_old_module_names_still_run():
    from gigbook.celery import app
    from gigbook.core.tasks import task_by_name

    for name in ("dispatch_invitations", "sweep_gig_requests"):
        old = task_by_name(f"bookings.requests.tasks.{name}")
        new = task_by_name(f"bookings.gigrequests.tasks.{name}")
        assert old.run.__code__ is new.run.__code__  # the same function under both names
    assert "bookings.gigrequests.tasks.sweep_gig_requests" in {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }
