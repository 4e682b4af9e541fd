"""Who is asked: every rule of the issue's matching, and the documented ranking."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bookings import services as booking_services
from bookings.gigrequests import matching, services
from bookings.gigrequests.models import Favourite
from gigbook.core import clock
from gigbook.core.errors import NotFound
from musicians import services as musician_services
from musicians.models import Instrument, MusicianProfile
from tests.gigrequests.factories import GIG_START, gig_data, make_venue

pytestmark = pytest.mark.django_db
NEAR = (51.5300, -0.1700)  # ~1 km from the studio


def names(groups, index=0):
    return [c.name for c in groups["groups"][index]["candidates"]]


def preview(producer, venue, **overrides):
    return services.gig_request_preview(producer=producer, data=gig_data(venue, **overrides))


def test_only_free_reachable_affordable_approved_players_of_the_instrument_match(now, producer, venue, players):
    players("Fits", lat_lng=NEAR)
    players("Doubles on bass", instruments=("electric-guitar", "bass-guitar"), lat_lng=NEAR)
    players("Wrong instrument", instruments=("drums",), lat_lng=NEAR)
    players("Too far", lat_lng=(53.4808, -2.2426))  # Manchester, 40 km radius
    players("Too dear", lat_lng=NEAR, hourly="80.00")
    players("Pending review", lat_lng=NEAR, status=MusicianProfile.Status.PENDING, hourly=None)
    players("Euros", lat_lng=NEAR, currency="EUR")
    blocked = players("Blocked tomorrow", lat_lng=NEAR)
    musician_services.busy_interval_add(profile=blocked, starts_at=GIG_START + timedelta(hours=2),
                                        ends_at=GIG_START + timedelta(hours=5), source="block", source_id="b1")
    booked = players("Already booked", lat_lng=NEAR)
    booking_services.booking_create_accepted(
        producer=producer, musician=booked.user, instrument="bass-guitar", kind="studio_session",
        starts_at=GIG_START - timedelta(hours=1), ends_at=GIG_START + timedelta(hours=1), venue=venue, rate=Decimal("50"),
    )
    inactive = players("Left GigBook", lat_lng=NEAR)
    inactive.user.is_active = False
    inactive.user.save()

    assert sorted(names(preview(producer, venue))) == ["Doubles on bass", "Fits"]


def test_a_higher_maximum_reaches_dearer_players_at_their_own_rate(now, producer, venue, players):
    players("Dear", lat_lng=NEAR, hourly="70.00")
    result = preview(producer, venue, rate=Decimal("50"), max_rate=Decimal("75"))
    [candidate] = result["groups"][0]["candidates"]
    assert candidate.offered_rate == Decimal("70.00")


def test_remote_work_asks_remote_recorders_wherever_they_are(now, producer, players):
    players("Studio at home", lat_lng=(40.71, -74.0), records_remotely=True)
    players("Only in person", lat_lng=NEAR)
    result = services.gig_request_preview(producer=producer, data=gig_data(None, time_zone="Europe/London"))
    assert names(result) == ["Studio at home"]


def test_a_flat_fee_is_compared_with_the_players_price_for_the_slot(now, producer, venue, players):
    # 3 hours at 50/hour = 150; at 60/hour = 180.
    players("Fifty", lat_lng=NEAR, hourly="50.00")
    players("Sixty", lat_lng=NEAR, hourly="60.00")
    result = preview(producer, venue, fee_basis="flat", rate=Decimal("160"))
    assert names(result) == ["Fifty"]
    assert result["groups"][0]["candidates"][0].offered_rate == Decimal("160.00")


def test_favourites_come_first_in_their_order_then_the_best_score(now, producer, venue, players):
    far = players("Far favourite", lat_lng=(51.70, -0.30))
    players("Near stranger", lat_lng=NEAR)
    second_fav = players("Second favourite", lat_lng=(51.60, -0.20))
    for profile in (far, second_fav):
        services.favourite_add(producer=producer, musician_profile_id=profile.pk, instrument="bass-guitar")
    result = preview(producer, venue)
    assert names(result) == ["Far favourite", "Second favourite", "Near stranger"]
    assert result["groups"][0]["candidates"][0].reasons[0] == "First-call #1"


def test_score_weighs_history_response_and_rating(now, producer, venue, players):
    newcomer = players("Newcomer", lat_lng=NEAR)
    regular = players("Regular", lat_lng=NEAR)
    # Two past gigs with this producer (accepted, already started).
    for day in (10, 20):
        booking_services.booking_create_accepted(
            producer=producer, musician=regular.user, instrument="bass-guitar", kind="studio_session",
            starts_at=GIG_START + timedelta(days=day), ends_at=GIG_START + timedelta(days=day, hours=2), venue=venue,
            rate=Decimal("50"),
        )
    now.set(GIG_START + timedelta(days=30))
    later = GIG_START + timedelta(days=31)
    result = preview(producer, venue, starts_at=later, ends_at=later + timedelta(hours=3),
                     answer_by=later - timedelta(hours=1))
    ranked = result["groups"][0]["candidates"]
    assert [c.name for c in ranked] == ["Regular", "Newcomer"]
    assert ranked[0].past_gigs == 2 and ranked[1].past_gigs == 0
    assert ranked[0].score - ranked[1].score == pytest.approx(35 * 2 / 5, abs=0.01)
    assert newcomer.pk == ranked[1].profile_id


def test_unavailable_favourites_are_explained(now, producer, venue, players):
    busy = players("Busy favourite", lat_lng=NEAR)
    musician_services.busy_interval_add(profile=busy, starts_at=GIG_START, ends_at=GIG_START + timedelta(hours=1),
                                        source="block", source_id="b2")
    dear = players("Dear favourite", lat_lng=NEAR, hourly="90.00")
    for profile in (busy, dear):
        services.favourite_add(producer=producer, musician_profile_id=profile.pk, instrument="bass-guitar")
    result = preview(producer, venue)
    problems = {p["name"]: p["reason"] for p in result["groups"][0]["unavailable_favourites"]}
    assert problems == {"Busy favourite": "Busy at this time.",
                        "Dear favourite": "Their rate (90.00 GBP) is above your maximum."}


def test_a_player_is_listed_for_one_chair_only(now, producer, venue, players):
    players("Violist who plays violin", instruments=("viola", "violin"), lat_lng=NEAR)
    players("Violinist", instruments=("violin",), lat_lng=NEAR)
    result = preview(producer, venue, chairs=[{"instrument": "violin", "count": 2}, {"instrument": "viola", "count": 1}])
    violins, violas = names(result, 0), names(result, 1)
    assert sorted(violins) == ["Violinist", "Violist who plays violin"]
    assert violas == []


def test_a_call_list_is_25_long_by_default_and_max_invitees_caps_it(now, producer, venue, players):
    for _ in range(27):
        players(lat_lng=NEAR)
    assert len(preview(producer, venue)["groups"][0]["candidates"]) == 25
    assert preview(producer, venue)["groups"][0]["total_matching"] == 27
    assert len(preview(producer, venue, max_invitees=3)["groups"][0]["candidates"]) == 3
    assert len(preview(producer, venue, strategy="broadcast")["groups"][0]["candidates"]) == 27


def test_the_producer_is_never_their_own_candidate(now, make_user, players):
    both = make_user(producer=True, musician=True, full_name="Bea Both", email="bea@example.com")
    studio = make_venue(both)
    players("Someone", lat_lng=NEAR)
    profile = MusicianProfile.objects.create(user=both, status="approved", latitude=NEAR[0], longitude=NEAR[1],
                                             hourly_rate=Decimal("40"), currency="GBP", travel_radius_km=40)
    profile.instruments.create(instrument=Instrument.objects.get(slug="bass-guitar"), is_primary=True)
    assert names(preview(both, studio)) == ["Someone"]


def test_matching_a_slot_is_three_queries(now, producer, venue, players, django_assert_num_queries):
    for _ in range(5):
        players(lat_lng=NEAR)
    slot = matching.Slot(producer_id=producer.pk, instrument=Instrument.objects.get(slug="bass-guitar"),
                         kind="studio_session", starts_at=GIG_START, ends_at=GIG_START + timedelta(hours=3),
                         venue_point=(venue.latitude, venue.longitude), currency="GBP", fee_basis="hourly",
                         rate=Decimal("50"), max_rate=None)
    with django_assert_num_queries(3):
        assert len(matching.match_candidates(slot=slot, now=clock.now())) == 5


def test_favourite_lists_keep_their_order(now, producer, players):
    a, b, c = (players(lat_lng=NEAR) for _ in range(3))
    favs = [services.favourite_add(producer=producer, musician_profile_id=p.pk, instrument="bass-guitar") for p in (a, b, c)]
    services.favourite_move(producer=producer, favourite_id=favs[2].pk, position=1)
    order = list(Favourite.objects.filter(producer=producer).order_by("position").values_list("musician_id", flat=True))
    assert order == [c.user_id, a.user_id, b.user_id]
    # Adding twice is harmless; removing someone else's is a 404.
    assert services.favourite_add(producer=producer, musician_profile_id=a.pk, instrument="bass-guitar") == favs[0]
    with pytest.raises(NotFound):
        services.favourite_remove(producer=a.user, favourite_id=favs[0].pk)


def test_players_who_answer_fast_rank_higher_and_their_profile_says_so(now, producer, venue, players, client):
    slow, fast = players("Slow", lat_lng=NEAR), players("Fast", lat_lng=NEAR)
    first = services.gig_request_create(producer=producer, data=gig_data(venue, strategy="broadcast"))
    by_player = {i.musician_id: i for i in first.invitations.all()}
    now.advance(timedelta(minutes=2))
    services.invitation_decline(invitation_id=by_player[fast.user_id].pk, actor=fast.user)
    services.gig_request_cancel(request_id=first.pk, actor=producer)
    # A second offer: Fast declines it in two minutes again, Slow lets it run out.
    later = GIG_START + timedelta(days=1)
    second = services.gig_request_create(producer=producer, data=gig_data(
        venue, strategy="broadcast", starts_at=later, ends_at=later + timedelta(hours=2), answer_by=later - timedelta(hours=20)))
    now.advance(timedelta(minutes=2))
    services.invitation_decline(invitation_id=second.invitations.get(musician=fast.user).pk, actor=fast.user)
    now.set(later - timedelta(hours=20))
    services.gig_requests_sweep()

    fast.refresh_from_db()
    slow.refresh_from_db()
    assert (fast.response_rate, fast.median_response_seconds) == (1.0, 120)
    assert (slow.response_rate, slow.median_response_seconds) == (0.0, None)
    ranked = preview(producer, venue, starts_at=later + timedelta(days=1), ends_at=later + timedelta(days=1, hours=2),
                     answer_by=later + timedelta(hours=20))
    assert names(ranked) == ["Fast", "Slow"]
    assert "answers 100% of offers" in ranked["groups"][0]["candidates"][0].reasons
    page = client.get(f"/musicians/{fast.pk}/").content.decode()
    assert "Answers 100% of short-notice offers, usually within 2 min." in page
    assert second.invitations.count() == 2
