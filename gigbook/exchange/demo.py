"""Demo exchange rates: the dated sample shipped in data/ (idempotent: a reload replaces)."""

from gigbook.exchange import services
from gigbook.exchange.management.commands.load_exchange_rates import SAMPLE


def seed(*, stdout=None) -> None:
    result = services.rates_load(path=SAMPLE, source="demo sample")
    if stdout is not None:
        stdout.write(f"exchange rates: {result.rates} (sample, {result.latest:%d %B %Y})")
