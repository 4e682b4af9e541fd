"""The producer's desk at ``/``: what is on it, links one click away, scoped to the producer, few queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings import services as booking_services
from bookings.gigrequests import services as request_services
from tests.bookings.factories import make_profile, make_venue, offer, pencil
from tests.gigrequests.factories import gig_data

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk_world(make_user, producer, frozen_clock):
    """Returns a builder that gives ``producer`` n items in each section of the desk."""

    def build(n: int):
        frozen_clock.set(NOW)
        venue = make_venue(producer)
        profiles = [make_profile(make_user(musician=True, full_name=f"Player {i}", phone=f"+44770090{i:04d}"),
                                 instruments=("piano", "bass-guitar"))
                    for i in range(5 * n)]
        made = {"profiles": profiles, "venue": venue}
        # Reviews to write: completed gigs (the clock moves past each one's end).
        made["reviewed"] = []
        for i in range(n):
            b = offer(producer, profiles[i], venue=venue, starts_at=frozen_clock.now() + timedelta(days=1))
            booking_services.booking_accept(booking_id=b.pk, actor=profiles[i].user)
            frozen_clock.set(b.ends_at + timedelta(minutes=5))
            made["reviewed"].append(booking_services.booking_complete(booking_id=b.pk, actor=producer))
        now = frozen_clock.now()
        made["upcoming"], made["offers"], made["countered"], made["holds"] = [], [], [], []
        for i in range(n):
            p = profiles[n + i]
            b = offer(producer, p, venue=venue, starts_at=now + timedelta(days=3 + i))
            made["upcoming"].append(booking_services.booking_accept(booking_id=b.pk, actor=p.user))
            p = profiles[2 * n + i]
            made["offers"].append(offer(producer, p, venue=venue, starts_at=now + timedelta(days=5 + i)))
            b = offer(producer, profiles[3 * n + i], venue=venue, starts_at=now + timedelta(days=6 + i))
            made["countered"].append(booking_services.booking_counter(
                booking_id=b.pk, actor=profiles[3 * n + i].user, rate="90.00"))
            made["holds"].append(pencil(producer, profiles[4 * n + i], venue=venue,
                                        starts_at=now + timedelta(days=8 + i)))
        made["requests"] = [
            request_services.gig_request_create(producer=producer, data=gig_data(
                venue, title=f"Tonight {i}", starts_at=now + timedelta(hours=20 + i),
                ends_at=now + timedelta(hours=23 + i), answer_by=now + timedelta(hours=18)))
            for i in range(n)
        ]
        return made

    return build


def _desk(client, producer):
    client.force_login(producer)
    return client.get("/")


@pytest.mark.django_db
def test_the_desk_lists_each_kind_of_item_with_a_link_to_its_page(client, producer, desk_world):
    made = desk_world(2)
    response = _desk(client, producer)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your desk" in html
    for booking in made["upcoming"] + made["offers"] + made["countered"]:
        assert f'href="/bookings/{booking.pk}/"' in html
    assert "Counter-offer: your answer is needed" in html
    assert "Waiting for them" in html
    for gig_request in made["requests"]:
        assert f'href="/gig-requests/{gig_request.pk}/"' in html
        assert gig_request.title in html
    for hold in made["holds"]:
        assert f'href="/holds/#hold-{hold.pk}"' in html
    for booking in made["reviewed"]:
        assert f'href="/reviews/write/{booking.pk}/"' in html


@pytest.mark.django_db
def test_the_desk_shows_the_live_state_of_a_short_notice_request(client, producer, desk_world):
    made = desk_world(1)
    html = _desk(client, producer).content.decode()
    row = html.split(f'data-request="{made["requests"][0].pk}"')[1].split("</li>")[0]
    assert '<span data-n="filled">0</span> of <span data-n="chairs">1</span> chair filled' in row


@pytest.mark.django_db
def test_the_desk_costs_the_same_queries_for_one_or_many_items(client, producer, desk_world,
                                                                django_assert_max_num_queries):
    desk_world(4)
    client.force_login(producer)
    # session, user, unread badge and the five sections (8 with 4 items each); nothing per item.
    with django_assert_max_num_queries(8):
        response = client.get("/")
    assert response.content.decode().count('class="desk-list"') == 5


@pytest.mark.django_db
def test_another_producers_items_never_show(client, make_user, producer, desk_world):
    made = desk_world(1)
    other = make_user(producer=True, full_name="Olga Other")
    html = _desk(client, other).content.decode()
    assert "Nothing needs you right now" in html
    for booking in made["upcoming"] + made["offers"]:
        assert f"/bookings/{booking.pk}/" not in html
    assert f"/gig-requests/{made['requests'][0].pk}/" not in html


@pytest.mark.django_db
def test_an_empty_desk_says_what_to_do_next(client, producer):
    html = _desk(client, producer).content.decode()
    assert "Nothing needs you right now" in html
    assert "No offers out." in html and "No open holds." in html and "No reviews waiting." in html


@pytest.mark.django_db
def test_musicians_and_visitors_keep_the_general_home(client, musician):
    assert "Find the right session player" in client.get("/").content.decode()
    client.force_login(musician)
    html = client.get("/").content.decode()
    assert "Your desk" not in html and "My gigs" in html
