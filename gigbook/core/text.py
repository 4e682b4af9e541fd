"""Small helpers for the words people read."""

from collections.abc import Sized


def counted(amount: int | Sized, noun: str, plural: str | None = None) -> str:
    """'1 booking', '3 bookings' (never 'booking(s)'); ``amount`` may be a number or a collection."""
    n = amount if isinstance(amount, int) else len(amount)
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def zone_label(zone_name: str, at=None) -> str:
    """'London time (GMT)': a time zone as people say it, for the note next to a time picker.

    The abbreviation is the one in force ``at`` (default now): BST in summer. Zones without a
    letter abbreviation read as an offset ('Dubai time (UTC+04)').
    """
    from zoneinfo import ZoneInfo

    from gigbook.core import clock

    moment = (at or clock.now()).astimezone(ZoneInfo(zone_name))
    place = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    abbreviation = moment.strftime("%Z")
    if not abbreviation.isalpha():
        abbreviation = f"UTC{abbreviation}" if abbreviation[:1] in "+-" else abbreviation
    if zone_name == "UTC":
        return "UTC"
    return f"{place} time ({abbreviation})"
