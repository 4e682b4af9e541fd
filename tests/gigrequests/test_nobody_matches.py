"""A chair nobody matches cannot be sent; the preview says why and what would widen it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.gigrequests import services
from bookings.gigrequests.models import GigRequest
from gigbook.core.errors import ValidationFailed
from musicians.models import UnavailabilityBlock
from musicians.services import block_create
from tests.gigrequests.factories import GIG_START, gig_data, post

pytestmark = pytest.mark.django_db


def _widen(producer, venue, **overrides):
    (group,) = services.gig_request_preview(producer=producer, data=gig_data(venue, **overrides))["groups"]
    return group


def test_nobody_matching_is_refused_with_the_chair_named_and_nothing_saved(now, producer, venue):
    with pytest.raises(ValidationFailed) as caught:
        post(producer, venue)
    assert caught.value.fields == {"chairs": [
        "Nobody matches the bass guitar chair yet, so nobody would be asked. Widen it (see the suggestions) or "
        "change the time."]}
    assert not GigRequest.objects.exists()


def test_an_edited_list_left_empty_is_refused(now, producer, venue, players):
    players("Ann Bass")
    with pytest.raises(ValidationFailed) as caught:
        services.gig_request_create(producer=producer, data=gig_data(
            venue, invitees=[{"instrument": "bass-guitar", "musicians": []}]))
    assert caught.value.fields == {"chairs": ["Keep at least one player on the bass guitar list."]}


def test_the_preview_offers_a_higher_ceiling_with_the_lowest_rate_that_finds_someone(now, producer, venue, players):
    players("Dee Bass", hourly="70.00")
    players("Eve Bass", hourly="90.00")
    group = _widen(producer, venue)
    assert group["candidates"] == [] and group["total_matching"] == 0
    assert group["widen"][0] == {"text": "2 players if you offer up to 70.00 GBP an hour.", "field": "max_rate",
                                 "value": "70.00", "count": 2}
    assert _widen(producer, venue, max_rate=Decimal("70"))["total_matching"] == 1


def test_the_preview_names_busy_players_and_players_too_far_away(now, producer, venue, players):
    busy = players("Bo Busy")
    block_create(profile=busy, kind=UnavailabilityBlock.Kind.ONCE, starts_at=GIG_START - timedelta(hours=1),
                 ends_at=GIG_START + timedelta(hours=5))
    players("Far Bass", lat_lng=(53.48, -2.24), records_remotely=True)  # Manchester, 40 km radius
    group = _widen(producer, venue)
    texts = [option["text"] for option in group["widen"]]
    assert not group["candidates"], [c.name for c in group["candidates"]]
    assert "1 player is busy at that time: try another time or day." in texts
    assert ("1 player is free but does not travel as far as this venue; 1 player records at home: make it a remote "
            "recording.") in texts


def test_the_suggestions_cost_the_same_queries_for_many_players(now, producer, venue, players):
    players("Dee Bass", hourly="70.00")
    _widen(producer, venue)  # warm the process-local lookups (instrument ids) first
    with CaptureQueriesContext(connection) as few:
        _widen(producer, venue)
    for n in range(20):
        players(f"More Bass {n}", hourly="80.00")
    with CaptureQueriesContext(connection) as many:
        _widen(producer, venue)
    assert len(many) == len(few), f"{len(few)} queries with 1 player, {len(many)} with 21"
