"""The call-sheet pages through Django's test client: the producer's form, the phone link."""

from datetime import timedelta

import pytest
from django.test import Client

from bookings.callsheets.models import CallSheetPlayer, CallSheetRecipient
from bookings.models import Booking
from gigbook.notifications.models import Notification
from tests.callsheets.factories import later

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_producer_moves_the_session_from_the_form(session, producer):
    sax = session.bookings["alto-sax"]
    page = signed_in(producer)
    assert page.get(f"/bookings/{sax.pk}/call-sheet/").status_code == 200
    moved = later(session, timedelta(hours=1))
    local = moved["starts_at"].astimezone(sax.zone)
    answer = page.post(f"/bookings/{sax.pk}/call-sheet/", {
        "expected_version": "1", "starts_at": f"{local:%Y-%m-%dT%H:%M}",
        "ends_at": f"{moved['ends_at'].astimezone(sax.zone):%Y-%m-%dT%H:%M}", "venue": str(session.venue.pk),
        "call_time": "11:30", "parking": "", "material_key": [""], "material_title": ["Alto part"],
        "material_detail": [""], "material_for": ["i:alto-sax"], "message": "Later start",
    })
    assert answer.status_code == 302
    assert Booking.objects.get(pk=sax.pk).starts_at == moved["starts_at"]
    html = page.get(f"/bookings/{sax.pk}/call-sheet/").content.decode()
    assert "3 not confirmed yet" in html and "Start time changed from 11:00 to 12:00" in html
    assert Notification.objects.filter(kind="callsheet_changed").count() == 3


def test_a_bad_call_time_shows_the_reason_and_saves_nothing(session, producer):
    sax = session.bookings["alto-sax"]
    answer = signed_in(producer).post(f"/bookings/{sax.pk}/call-sheet/", {"call_time": "25:99"})
    assert answer.status_code == 400
    assert "24-hour clock" in answer.content.decode()


def test_the_phone_link_confirms_in_one_tap_and_only_a_browser_marks_it_opened(session, producer, client_for):
    sax = session.bookings["alto-sax"]
    client_for(producer).post(f"/api/bookings/{sax.pk}/call-sheet/",
                              {k: v.isoformat() for k, v in later(session, timedelta(hours=1)).items()}, format="json")
    link = Notification.objects.get(kind="callsheet_changed", recipient=session.musicians["alto-sax"]).url
    phone = Client()
    page = phone.get(link)
    assert page.status_code == 200 and "Confirm changes" in page.content.decode()
    receipt = CallSheetRecipient.objects.get(player__booking=sax)
    assert receipt.opened_at is None  # a link scanner's GET changes nothing
    assert phone.post(f"{link}seen/").status_code == 204
    receipt.refresh_from_db()
    assert receipt.opened_at is not None
    done = phone.post(link, {"action": "confirm", "version": "2"})
    assert done.status_code == 302
    assert not CallSheetPlayer.objects.get(booking=sax).reconfirm_needed
    assert "You confirmed the changes" in phone.get(link).content.decode()
    assert phone.post(link, {"action": "confirm", "version": "2"}).status_code == 302  # a retry is harmless


def test_the_drummers_link_is_not_the_saxophonists(session, producer, client_for):
    sax = session.bookings["alto-sax"]
    client_for(producer).post(f"/api/bookings/{sax.pk}/call-sheet/", {"parking": "Yard"}, format="json")
    link = Notification.objects.get(recipient=session.musicians["drums"], kind="callsheet_updated").url
    assert Client().get(link.replace("/c/", "/c/x")).status_code == 400
    assert signed_in(session.musicians["drums"]).get(f"/gigs/{sax.pk}/call-sheet/").status_code == 404


def test_my_gigs_says_re_confirm_needed_without_a_query_per_gig(session, producer, client_for,
                                                                django_assert_max_num_queries):
    sax = session.bookings["alto-sax"]
    client_for(producer).post(f"/api/bookings/{sax.pk}/call-sheet/",
                              {k: v.isoformat() for k, v in later(session, timedelta(hours=1)).items()}, format="json")
    from bookings import selectors

    with django_assert_max_num_queries(3):
        upcoming = selectors.gigs_for_musician(user=session.musicians["alto-sax"], now=sax.created_at)["upcoming"]
        assert [b.call_sheet_player.reconfirm_needed for b in upcoming] == [True]
    html = signed_in(session.musicians["alto-sax"]).get("/gigs/").content.decode()
    assert "Re-confirm needed" in html and f"/gigs/{sax.pk}/call-sheet/" in html


def test_the_producers_state_table_is_three_queries_however_many_players(session, producer, client_for,
                                                                         django_assert_num_queries):
    from bookings.callsheets import selectors
    from bookings.callsheets.services import sheet_get_or_create

    sax = session.bookings["alto-sax"]
    client_for(producer).post(f"/api/bookings/{sax.pk}/call-sheet/", {"parking": "Yard"}, format="json")
    sheet = sheet_get_or_create(booking=sax)
    with django_assert_num_queries(3):
        rows = selectors.call_sheet_player_states(sheet=sheet)
    assert [row.state for row in rows] == ["informed"] * 3


def test_dropping_out_from_the_link_offers_the_producer_a_prefilled_refill(session, producer, client_for):
    sax = session.bookings["alto-sax"]
    client_for(producer).post(f"/api/bookings/{sax.pk}/call-sheet/",
                              {k: v.isoformat() for k, v in later(session, timedelta(hours=1)).items()}, format="json")
    link = Notification.objects.get(kind="callsheet_changed", recipient=session.musicians["alto-sax"]).url
    phone = Client()
    assert phone.post(link, {"action": "drop_out", "reason": ""}).status_code == 400  # a reason is needed
    assert Booking.objects.get(pk=sax.pk).status == "accepted"
    assert phone.post(link, {"action": "drop_out", "reason": "Teaching then"}).status_code == 302
    assert Booking.objects.get(pk=sax.pk).status == "cancelled"
    html = signed_in(producer).get(f"/bookings/{session.bookings['drums'].pk}/call-sheet/").content.decode()
    assert "Dropped out" in html and "Refill the chair" in html
    assert "/gig-requests/new/?instrument=alto-sax&amp;starts_at=" in html


def test_an_older_link_confirms_a_newer_change_and_still_lets_the_player_drop_out(session, producer, client_for,
                                                                                  frozen_clock):
    sax = session.bookings["alto-sax"]
    api = client_for(producer)
    api.post(f"/api/bookings/{sax.pk}/call-sheet/",
             {k: v.isoformat() for k, v in later(session, timedelta(hours=1)).items()}, format="json")
    link = Notification.objects.get(kind="callsheet_changed", recipient=session.musicians["alto-sax"]).url
    phone = Client()
    assert phone.post(link, {"action": "confirm", "version": "2"}).status_code == 302
    frozen_clock.advance(timedelta(minutes=10))
    api.post(f"/api/bookings/{sax.pk}/call-sheet/",
             {k: v.isoformat() for k, v in later(session, timedelta(hours=2)).items()}, format="json")
    assert "Confirm changes" in phone.get(link).content.decode()  # the first message's link shows the new change
    assert phone.post(link, {"action": "confirm", "version": "3"}).status_code == 302
    assert CallSheetPlayer.objects.get(booking=sax).confirmed_version == 3
    assert phone.post(link, {"action": "drop_out", "reason": "Cannot after all"}).status_code == 302
    assert Booking.objects.get(pk=sax.pk).status == "cancelled"
