from decimal import Decimal

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
