"""Writing exchange rates: from a published reference file, or one rate at a time (staff, admin).

The file formats are the European Central Bank's euro foreign exchange reference rates, as
published: the XML files (``eurofxref-daily.xml``, ``eurofxref-hist.xml``: ``<Cube time=…>`` with
``<Cube currency=… rate=…/>`` rows) and the CSV files (``eurofxref.csv``: a header of currency
codes and one row "27 November 2026, 1.0530, …"; ``eurofxref-hist.csv``: one ISO-dated row per
day, "N/A" where a currency had no rate). Loading reads a local file only: no network.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET  # noqa: S405 - a local file the operator names, size-capped below
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from gigbook.core.errors import ValidationFailed
from gigbook.exchange import selectors
from gigbook.exchange.models import ExchangeRate
from gigbook.exchange.signals import rates_changed

MAX_FILE_BYTES = 20 * 1024 * 1024  # the full ECB history since 1999 is ~2 MB as XML
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class LoadResult:
    rates: int
    days: int
    currencies: int
    latest: date | None


def _parse_day(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
    raise ValidationFailed(f"“{text}” is not a date the rates file should contain.")


def _parse_rate(text: str, code: str, day: date) -> Decimal | None:
    text = text.strip()
    if text in ("", "N/A"):
        return None
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(f"The rate for {code} on {day:%d %B %Y} is not a number: “{text}”.") from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationFailed(f"The rate for {code} on {day:%d %B %Y} must be more than zero.")
    return rate


def _check_code(code: str) -> str:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ValidationFailed(f"“{code}” is not a currency code.")
    return code


def _from_xml(text: str) -> list[tuple[date, str, Decimal]]:
    try:
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError:
        raise ValidationFailed("The rates file could not be read: it is not well-formed XML.") from None
    rows = []
    for day_cube in root.iter():
        if not day_cube.tag.endswith("Cube") or "time" not in day_cube.attrib:
            continue
        day = _parse_day(day_cube.attrib["time"])
        for cube in day_cube:
            if "currency" in cube.attrib:
                code = _check_code(cube.attrib["currency"])
                rate = _parse_rate(cube.attrib.get("rate", ""), code, day)
                if rate is not None:
                    rows.append((day, code, rate))
    return rows


def _from_csv(text: str) -> list[tuple[date, str, Decimal]]:
    lines = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(lines) < 2 or lines[0][0].strip().lower() != "date":
        raise ValidationFailed("The rates file could not be read: a CSV file must start with a “Date” column "
                               "followed by currency codes.")
    codes = [_check_code(cell) if cell.strip() else None for cell in lines[0][1:]]
    rows = []
    for line in lines[1:]:
        day = _parse_day(line[0])
        for code, cell in zip(codes, line[1:], strict=False):
            if code is not None:
                rate = _parse_rate(cell, code, day)
                if rate is not None:
                    rows.append((day, code, rate))
    return rows


def parse_reference_file(content: bytes) -> list[tuple[date, str, Decimal]]:
    """(day, currency, units per euro) rows of an ECB reference-rate file, XML or CSV."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed("The rates file is too large (more than 20 MB).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The rates file could not be read: it is not text.") from None
    rows = _from_xml(text) if text.lstrip().startswith("<") else _from_csv(text)
    rows = [row for row in rows if row[1] != selectors.BASE]  # the euro is the base, 1 by definition
    if not rows:
        raise ValidationFailed("The rates file holds no exchange rates.")
    return rows


def rates_load(*, path: str | Path, source: str | None = None) -> LoadResult:
    """Load a published reference file from a local path; a rate already stored for the same
    currency and day is replaced. All or nothing. Sends ``rates_changed``."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"The rates file {path} could not be opened ({exc.strerror}).") from None
    rows = parse_reference_file(content)
    source = (source or path.name)[:120]
    with transaction.atomic():
        ExchangeRate.objects.bulk_create(
            [ExchangeRate(day=day, currency=code, per_euro=rate, source=source) for day, code, rate in rows],
            update_conflicts=True, unique_fields=["currency", "day"], update_fields=["per_euro", "source", "updated_at"],
            batch_size=2000,
        )
        _changed()
    days = {day for day, _, _ in rows}
    return LoadResult(rates=len(rows), days=len(days), currencies=len({code for _, code, _ in rows}), latest=max(days))


def rate_save(*, rate: ExchangeRate) -> ExchangeRate:
    """Staff's edit of one rate (the admin)."""
    rate.currency = rate.currency.upper()
    with transaction.atomic():
        rate.save()
        _changed()
    return rate


def rates_delete(*, rates) -> None:
    with transaction.atomic():
        ExchangeRate.objects.filter(pk__in=[rate.pk for rate in rates]).delete()
        _changed()


def _changed() -> None:
    selectors.clear_cache()
    transaction.on_commit(selectors.clear_cache)
    rates_changed.send(sender=ExchangeRate)
