"""Only the two parties (and staff, to look) see or act on a booking. Everyone else gets 404, everywhere."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bookings import services
from bookings.models import Booking
from tests.bookings import samples
from tests.bookings.factories import make_profile, offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(now, producer, musician, profile, venue):
    b = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))
    services.material_add(booking_id=b.pk, actor=producer, upload=SimpleUploadedFile("chart.pdf", samples.PDF))
    return b


@pytest.fixture
def strangers(make_user):
    other_producer = make_user(producer=True, full_name="Other Producer")
    other_musician = make_user(musician=True, full_name="Other Musician")
    make_profile(other_musician)
    both = make_user(producer=True, musician=True, full_name="Both Roles")
    return [other_producer, other_musician, both]


def api_calls(booking):
    material = booking.materials.get()
    base = f"/api/bookings/{booking.pk}/"
    return [
        ("get", base, None),
        ("post", f"{base}accept/", {}),
        ("post", f"{base}decline/", {}),
        ("post", f"{base}counter/", {"rate": "99"}),
        ("post", f"{base}withdraw/", {}),
        ("post", f"{base}cancel/", {"reason": "mine now"}),
        ("post", f"{base}complete/", {}),
        ("get", f"{base}cancellation/", None),
        ("get", f"{base}materials/", None),
        ("post", f"{base}materials/", {"file": SimpleUploadedFile("x.pdf", samples.PDF)}),
        ("get", f"{base}materials/{material.pk}/", None),
        ("delete", f"{base}materials/{material.pk}/", None),
    ]


def test_strangers_get_404_on_every_api_endpoint(booking, strangers, client_for):
    for stranger in strangers:
        client = client_for(stranger)
        for method, url, data in api_calls(booking):
            kwargs = {"format": "multipart"} if "materials/" in url and method == "post" else {"format": "json"}
            response = getattr(client, method)(url, data, **kwargs) if data is not None else getattr(client, method)(url)
            assert response.status_code == 404, (stranger, method, url, response.status_code)
            assert response.json()["detail"]
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == "offered" and stored.sequence == 0
    assert booking.materials.count() == 1


def test_strangers_do_not_see_it_in_lists_or_calendars(booking, strangers, client_for, musician):
    services.booking_accept(booking_id=booking.pk, actor=musician)
    for stranger in strangers:
        client = client_for(stranger)
        assert client.get("/api/bookings/").json()["count"] == 0
        feed = client.get("/api/calendar/").json()["url"].split("testserver", 1)[1]
        assert b"VEVENT" not in Client().get(feed).content


def test_strangers_get_404_on_every_page(booking, strangers):
    material = booking.materials.get()
    for stranger in strangers:
        client = Client()
        client.force_login(stranger)
        for method, url in [
            ("get", f"/bookings/{booking.pk}/"),
            ("get", f"/bookings/{booking.pk}/cancel/"),
            ("post", f"/bookings/{booking.pk}/cancel/"),
            ("post", f"/bookings/{booking.pk}/accept/"),
            ("post", f"/bookings/{booking.pk}/withdraw/"),
            ("post", f"/bookings/{booking.pk}/materials/"),
            ("get", f"/api/bookings/{booking.pk}/materials/{material.pk}/"),
        ]:
            response = getattr(client, method)(url)
            assert response.status_code == 404, (stranger, method, url, response.status_code)
    assert Booking.objects.get(pk=booking.pk).status == "offered"


def test_anonymous_users_are_sent_to_log_in_or_refused(booking):
    client = Client()
    assert client.get(f"/bookings/{booking.pk}/").status_code == 302
    assert client.get("/gigs/").status_code == 302
    assert client.get(f"/api/bookings/{booking.pk}/").status_code in (401, 403)
    material = booking.materials.get()
    assert client.get(f"/api/bookings/{booking.pk}/materials/{material.pk}/").status_code in (401, 403)


def test_staff_can_see_and_download_but_not_answer(booking, staff_user, client_for):
    client = client_for(staff_user)
    assert client.get(f"/api/bookings/{booking.pk}/").status_code == 200
    material = booking.materials.get()
    assert client.get(f"/api/bookings/{booking.pk}/materials/{material.pk}/").status_code == 200
    assert client.post(f"/api/bookings/{booking.pk}/accept/").status_code == 403
    assert client.post(f"/api/bookings/{booking.pk}/withdraw/").status_code == 403


def test_a_phone_link_only_opens_its_own_offer(booking, producer, profile, venue, now, musician):
    from gigbook.notifications.models import Notification

    other = offer(producer, profile, venue=venue, starts_at=now + timedelta(days=9))
    link_for_first = Notification.objects.filter(recipient=musician, kind="booking_offered").order_by("id").first().url
    material = booking.materials.get()
    other_material = services.material_add(booking_id=other.pk, actor=producer,
                                           upload=SimpleUploadedFile("other.pdf", samples.PDF))
    client = Client()
    assert client.get(f"{link_for_first}materials/{material.pk}/").status_code == 200
    assert client.get(f"{link_for_first}materials/{other_material.pk}/").status_code == 404
