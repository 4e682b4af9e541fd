"""Money rules of billing, in one place. Pure functions except ``reference_base_rate`` (one query).

**VAT rounding (the one rule):** VAT is computed once per invoice on the subtotal of its lines
(every line of an invoice carries the same rate) and rounded half up to the currency's minor unit:
``vat = money(subtotal × rate / 100)``; ``total = subtotal + vat``. Lines themselves are already
rounded half up to the minor unit (the booking's frozen fee lines and each expense line).
HMRC allows VAT to be rounded on the invoice total; rounding once means the VAT on an invoice
never drifts from ``rate × subtotal`` by more than half a penny.

**Late payment (UK):** the Late Payment of Commercial Debts (Interest) Act 1998: simple interest
at 8 % over the Bank of England *reference rate* — the base rate in force on 31 December (for
debts falling due from 1 January to 30 June) or on 30 June (for debts falling due from 1 July to
31 December) — for each day after the due date, on the amount still owed, plus fixed
compensation by the size of the debt: £40 under £1,000, £70 under £10,000, £100 from £10,000.
Interest is rounded half up to the penny once, on the total for the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from bookings.fees import money

ZERO = Decimal("0")
STATUTORY_MARGIN = Decimal("8")
DAYS_IN_YEAR = Decimal("365")


def vat_rate_for(country: str) -> Decimal:
    """The standard VAT rate of ``country`` (settings.BILLING_VAT_RATES), 0 when not listed."""
    rates = getattr(settings, "BILLING_VAT_RATES", {})
    return Decimal(str(rates.get(country.upper(), "0")))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal


def invoice_totals(amounts: list[Decimal], *, vat_rate: Decimal, currency: str) -> Totals:
    subtotal = money(sum(amounts, ZERO), currency)
    vat = money(subtotal * vat_rate / Decimal(100), currency)
    return Totals(subtotal=subtotal, vat_rate=vat_rate, vat=vat, total=subtotal + vat)


def reference_date(due_date: date) -> date:
    """The day whose base rate fixes the reference rate for a debt falling due on ``due_date``."""
    if due_date.month <= 6:
        return date(due_date.year - 1, 12, 31)
    return date(due_date.year, 6, 30)


def reference_base_rate(due_date: date) -> Decimal | None:
    """Bank of England base rate in force on the reference day, from the dated table staff keep."""
    from billing.models import BaseRate

    row = BaseRate.objects.filter(effective_from__lte=reference_date(due_date)).order_by("-effective_from").first()
    return row.rate_percent if row is not None else None


def fixed_compensation(debt: Decimal) -> Decimal:
    if debt < Decimal("1000"):
        return Decimal("40.00")
    if debt < Decimal("10000"):
        return Decimal("70.00")
    return Decimal("100.00")


@dataclass(frozen=True)
class LateCharge:
    days_overdue: int
    reference_rate: Decimal  # base rate on the reference day, percent
    annual_rate: Decimal  # reference rate + 8, percent
    interest: Decimal
    compensation: Decimal
    daily_interest: Decimal  # unrounded, for the explanation

    @property
    def total(self) -> Decimal:
        return self.interest + self.compensation


def statutory_interest(*, outstanding: Decimal, due_date: date, on: date, currency: str = "GBP") -> LateCharge | None:
    """Statutory interest and compensation owed on ``on`` for a debt of ``outstanding`` due ``due_date``.

    None when nothing is overdue (paid, or not yet late) or no base rate is known for the reference day.
    """
    days = (on - due_date).days
    if days <= 0 or outstanding <= 0:
        return None
    base = reference_base_rate(due_date)
    if base is None:
        return None
    annual = base + STATUTORY_MARGIN
    daily = outstanding * annual / Decimal(100) / DAYS_IN_YEAR
    interest = money(outstanding * annual * days / (Decimal(100) * DAYS_IN_YEAR), currency)
    return LateCharge(days_overdue=days, reference_rate=base, annual_rate=annual, interest=interest,
                      compensation=fixed_compensation(outstanding), daily_interest=daily)


def uk_tax_year(day: date) -> tuple[date, date]:
    """The UK tax year (6 April to 5 April) containing ``day``, as inclusive bounds."""
    start_year = day.year if (day.month, day.day) >= (4, 6) else day.year - 1
    return date(start_year, 4, 6), date(start_year + 1, 4, 5)


WORK_KINDS = {
    "studio_session": "studio",
    "remote_recording": "studio",
    "live_show": "live",
    "tour_date": "tour",
}


def work_kind(booking_kind: str) -> str:
    return WORK_KINDS.get(booking_kind, "other")


def show(amount: Decimal, currency: str) -> str:
    """Money as people read it: rounded to the currency's minor unit, then the code ("254.00 GBP")."""
    return f"{money(amount, currency)} {currency}"
