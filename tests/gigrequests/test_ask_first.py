"""A short-notice request started from a player's profile ("Send short-notice request") asks that
player first: the form arrives with them on the list (and the chair of an instrument they play), the
preview and the request put them first, ahead of first-call favourites and scores, even when the
list is shorter than their rank. A player who cannot be asked is never silently left off."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bookings.gigrequests import services
from bookings.gigrequests.models import Invitation
from gigbook.core.errors import ValidationFailed
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import gig_data, ordered, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(players, producer):
    """Four bass players; the chosen one is the farthest (last by score) and not on first call."""
    near = [players(f"Near {n}", lat_lng=(51.5320 - n / 1000, -0.1780)) for n in range(3)]
    chosen = players("Kim Far", lat_lng=(51.70, -0.10))
    services.favourite_add(producer=producer, musician_profile_id=near[2].pk, instrument="bass-guitar")
    return near, chosen


def test_the_chosen_player_heads_the_preview_ahead_of_favourites_and_a_short_list(now, producer, venue, field):
    near, chosen = field
    plain = services.gig_request_preview(producer=producer, data=gig_data(venue))
    assert [c.profile_id for c in plain["groups"][0]["candidates"]][-1] == chosen.pk
    assert plain["ask_first"] is None

    preview = services.gig_request_preview(producer=producer, data=gig_data(venue, ask_first=chosen.pk,
                                                                              max_invitees=2))
    listed = preview["groups"][0]["candidates"]
    assert [c.profile_id for c in listed] == [chosen.pk, near[2].pk]  # then the first-call favourite
    assert listed[0].reasons[0] == "You chose this player"
    assert preview["ask_first"] == {"profile_id": chosen.pk, "name": "Kim Far", "placed": True,
                                    "instrument": "bass-guitar", "reason": ""}


def test_the_request_offers_the_chosen_player_first(now, producer, venue, field):
    near, chosen = field
    request = post(producer, venue, ask_first=chosen.pk)
    invitations = ordered(request)
    assert invitations[0].musician_id == chosen.user_id and invitations[0].position == 1
    assert invitations[0].status == Invitation.Status.SENT
    assert all(i.status == Invitation.Status.QUEUED for i in invitations[1:])
    assert Notification.objects.filter(recipient=chosen.user, kind="gig_request_offer").count() == 1


def test_a_chosen_player_on_a_second_chair_they_play_goes_first_there(now, producer, venue, players):
    drummer = players("Dee Drums", instruments=("drums",))
    players("Bo Bass")
    preview = services.gig_request_preview(producer=producer, data=gig_data(
        venue, chairs=[{"instrument": "bass-guitar", "count": 1}, {"instrument": "drums", "count": 1}],
        ask_first=drummer.pk))
    assert [c.profile_id for c in preview["groups"][1]["candidates"]] == [drummer.pk]
    assert preview["ask_first"]["instrument"] == "drums"


def test_a_chosen_player_who_cannot_be_asked_is_named_with_the_reason(now, producer, venue, players):
    players("Bo Bass")
    dear = players("Dear Bass", hourly="90.00")
    preview = services.gig_request_preview(producer=producer, data=gig_data(venue, ask_first=dear.pk))
    assert preview["ask_first"] == {"profile_id": dear.pk, "name": "Dear Bass", "placed": False,
                                    "instrument": "bass-guitar",
                                    "reason": "Their rate (90.00 GBP) is above your maximum."}
    # Posted without edited lists, the request is refused rather than sent without them.
    with pytest.raises(ValidationFailed) as caught:
        post(producer, venue, ask_first=dear.pk)
    assert caught.value.fields == {"ask_first": [
        "Dear Bass cannot be asked: Their rate (90.00 GBP) is above your maximum."]}
    # With a ceiling that reaches their rate, they are first.
    request = post(producer, venue, ask_first=dear.pk, max_rate=Decimal("90.00"))
    assert ordered(request)[0].musician_id == dear.user_id


def test_the_api_preview_and_post_take_ask_first(now, client, producer, venue, field):
    near, chosen = field
    client.force_login(producer)
    body = {"chairs": [{"instrument": "bass-guitar", "count": 1}], "kind": "studio_session", "venue": venue.pk,
            "starts_at": "2027-06-02T10:00", "ends_at": "2027-06-02T13:00", "rate": "50", "currency": "GBP",
            "strategy": "call_list", "ask_first": chosen.pk}
    preview = client.post("/api/gig-requests/preview/", json.dumps(body), content_type="application/json")
    assert preview.status_code == 200
    assert preview.json()["ask_first"]["placed"] is True
    assert preview.json()["groups"][0]["candidates"][0]["profile_id"] == chosen.pk
    created = client.post("/api/gig-requests/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    assert ordered(producer.gig_requests.get())[0].musician_id == chosen.user_id


def test_the_form_arrives_with_the_player_on_the_list_and_their_instrument(now, client, producer, venue, players):
    keys = players("Kim Keys", instruments=("piano", "bass-guitar"))
    client.force_login(producer)
    # From the profile without a search: the player's main instrument, not the form's default.
    page = client.get(f"/gig-requests/new/?musician={keys.pk}")
    options = page.context["options"]
    assert options["ask_first"] == {"profile_id": keys.pk, "name": "Kim Keys", "instruments": ["piano", "bass-guitar"]}
    assert options["prefill_instrument"] == "piano"
    assert "Asked first: Kim Keys" in page.content.decode()
    # From a search for bass: the searched instrument (they play it) and the searched window stay.
    page = client.get(f"/gig-requests/new/?musician={keys.pk}&instrument=bass-guitar"
                      f"&starts_at=2027-06-02T09:00:00Z&ends_at=2027-06-02T12:00:00Z&venue={venue.pk}")
    assert page.context["options"]["prefill_instrument"] == "bass-guitar"
    assert page.context["prefill"] == {"venue": venue.pk, "starts_at": "2027-06-02T10:00",
                                       "ends_at": "2027-06-02T13:00"}
    # Unknown, unapproved or nonsense ids are dropped, never an error.
    pending = players("Pen Ding", status="pending")
    for bad in ("999999", str(pending.pk), "x", "-1"):
        page = client.get(f"/gig-requests/new/?musician={bad}")
        assert page.status_code == 200 and "ask_first" not in page.context["options"]
