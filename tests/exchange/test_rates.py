"""Exchange rates: loading the ECB's reference files, the rate in force, staff edits."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gigbook.core.errors import ValidationFailed
from gigbook.exchange import selectors, services
from gigbook.exchange.models import ExchangeRate

pytestmark = pytest.mark.django_db

DAILY_CSV = (
    "Date, USD, JPY, GBP, \n"
    "28 November 2026, 1.0600, 162.10, 0.86550, \n"
)
HISTORY_CSV = (
    "Date,USD,GBP,RUB,\n"
    "2026-11-27,1.0580,0.86400,N/A,\n"
    "2022-02-28,1.1240,0.83530,117.2010,\n"
)


def test_the_shipped_sample_loads_and_loading_again_replaces_not_duplicates():
    out = StringIO()
    call_command("load_exchange_rates", stdout=out)
    assert "Loaded 24 rates for 12 currencies over 2 day(s); latest 27 November 2026." in out.getvalue()
    call_command("load_exchange_rates", stdout=StringIO())
    assert ExchangeRate.objects.count() == 24
    gbp = ExchangeRate.objects.get(currency="GBP", day=date(2026, 11, 27))
    assert gbp.per_euro == Decimal("0.864000") and gbp.source == "eurofxref-sample.xml"


def test_the_ecb_csv_files_daily_and_history_load(tmp_path):
    daily, history = tmp_path / "eurofxref.csv", tmp_path / "eurofxref-hist.csv"
    daily.write_text(DAILY_CSV)
    history.write_text(HISTORY_CSV)
    assert services.rates_load(path=daily).rates == 3
    result = services.rates_load(path=history)
    # "N/A" (no rate that day) is skipped, not stored as zero.
    assert (result.rates, result.days, result.latest) == (5, 2, date(2026, 11, 27))
    assert not ExchangeRate.objects.filter(currency="RUB", day=date(2026, 11, 27)).exists()
    assert ExchangeRate.objects.get(currency="JPY").per_euro == Decimal("162.100000")


def test_the_rate_in_force_is_the_latest_published_on_or_before_the_day(tmp_path):
    history = tmp_path / "eurofxref-hist.csv"
    history.write_text(HISTORY_CSV)
    services.rates_load(path=history)
    assert selectors.rates_in_force(on=date(2026, 11, 30))["GBP"] == (Decimal("0.864000"), date(2026, 11, 27))
    selectors.clear_cache()
    before = selectors.rates_in_force(on=date(2026, 11, 26))
    assert before["GBP"] == (Decimal("0.835300"), date(2022, 2, 28))
    assert before["RUB"][1] == date(2022, 2, 28)
    selectors.clear_cache()
    assert set(selectors.rates_in_force(on=date(2020, 1, 1))) == {"EUR"}  # nothing published yet: only the base
    factors = selectors.conversion_factors(to="GBP", on=date(2026, 11, 30))
    assert factors["GBP"] == 1 and factors["EUR"] == Decimal("0.864000000000")
    assert (Decimal("110") * factors["EUR"]).quantize(Decimal("0.01")) == Decimal("95.04")


def test_a_staff_edit_takes_effect_at_once_in_this_process(tmp_path):
    call_command("load_exchange_rates", stdout=StringIO())
    assert selectors.rates_in_force(on=date(2026, 11, 28))["USD"][0] == Decimal("1.058000")
    rate = ExchangeRate.objects.get(currency="USD", day=date(2026, 11, 27))
    rate.per_euro = Decimal("1.1")
    services.rate_save(rate=rate)
    assert selectors.rates_in_force(on=date(2026, 11, 28))["USD"][0] == Decimal("1.1")
    services.rates_delete(rates=ExchangeRate.objects.filter(currency="USD", day=date(2026, 11, 27)))
    assert selectors.rates_in_force(on=date(2026, 11, 28))["USD"][1] == date(2026, 11, 26)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
        (b"<Cube><Cube time='2026-11-27'><Cube currency='USD' rate='1.05'/>", "not well-formed XML"),
        (b"Currency,Rate\nUSD,1.05\n", "must start with a “Date” column"),
        (b"Date, USD,\nyesterday, 1.05,\n", "“yesterday” is not a date"),
        (b"Date, USD,\n2026-11-27, lots,\n", "The rate for USD on 27 November 2026 is not a number"),
        (b"Date, USD,\n2026-11-27, -1.05,\n", "must be more than zero"),
        (b"Date, DOLLARS,\n2026-11-27, 1.05,\n", "is not a currency code"),
        (b"<x/>", "holds no exchange rates"),
    ],
)
def test_a_bad_file_is_refused_in_plain_words_and_nothing_is_saved(tmp_path, content, message):
    path = tmp_path / "rates.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_exchange_rates", str(path), stdout=StringIO())
    assert message in str(excinfo.value)
    assert "_" not in str(excinfo.value).replace(str(path), "")
    assert not ExchangeRate.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationFailed, match="could not be opened"):
        services.rates_load(path=tmp_path / "nope.xml")
