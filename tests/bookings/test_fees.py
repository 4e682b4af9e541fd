"""Fees as session work is really paid: every basis, extras, rounding, time zones and DST."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import fees
from bookings.fees import (
    CancellationTerms,
    FeeBasis,
    FeeError,
    FeeTerms,
    PublishedRates,
    cancellation_charge,
    money,
    quote,
    rate_check,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
D = Decimal


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def terms(**overrides):
    values = {"currency": "GBP", "basis": FeeBasis.HOURLY, "rate": D("50")}
    values.update(overrides)
    return FeeTerms(**values)


def lines(q):
    return {line.code: line for line in q.lines}


def test_hourly_is_rate_times_hours():
    q = quote(terms(rate=D("45.50")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 14))
    assert q.total == D("182.00")
    assert q.billable_hours == D("4")
    assert lines(q)["base"].quantity == D("4")


def test_hourly_rounds_up_to_the_next_half_hour():
    q = quote(terms(), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 12, 10))
    assert q.billable_hours == D("2.5")
    assert q.total == D("125.00")


def test_hourly_honours_minimum_call():
    q = quote(terms(minimum_call_hours=D("3")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 11))
    assert q.billable_hours == D("3")
    assert q.total == D("150.00")
    assert any("Minimum call" in note for note in q.notes)


def test_hourly_above_minimum_call_bills_actual_time():
    q = quote(terms(minimum_call_hours=D("3")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 15))
    assert q.billable_hours == D("5")
    assert q.notes == ()


def test_minimum_call_on_a_short_night_when_clocks_go_forward():
    # 00:30-03:30 London on 28 March 2027 is 3 hours on the wall clock but only 2 real hours.
    start = at(LONDON, 2027, 3, 28, 0, 30)
    end = at(LONDON, 2027, 3, 28, 3, 30)
    assert fees.elapsed_hours(start, end) == D("2")
    q = quote(terms(minimum_call_hours=D("3")), starts_at=start, ends_at=end)
    assert q.billable_hours == D("3")  # the minimum call, not the wall-clock difference
    q = quote(terms(minimum_call_hours=D("0")), starts_at=start, ends_at=end)
    assert q.billable_hours == D("2")


def test_long_night_when_clocks_go_back_pays_the_extra_hour():
    # 00:00-04:00 New York on 7 November 2027 is 4 wall-clock hours but 5 real ones.
    start = at(NEW_YORK, 2027, 11, 7, 0, 0)
    end = at(NEW_YORK, 2027, 11, 7, 4, 0)
    q = quote(terms(currency="USD", rate=D("80")), starts_at=start, ends_at=end)
    assert q.billable_hours == D("5")
    assert q.total == D("400.00")


def test_same_instant_in_different_zones_prices_the_same():
    start_tokyo = at(TOKYO, 2027, 6, 1, 19)
    start_utc = start_tokyo.astimezone(UTC)
    a = quote(terms(), starts_at=start_tokyo, ends_at=start_tokyo + timedelta(hours=3))
    b = quote(terms(), starts_at=start_utc, ends_at=start_utc + timedelta(hours=3))
    assert a == b


def test_session_rate_per_three_hours():
    q = quote(terms(basis=FeeBasis.SESSION, rate=D("150")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 16))
    assert lines(q)["base"].quantity == D("2")
    assert q.total == D("300.00")


def test_short_session_is_still_one_session():
    q = quote(terms(basis=FeeBasis.SESSION, rate=D("150")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 11))
    assert q.total == D("150.00")


def test_session_leftover_is_overtime_per_started_half_hour():
    t = terms(basis=FeeBasis.SESSION, rate=D("150"), overtime_rate_per_half_hour=D("30"))
    q = quote(t, starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 13, 40))
    assert lines(q)["session_overtime"].quantity == D("2")  # 40 minutes = 2 started half hours
    assert q.total == D("210.00")
    assert q.billable_hours == D("4")


def test_session_leftover_without_overtime_rate_is_another_session():
    t = terms(basis=FeeBasis.SESSION, rate=D("150"))
    q = quote(t, starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 13, 10))
    assert lines(q)["base"].quantity == D("2")
    assert q.total == D("300.00")
    assert q.notes


def test_day_rate_per_started_24_hours():
    t = terms(basis=FeeBasis.DAY, rate=D("400"))
    assert quote(t, starts_at=at(LONDON, 2027, 3, 1, 9), ends_at=at(LONDON, 2027, 3, 1, 19)).total == D("400.00")
    assert quote(t, starts_at=at(LONDON, 2027, 3, 1, 9), ends_at=at(LONDON, 2027, 3, 2, 15)).total == D("800.00")


def test_flat_fee_ignores_duration():
    t = terms(basis=FeeBasis.FLAT, rate=D("999.99"))
    q = quote(t, starts_at=at(LONDON, 2027, 3, 1, 9), ends_at=at(LONDON, 2027, 3, 1, 23))
    assert q.total == D("999.99")
    assert q.billable_hours == D("0")


def test_every_extra_is_its_own_line_and_adds_up():
    t = terms(
        rate=D("60"), overtime_rate_per_half_hour=D("35"), overtime_half_hours=2, doubles=2, doubling_fee=D("25"),
        cartage_fee=D("40"), travel_fee=D("33.33"), per_diem=D("45"), per_diem_days=3,
    )
    q = quote(t, starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 13))
    by_code = lines(q)
    assert by_code["base"].amount == D("180.00")
    assert by_code["overtime"].amount == D("70.00")
    assert by_code["doubling"].amount == D("50.00")
    assert by_code["cartage"].amount == D("40.00")
    assert by_code["travel"].amount == D("33.33")
    assert by_code["per_diem"].amount == D("135.00")
    assert q.total == D("508.33") == sum(line.amount for line in q.lines)


def test_zero_extras_add_no_lines():
    q = quote(terms(), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 13))
    assert [line.code for line in q.lines] == ["base"]


def test_rounding_is_half_up_per_currency():
    assert money(D("10.005"), "GBP") == D("10.01")
    assert money(D("10.004"), "GBP") == D("10.00")
    assert money(D("1234.5"), "JPY") == D("1235")
    assert money(D("1.2345"), "KWD") == D("1.235")
    q = quote(terms(currency="JPY", rate=D("5000.5")), starts_at=at(TOKYO, 2027, 3, 1, 10), ends_at=at(TOKYO, 2027, 3, 1, 11))
    assert q.total == D("5001")


def test_quote_json_has_only_strings_for_money():
    q = quote(terms(cartage_fee=D("10")), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 12))
    data = q.as_json()
    assert data["total"] == "110.00"
    assert data["lines"][0]["amount"] == "100.00"
    assert all(isinstance(line["unit_amount"], str) for line in data["lines"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rate": D("-1")}, "rate"),
        ({"currency": "gbp"}, "currency"),
        ({"currency": "POUNDS"}, "currency"),
        ({"basis": "weekly"}, "fee_basis"),
        ({"doubles": -1}, "doubles"),
        ({"travel_fee": D("NaN")}, "travel_fee"),
        ({"cartage_fee": D("Infinity")}, "cartage_fee"),
    ],
)
def test_unpriceable_terms_are_refused_with_the_field(overrides, field):
    with pytest.raises(FeeError) as info:
        terms(**overrides)
    assert info.value.field == field


def test_end_before_start_is_refused():
    with pytest.raises(FeeError) as info:
        quote(terms(), starts_at=at(LONDON, 2027, 3, 1, 12), ends_at=at(LONDON, 2027, 3, 1, 12))
    assert info.value.field == "ends_at"


def test_planned_overtime_needs_an_overtime_rate():
    with pytest.raises(FeeError) as info:
        quote(terms(overtime_half_hours=2), starts_at=at(LONDON, 2027, 3, 1, 10), ends_at=at(LONDON, 2027, 3, 1, 12))
    assert info.value.field == "overtime_half_hours"


def test_naive_times_are_refused():
    with pytest.raises(FeeError):
        quote(terms(), starts_at=datetime(2027, 3, 1, 10), ends_at=datetime(2027, 3, 1, 12))


# --- below the published rate -----------------------------------------------------------------

RATES = PublishedRates(currency="GBP", hourly_rate=D("50"), session_rate=D("140"), day_rate=D("380"), live_rate=D("250"),
                       minimum_call_hours=D("3"))


def check(t, *, live=False, hours=3):
    start = at(LONDON, 2027, 3, 1, 10)
    return rate_check(t, RATES, kind_is_live=live, starts_at=start, ends_at=start + timedelta(hours=hours))


def test_offer_at_published_rate_is_not_flagged():
    result = check(terms(rate=D("50"), minimum_call_hours=D("3")))
    assert not result.below_published_rate
    assert result.published_amount == D("150.00")


def test_hourly_offer_below_published_rate_is_flagged():
    result = check(terms(rate=D("45"), minimum_call_hours=D("3")))
    assert result.below_published_rate
    assert result.offered_amount == D("135.00")
    assert "Below" in result.explanation


def test_session_offer_is_compared_with_session_rate():
    assert check(terms(basis=FeeBasis.SESSION, rate=D("139.99"))).below_published_rate
    assert not check(terms(basis=FeeBasis.SESSION, rate=D("140"))).below_published_rate


def test_flat_live_show_is_compared_with_live_rate():
    assert check(terms(basis=FeeBasis.FLAT, rate=D("200")), live=True).below_published_rate
    assert not check(terms(basis=FeeBasis.FLAT, rate=D("250")), live=True).below_published_rate


def test_flat_studio_fee_is_compared_with_hourly_price_of_the_time():
    # 1 hour booked, 3-hour minimum call at 50/h: 150 published.
    assert check(terms(basis=FeeBasis.FLAT, rate=D("149")), hours=1).below_published_rate
    assert not check(terms(basis=FeeBasis.FLAT, rate=D("150")), hours=1).below_published_rate


def test_extras_do_not_hide_a_low_base_rate():
    assert check(terms(rate=D("40"), minimum_call_hours=D("3"), travel_fee=D("500"))).below_published_rate


def test_other_currency_is_not_compared():
    result = check(terms(currency="EUR", rate=D("1")))
    assert not result.below_published_rate
    assert result.published_amount is None


def test_basis_without_published_rate_falls_back_to_hourly():
    rates = PublishedRates(currency="GBP", hourly_rate=D("50"))
    start = at(LONDON, 2027, 3, 1, 10)
    result = rate_check(terms(basis=FeeBasis.DAY, rate=D("100")), rates, kind_is_live=False, starts_at=start,
                        ends_at=start + timedelta(hours=8))
    assert result.below_published_rate
    assert result.published_amount == D("400.00")


# --- late cancellation ------------------------------------------------------------------------

CANCEL = CancellationTerms(currency="GBP", window_hours=48, fee=D("120"))


def test_producer_cancelling_before_window_owes_nothing():
    start = at(LONDON, 2027, 6, 10, 10)
    charge = cancellation_charge(CANCEL, starts_at=start, cancelled_at=start - timedelta(hours=48, seconds=1), by_producer=True)
    assert not charge.late
    assert charge.fee == D("0.00")


def test_producer_cancelling_exactly_at_the_deadline_is_late():
    start = at(LONDON, 2027, 6, 10, 10)
    charge = cancellation_charge(CANCEL, starts_at=start, cancelled_at=start - timedelta(hours=48), by_producer=True)
    assert charge.late
    assert charge.fee == D("120.00")


def test_musician_cancelling_late_owes_nothing():
    start = at(LONDON, 2027, 6, 10, 10)
    charge = cancellation_charge(CANCEL, starts_at=start, cancelled_at=start - timedelta(hours=1), by_producer=False)
    assert charge.late
    assert charge.fee == D("0.00")


def test_no_window_means_never_late():
    terms_ = CancellationTerms(currency="GBP", window_hours=0, fee=D("120"))
    start = at(LONDON, 2027, 6, 10, 10)
    assert not cancellation_charge(terms_, starts_at=start, cancelled_at=start - timedelta(minutes=1), by_producer=True).late


def test_window_across_dst_is_counted_in_real_hours():
    # Gig at 10:00 London on Sunday 28 March 2027, the day the clocks go forward at 01:00.
    # 24 real hours before is 09:00 local on Saturday, not 10:00.
    start = at(LONDON, 2027, 3, 28, 10)
    day_terms = CancellationTerms(currency="GBP", window_hours=24, fee=D("80"))
    charge = cancellation_charge(day_terms, starts_at=start, cancelled_at=at(LONDON, 2027, 3, 27, 9, 30), by_producer=True)
    assert charge.deadline.astimezone(LONDON) == at(LONDON, 2027, 3, 27, 9, 0)
    assert charge.late and charge.fee == D("80.00")
    early = cancellation_charge(day_terms, starts_at=start, cancelled_at=at(LONDON, 2027, 3, 27, 8, 59), by_producer=True)
    assert not early.late


def test_cancelling_from_another_time_zone_uses_the_same_instant():
    start = at(NEW_YORK, 2027, 6, 10, 20)  # 01:00 next day in London
    cancelled_in_london = at(LONDON, 2027, 6, 9, 1, 0)  # exactly 48 hours before
    charge = cancellation_charge(CANCEL, starts_at=start, cancelled_at=cancelled_in_london, by_producer=True)
    assert charge.late
