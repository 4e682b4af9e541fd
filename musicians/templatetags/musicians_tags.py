from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹"}


@register.filter
def money(amount, currency: str = "") -> str:
    """``65`` + ``GBP`` -> ``£65.00``; other currencies keep their code (``SEK 650.00``)."""
    if amount is None or amount == "":
        return ""
    value = f"{Decimal(str(amount)):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{currency} {value}".strip()


def _short(amount, currency: str, *, whole: bool) -> str:
    """``£95`` / ``€110.50``: whole units when asked or when there are no cents."""
    value = Decimal(str(amount))
    if whole or value == value.to_integral_value():
        text = f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    else:
        text = f"{value:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"


@register.simple_tag
def rate_text(amount, currency: str, converted=None, target: str | None = None, no_rate: bool = False) -> str:
    """A rate as a result card shows it in the searched currency: ``≈ £95 (€110)``; in its own
    currency when that is the one searched; with "no exchange rate" when none is in force."""
    if amount is None:
        return ""
    if not target or target == currency:
        return money(amount, currency)
    if no_rate or converted is None:
        return f"{money(amount, currency)} (no exchange rate to {target})"
    return f"≈ {_short(converted, target, whole=True)} ({_short(amount, currency, whole=False)})"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def page_url(query: str, number: int) -> str:
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def distance_band(distance) -> int | None:
    """A search distance as shown to others: rounded up to 5 km (musicians.geo)."""
    from musicians.geo import distance_band_km

    return distance_band_km(distance)
