"""The producer's engagement form: one row per date, read from parallel lists of inputs (every row
has the same names). Shape only: bad numbers or times become plain per-date messages; the rules are
the services'."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime

from gigbook.core.errors import ValidationFailed

ROW_FIELDS = ("starts_at", "ends_at", "venue", "kind", "fee_basis", "rate", "travel_fee", "per_diem", "travel_days",
              "late_cancellation_window_hours", "late_cancellation_fee", "note")
MIN_ROWS = 3


@dataclass
class Parsed:
    musician: int
    instrument: str
    title: str
    note: str
    allow_partial: bool
    dates: list[dict] = field(default_factory=list)

    def preview_args(self) -> dict:
        return {"musician_profile_id": self.musician, "instrument": self.instrument, "title": self.title,
                "dates": self.dates}

    def offer_args(self) -> dict:
        return {**self.preview_args(), "note": self.note, "allow_partial": self.allow_partial}


def rows_for_page(data) -> list[dict]:
    """The rows to show again after a POST (what was typed), at least MIN_ROWS."""
    if data is None:
        return [{} for _ in range(MIN_ROWS)]
    columns = {name: data.getlist(name) for name in ROW_FIELDS}
    count = max([len(values) for values in columns.values()] + [MIN_ROWS])
    return [{name: (values[i] if i < len(values) else "") for name, values in columns.items()} for i in range(count)]


def _amount(raw: str, n: int, what: str, errors: list[str]) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= Decimal("100000000"):
        errors.append(f"Date {n}: give the {what} as an amount of zero or more, e.g. 180 or 180.50.")
        return None
    return value


def _whole(raw: str, n: int, what: str, errors: list[str]) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 10000:
        errors.append(f"Date {n}: give the {what} as a whole number.")
        return None
    return int(raw)


def _moment(raw: str, n: int, what: str, errors: list[str]) -> datetime | None:
    try:
        value = parse_datetime(raw) if raw and len(raw) <= 40 else None
    except ValueError:
        value = None
    if value is None:
        errors.append(f"Date {n}: give the {what} as a date and time.")
    return value


def parse(data) -> Parsed:
    errors: list[str] = []
    top: dict[str, list[str]] = {}
    musician = data.get("musician", "")
    if not musician.isdigit():
        top["musician"] = ["Choose a musician."]
    instrument = data.get("instrument", "").strip()
    if not instrument:
        top["instrument"] = ["Choose an instrument."]
    dates = []
    for n, row in enumerate((row for row in rows_for_page(data) if any(row.get(k) for k in ("starts_at", "ends_at"))),
                            start=1):
        date = {
            "starts_at": _moment(row["starts_at"], n, "start", errors),
            "ends_at": _moment(row["ends_at"], n, "end", errors),
            "venue": _whole(row["venue"], n, "venue", errors),
            "kind": row["kind"] or "tour_date",
            "fee_basis": row["fee_basis"] or "flat",
            "rate": _amount(row["rate"], n, "fee", errors),
            "travel_fee": _amount(row["travel_fee"], n, "travel fee", errors),
            "per_diem": _amount(row["per_diem"], n, "per diem", errors),
            "travel_days": _whole(row["travel_days"], n, "travel days", errors) or 0,
            "late_cancellation_window_hours": _whole(row["late_cancellation_window_hours"], n, "cancellation notice",
                                                     errors),
            "late_cancellation_fee": _amount(row["late_cancellation_fee"], n, "cancellation fee", errors),
            "note": row["note"][:200],
        }
        if date["kind"] == "remote_recording":
            date["venue"] = None
        dates.append(date)
    if not dates and not errors:
        errors.append("Add at least one date: its start and end.")
    if errors:
        top["dates"] = errors
    if top:
        raise ValidationFailed(fields=top)
    return Parsed(musician=int(musician), instrument=instrument, title=data.get("title", ""),
                  note=data.get("note_all", ""), allow_partial=data.get("allow_partial") == "on", dates=dates)
