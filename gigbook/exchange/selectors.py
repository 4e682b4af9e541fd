"""Rates in force and conversion factors.

Searches convert on every request, so the rates in force are kept per process for a minute
(``RATES_TTL_SECONDS``) and dropped at once when this process writes rates; other processes
see a change within the minute. Rates are daily reference figures: a minute is nothing.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Max, Q

from gigbook.exchange.models import ExchangeRate

BASE = "EUR"
RATES_TTL_SECONDS = 60.0
# Factors are exact to 12 places; amounts are rounded to cents after multiplying.
FACTOR_PLACES = Decimal("1e-12")

_cache: dict[date, tuple[float, dict[str, tuple[Decimal, date]]]] = {}


def clear_cache() -> None:
    _cache.clear()


def rates_in_force(*, on: date) -> dict[str, tuple[Decimal, date]]:
    """currency -> (units per euro, day published) of the latest rate on or before ``on``; the euro is 1."""
    cached = _cache.get(on)
    if cached is not None and time.monotonic() - cached[0] < RATES_TTL_SECONDS:
        return cached[1]
    latest = dict(ExchangeRate.objects.filter(day__lte=on).values_list("currency").annotate(Max("day")).order_by())
    found: dict[str, tuple[Decimal, date]] = {BASE: (Decimal(1), on)}
    if latest:
        rows = ExchangeRate.objects.filter(reduce(or_, (Q(currency=c, day=d) for c, d in latest.items())))
        found.update({row.currency: (row.per_euro, row.day) for row in rows})
    _cache.clear()  # one day at a time is all searches ask for
    _cache[on] = (time.monotonic(), found)
    return found


def conversion_factors(*, to: str, on: date) -> dict[str, Decimal]:
    """currency -> factor that turns an amount in it into ``to``, for every currency with a rate in
    force (and ``to`` itself, always 1). A currency missing here cannot be converted."""
    rates = rates_in_force(on=on)
    if to not in rates:
        return {to: Decimal(1)}
    target = rates[to][0]
    return {code: (target / per_euro).quantize(FACTOR_PLACES) if code != to else Decimal(1)
            for code, (per_euro, _) in rates.items()}
