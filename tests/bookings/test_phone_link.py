"""The password-less offer page: GET only shows, POST answers once, retries show the result."""

from datetime import timedelta

import pytest
from django.test import Client

from bookings.models import Booking
from gigbook.core.models import UsedActionToken
from gigbook.notifications.models import Notification
from tests.bookings import samples
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(now, producer, profile, venue):
    return offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3), brief_notes="Bring a Nord")


@pytest.fixture
def link(booking, musician):
    return Notification.objects.get(recipient=musician, kind="booking_offered").url


def phone():
    return Client(enforce_csrf_checks=False)


def test_get_shows_the_offer_and_changes_nothing(booking, link):
    client = phone()
    for _ in range(3):  # a link scanner, a prefetch, the musician
        response = client.get(link)
        assert response.status_code == 200
    html = response.content.decode()
    assert "Piano for Pat Producer" in html
    assert "Bring a Nord" in html and "150.00" in html
    assert 'value="accept"' in html
    assert Booking.objects.get(pk=booking.pk).status == "offered"
    assert not UsedActionToken.objects.exists()


def test_post_accept_spends_the_token_and_shows_the_result(booking, link, producer):
    client = phone()
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 302 and response["Location"] == link
    assert Booking.objects.get(pk=booking.pk).status == "accepted"
    assert UsedActionToken.objects.count() == 1
    page = client.get(link)
    assert "You accepted this booking" in page.content.decode()
    assert Notification.objects.filter(recipient=producer, kind="booking_accepted").exists()


def test_a_retried_accept_shows_the_result_instead_of_an_error(booking, link):
    client = phone()
    client.post(link, {"action": "accept"})
    again = client.post(link, {"action": "accept"})
    assert again.status_code == 302
    assert Booking.objects.get(pk=booking.pk).sequence == 1
    assert Notification.objects.filter(kind="booking_accepted").count() == 2  # one per party, once


def test_a_spent_link_cannot_do_something_else(booking, link):
    client = phone()
    client.post(link, {"action": "decline"})
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 409
    assert Booking.objects.get(pk=booking.pk).status == "declined"


def test_counter_from_the_phone(booking, link, producer):
    response = phone().post(link, {"action": "counter", "rate": "65", "travel_fee": "15", "note": "Parking costs"})
    assert response.status_code == 302
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == "countered" and str(stored.counter_total) == "210.000"
    assert Notification.objects.filter(recipient=producer, kind="booking_countered").exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "counter", "rate": "lots"}, "Enter an amount"),
    ({"action": "counter", "rate": "-4"}, "zero or more"),
    ({"action": "counter"}, "Propose a rate"),
    ({"action": "dance"}, "Choose accept, decline or counter"),
])
def test_bad_phone_input_is_shown_on_the_page(booking, link, data, message):
    response = phone().post(link, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "offered"
    assert not UsedActionToken.objects.exists()


def test_expired_link_is_410_and_cannot_accept(booking, link, frozen_clock):
    frozen_clock.set(booking.expires_at)
    assert phone().get(link).status_code == 410
    assert phone().post(link, {"action": "accept"}).status_code == 410
    assert Booking.objects.get(pk=booking.pk).status == "offered"


def test_tampered_link_is_400(booking, link):
    token = link.split("/")[2]
    assert phone().get(f"/o/{token[:-3]}abc/").status_code == 400
    assert phone().post(f"/o/{token[:-3]}abc/", {"action": "accept"}).status_code == 400


def test_link_for_a_withdrawn_offer_says_so(booking, link, producer):
    from bookings import services

    services.booking_withdraw(booking_id=booking.pk, actor=producer)
    page = phone().get(link)
    assert "withdrew this offer" in page.content.decode()
    response = phone().post(link, {"action": "accept"})
    assert response.status_code == 409


def test_offer_accepted_too_late_in_a_race_with_a_clash(booking, link, producer, musician, profile, venue):
    from bookings import services

    other = offer(producer, profile, venue=venue, starts_at=booking.starts_at + timedelta(hours=1))
    services.booking_accept(booking_id=other.pk, actor=musician)
    response = phone().post(link, {"action": "accept"})
    assert response.status_code == 409
    assert "already booked" in response.content.decode()
    assert not UsedActionToken.objects.exists()  # the failed answer did not burn the link


def test_charts_download_with_the_link(booking, link, producer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bookings import services

    material = services.material_add(booking_id=booking.pk, actor=producer,
                                     upload=SimpleUploadedFile("chart.pdf", samples.PDF))
    page = phone().get(link).content.decode()
    assert "chart.pdf" in page
    response = phone().get(f"{link}materials/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert phone().get(f"{link}materials/999999/").status_code == 404


def test_csrf_is_enforced_on_the_phone_page(booking, link):
    client = Client(enforce_csrf_checks=True)
    assert client.post(link, {"action": "accept"}).status_code == 403
    page = client.get(link)
    token = page.cookies["csrftoken"].value
    response = client.post(link, {"action": "accept", "csrfmiddlewaretoken": page.context["csrf_token"]})
    assert token and response.status_code == 302


def test_head_answers_like_get_and_changes_nothing(booking, link):
    # Link previewers (messaging apps) send HEAD first; a 405 made them show the link as broken.
    client = phone()
    for _ in range(2):
        response = client.head(link)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "no-store" in response["Cache-Control"]
        assert response.content == b""
    assert Booking.objects.get(pk=booking.pk).status == "offered"
    assert not UsedActionToken.objects.exists()
    # The link still works for the musician afterwards.
    assert client.post(link, {"action": "accept"}).status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "accepted"


def test_the_offer_text_carries_a_short_link_that_answers_like_the_long_one(booking, link, settings):
    import re

    note = Notification.objects.get(kind="booking_offered")
    [short] = re.findall(rf"{re.escape(settings.SITE_URL)}(/s/[A-Za-z0-9_-]{{12}})$", note.sms_text)
    assert "Answer by" in note.sms_text and "(Europe/London)" in note.sms_text
    assert link not in note.sms_text
    client = phone()
    page = client.get(short)
    assert page.status_code == 200 and "Piano for Pat Producer" in page.content.decode()
    assert client.head(short).status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == "offered" and not UsedActionToken.objects.exists()
    assert client.post(short, {"action": "accept"}).status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "accepted"
    assert UsedActionToken.objects.count() == 1  # the same single-use token as the long link
    assert client.post(link, {"action": "decline"}).status_code in (302, 409)
    assert Booking.objects.get(pk=booking.pk).status == "accepted"
