"""Rates across currencies: the max-rate filter, the order and the cards use the exchange rate in
force (gigbook.exchange, loaded from the shipped ECB-format sample); nothing is left out silently."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from gigbook.exchange import services as exchange
from gigbook.exchange.models import ExchangeRate

pytestmark = pytest.mark.django_db

SEARCH = "/api/musicians/"


@pytest.fixture
def players(make_profile, frozen_clock):
    # The sample's latest rates (27 November 2026): 1 EUR = 0.864 GBP = 1.058 USD.
    frozen_clock.set(datetime(2026, 11, 28, 12, tzinfo=UTC))
    call_command("load_exchange_rates", stdout=StringIO())
    return {
        "pound": make_profile(stage_name="Pound", hourly_rate=Decimal("90")),
        "euro": make_profile(stage_name="Euro", currency="EUR", hourly_rate=Decimal("110")),  # £95.04
        "dear_euro": make_profile(stage_name="Dear euro", currency="EUR", hourly_rate=Decimal("120")),  # £103.68
        "dollar": make_profile(stage_name="Dollar", currency="USD", hourly_rate=Decimal("100")),  # £81.66
        "franc": make_profile(stage_name="Franc", currency="XOF", hourly_rate=Decimal("50000")),  # no rate
    }


def cards(response) -> dict[str, dict]:
    assert response.status_code == 200, response.json()
    return {card["display_name"]: card for card in response.json()["results"]}


def test_max_rate_converts_with_the_rate_in_force_and_keeps_unconvertible_players(api_client, players):
    found = cards(api_client.get(SEARCH, {"max_rate": "96", "currency": "GBP"}))
    assert set(found) == {"Pound", "Euro", "Dollar", "Franc"}  # "Dear euro" is £103.68
    assert (found["Euro"]["rate"], found["Euro"]["currency"]) == ("110.00", "EUR")
    assert (found["Euro"]["converted_rate"], found["Euro"]["converted_currency"]) == ("95.04", "GBP")
    assert found["Dollar"]["converted_rate"] == "81.66"
    assert (found["Franc"]["no_exchange_rate"], found["Franc"]["converted_rate"]) == (True, None)
    assert found["Pound"]["converted_rate"] == "90.00" and not found["Pound"]["no_exchange_rate"]
    # The boundary is the rounded amount the card shows, inclusive.
    assert "Euro" in cards(api_client.get(SEARCH, {"max_rate": "95.04", "currency": "GBP"}))
    assert "Euro" not in cards(api_client.get(SEARCH, {"max_rate": "95.03", "currency": "GBP"}))


def test_the_other_way_round_and_ordered_by_converted_rate(api_client, players):
    body = api_client.get(SEARCH, {"currency": "EUR", "ordering": "rate"}).json()
    order = [(card["display_name"], card["converted_rate"]) for card in body["results"]]
    # £90 / 0.864 = €104.17; $100 / 1.058 = €94.52; the unconvertible last.
    assert order == [("Dollar", "94.52"), ("Pound", "104.17"), ("Euro", "110.00"), ("Dear euro", "120.00"),
                     ("Franc", None)]


def test_a_rate_published_after_today_is_not_yet_in_force(api_client, players, frozen_clock):
    exchange.rate_save(rate=ExchangeRate(day=datetime(2026, 12, 1).date(), currency="GBP", per_euro=Decimal("0.5")))
    assert cards(api_client.get(SEARCH, {"currency": "GBP"}))["Euro"]["converted_rate"] == "95.04"
    frozen_clock.set(datetime(2026, 12, 1, 9, tzinfo=UTC))
    # (Another URL: a page cached a minute ago may still show yesterday's rate for that minute.)
    assert cards(api_client.get(SEARCH, {"currency": "GBP", "ordering": "rate"}))["Euro"]["converted_rate"] == "55.00"


def test_before_any_rate_was_published_every_other_currency_is_marked(api_client, players, frozen_clock):
    frozen_clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    found = cards(api_client.get(SEARCH, {"max_rate": "10", "currency": "GBP"}))
    assert set(found) == {"Euro", "Dear euro", "Dollar", "Franc"}
    assert all(card["no_exchange_rate"] for card in found.values())


def test_loading_rates_refreshes_cached_search_pages(api_client, players):
    params = {"currency": "GBP"}
    assert cards(api_client.get(SEARCH, params))["Euro"]["converted_rate"] == "95.04"
    rate = ExchangeRate.objects.get(currency="GBP", day=datetime(2026, 11, 27).date())
    rate.per_euro = Decimal("0.9")
    exchange.rate_save(rate=rate)
    assert cards(api_client.get(SEARCH, params))["Euro"]["converted_rate"] == "99.00"


def test_the_search_page_says_approximately_and_the_original(client, players):
    page = client.get("/musicians/", {"max_rate": "200", "currency": "GBP"}).content.decode()
    assert "≈ £95 (€110)" in page
    assert "≈ £82 ($100)" in page
    assert "XOF 50,000.00 (no exchange rate to GBP)" in page
    assert "£90.00" in page
