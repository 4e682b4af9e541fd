"""Small helpers for the words people read."""

from collections.abc import Sized


def counted(amount: int | Sized, noun: str, plural: str | None = None) -> str:
    """'1 booking', '3 bookings' (never 'booking(s)'); ``amount`` may be a number or a collection."""
    n = amount if isinstance(amount, int) else len(amount)
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
