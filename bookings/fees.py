"""Session fees as they are really paid, computed with Decimal. Pure functions: no database, no clock.

Rules (documented here because both the offer form and the tests rely on them):

* Time is *elapsed* time (``ends_at - starts_at`` on aware datetimes), so a session across a DST
  change is paid for the hours actually played, not the wall-clock difference.
* hourly: rate x billable hours, where billable hours are the elapsed hours rounded *up* to the next
  half hour and never less than the musician's minimum call.
* session: a session is 3 hours. The booking buys ``max(1, floor(hours / 3))`` sessions; time left
  over beyond the last full session is overtime, paid per started half hour at the overtime rate
  (or, when the musician has no overtime rate, as one more session).
* day: one day rate per started 24 hours (a 10-hour studio day is one day; 30 hours is two).
* flat: one agreed amount for the whole booking.
* Extras are separate lines: planned overtime (extra half hours x overtime rate), doubling (each extra
  instrument x doubling fee), cartage, travel, per diem (days x amount).
* Money is rounded half-up to the currency's minor unit at each line; the total is the sum of lines.
* Late cancellation: a cancellation by the producer at or after ``starts_at - window`` owes the
  musician's late-cancellation fee. The window is counted in real hours, so a DST change in between
  moves the local wall-clock deadline by an hour, not the amount of notice the musician gets.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal("0")
SESSION_HOURS = Decimal("3")
DAY_HOURS = Decimal("24")
HALF_HOUR = Decimal("0.5")

# ISO 4217 minor units for the currencies whose exponent is not 2. Everything else uses cents.
_ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "ISK", "CLP", "VND", "HUF", "TWD", "UGX", "XAF", "XOF"}
_THREE_DECIMAL_CURRENCIES = {"BHD", "JOD", "KWD", "OMR", "TND"}


class FeeBasis(StrEnum):
    HOURLY = "hourly"
    SESSION = "session"
    DAY = "day"
    FLAT = "flat"


class FeeError(ValueError):
    """Terms that cannot be priced (negative amounts, end before start, ...). Carries the field name."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


def currency_exponent(currency: str) -> int:
    if currency in _ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in _THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def money(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (how invoices are rounded)."""
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    return Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)


# Symbols only where one is unambiguous to our readers; others keep the ISO code ("SEK 650.00").
_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹"}


def money_text(amount: Decimal | int | str, currency: str) -> str:
    """An amount as people read it, in the currency's minor units: ``£1,195.00``, ``¥19,500``, ``KWD 1.500``."""
    value = f"{money(amount, currency):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{currency} {value}"


def elapsed_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    """Real elapsed hours between two aware datetimes (DST-proof), exact to the second."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise FeeError("starts_at", "Times must be timezone-aware.")
    # Subtracting two datetimes that share a tzinfo gives the *wall-clock* difference in Python;
    # through UTC it is the real elapsed time, which is what the musician plays.
    seconds = int((ends_at.astimezone(UTC) - starts_at.astimezone(UTC)).total_seconds())
    if seconds <= 0:
        raise FeeError("ends_at", "The end must be after the start.")
    return Decimal(seconds) / Decimal(3600)


def round_up_to_half_hour(hours: Decimal) -> Decimal:
    return Decimal(math.ceil(hours / HALF_HOUR)) * HALF_HOUR


@dataclass(frozen=True)
class FeeTerms:
    """What a booking pays, as agreed (or proposed). Amounts are in ``currency``."""

    currency: str
    basis: FeeBasis
    rate: Decimal  # per hour / per 3-hour session / per day / the flat amount
    minimum_call_hours: Decimal = ZERO
    overtime_rate_per_half_hour: Decimal = ZERO
    overtime_half_hours: int = 0  # planned overtime, on top of the booked time
    doubles: int = 0  # extra instruments played besides the main one
    doubling_fee: Decimal = ZERO  # per extra instrument
    cartage_fee: Decimal = ZERO
    travel_fee: Decimal = ZERO
    per_diem: Decimal = ZERO
    per_diem_days: int = 0

    def __post_init__(self):
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise FeeError("currency", "Choose a currency from the list, e.g. GBP.")
        try:
            object.__setattr__(self, "basis", FeeBasis(self.basis))
        except ValueError as exc:
            raise FeeError("fee_basis", "Choose hourly, session, day or flat.") from exc
        for name in ("rate", "minimum_call_hours", "overtime_rate_per_half_hour", "doubling_fee", "cartage_fee",
                     "travel_fee", "per_diem"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                value = Decimal(str(value))
                object.__setattr__(self, name, value)
            if not value.is_finite() or value < 0:
                raise FeeError(name, "Must be zero or more.")
        for name in ("overtime_half_hours", "doubles", "per_diem_days"):
            if int(getattr(self, name)) < 0:
                raise FeeError(name, "Must be zero or more.")


@dataclass(frozen=True)
class QuoteLine:
    code: str
    label: str
    quantity: Decimal
    unit_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[QuoteLine, ...]
    total: Decimal
    billable_hours: Decimal  # the booked time as billed (after rounding / minimum call); 0 for flat
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        """JSON-safe form (amounts as strings, so no float ever touches money)."""
        return {
            "currency": self.currency,
            "total": str(self.total),
            "billable_hours": str(self.billable_hours),
            "lines": [{key: str(value) if isinstance(value, Decimal) else value for key, value in asdict(line).items()}
                      for line in self.lines],
            "notes": list(self.notes),
        }


def _fmt_hours(hours: Decimal) -> str:
    normal = hours.normalize()
    text = f"{normal:f}"
    return f"{text} hour" if hours == 1 else f"{text} hours"


def _base_line(terms: FeeTerms, hours: Decimal) -> tuple[list[QuoteLine], Decimal, list[str]]:
    """The main fee line(s) for the booked time, plus billable hours and explanatory notes."""
    cur = terms.currency
    notes: list[str] = []
    if terms.basis is FeeBasis.HOURLY:
        rounded = round_up_to_half_hour(hours)
        billable = max(rounded, terms.minimum_call_hours)
        if billable > rounded:
            notes.append(f"Minimum call of {_fmt_hours(terms.minimum_call_hours)} applies.")
        line = QuoteLine("base", f"{_fmt_hours(billable)} at hourly rate", billable, money(terms.rate, cur),
                         money(terms.rate * billable, cur))
        return [line], billable, notes
    if terms.basis is FeeBasis.SESSION:
        sessions = max(1, int(hours // SESSION_HOURS))
        lines = [QuoteLine("base", f"{sessions} × 3-hour session", Decimal(sessions), money(terms.rate, cur),
                           money(terms.rate * sessions, cur))]
        leftover = hours - SESSION_HOURS * sessions
        billable = SESSION_HOURS * sessions
        if leftover > 0:
            halves = math.ceil(leftover / HALF_HOUR)
            if terms.overtime_rate_per_half_hour > 0:
                lines.append(QuoteLine("session_overtime", f"{halves} × half hour beyond the sessions", Decimal(halves),
                                       money(terms.overtime_rate_per_half_hour, cur),
                                       money(terms.overtime_rate_per_half_hour * halves, cur)))
                billable += HALF_HOUR * halves
            else:
                # No overtime rate published: the extra time is another session.
                lines[0] = QuoteLine("base", f"{sessions + 1} × 3-hour session", Decimal(sessions + 1),
                                     money(terms.rate, cur), money(terms.rate * (sessions + 1), cur))
                notes.append("Time beyond the last full session is billed as one more session (no overtime rate).")
                billable += SESSION_HOURS
        return lines, billable, notes
    if terms.basis is FeeBasis.DAY:
        days = max(1, math.ceil(hours / DAY_HOURS))
        line = QuoteLine("base", f"{days} × day rate", Decimal(days), money(terms.rate, cur), money(terms.rate * days, cur))
        return [line], hours, notes
    line = QuoteLine("base", "Flat fee", Decimal(1), money(terms.rate, cur), money(terms.rate, cur))
    return [line], ZERO, notes


def quote(terms: FeeTerms, *, starts_at: datetime, ends_at: datetime) -> Quote:
    """Itemised quote for ``terms`` over the booked time. Raises FeeError for unpriceable input."""
    hours = elapsed_hours(starts_at, ends_at)
    cur = terms.currency
    lines, billable, notes = _base_line(terms, hours)
    if terms.overtime_half_hours:
        if terms.overtime_rate_per_half_hour <= 0:
            raise FeeError("overtime_half_hours", "Planned overtime needs an overtime rate per half hour.")
        lines.append(QuoteLine("overtime", f"Overtime: {terms.overtime_half_hours} × half hour",
                               Decimal(terms.overtime_half_hours), money(terms.overtime_rate_per_half_hour, cur),
                               money(terms.overtime_rate_per_half_hour * terms.overtime_half_hours, cur)))
    if terms.doubles:
        lines.append(QuoteLine("doubling", f"Doubling: {terms.doubles} extra instrument(s)", Decimal(terms.doubles),
                               money(terms.doubling_fee, cur), money(terms.doubling_fee * terms.doubles, cur)))
    if terms.cartage_fee:
        lines.append(QuoteLine("cartage", "Cartage", Decimal(1), money(terms.cartage_fee, cur), money(terms.cartage_fee, cur)))
    if terms.travel_fee:
        lines.append(QuoteLine("travel", "Travel", Decimal(1), money(terms.travel_fee, cur), money(terms.travel_fee, cur)))
    if terms.per_diem_days and terms.per_diem:
        lines.append(QuoteLine("per_diem", f"Per diem: {terms.per_diem_days} day(s)", Decimal(terms.per_diem_days),
                               money(terms.per_diem, cur), money(terms.per_diem * terms.per_diem_days, cur)))
    total = sum((line.amount for line in lines), ZERO)
    return Quote(currency=cur, lines=tuple(lines), total=money(total, cur), billable_hours=billable, notes=tuple(notes))


@dataclass(frozen=True)
class PublishedRates:
    """The musician's published rates (None where not published), in ``currency``."""

    currency: str
    hourly_rate: Decimal | None = None
    session_rate: Decimal | None = None
    day_rate: Decimal | None = None
    live_rate: Decimal | None = None
    minimum_call_hours: Decimal = ZERO
    overtime_rate_per_half_hour: Decimal | None = None


@dataclass(frozen=True)
class RateCheck:
    below_published_rate: bool
    published_amount: Decimal | None  # the base fee the published rates give for the same time
    offered_amount: Decimal
    explanation: str


def published_base_amount(
    rates: PublishedRates, *, basis: FeeBasis, kind_is_live: bool, starts_at: datetime, ends_at: datetime
) -> Decimal | None:
    """What the musician's published rate asks for the booked time on ``basis`` (base line only)."""
    rate_by_basis = {FeeBasis.HOURLY: rates.hourly_rate, FeeBasis.SESSION: rates.session_rate, FeeBasis.DAY: rates.day_rate}
    if basis is FeeBasis.FLAT:
        # A flat fee is compared with the live rate for shows, otherwise with the hourly price of the time.
        if kind_is_live and rates.live_rate is not None:
            return money(rates.live_rate, rates.currency)
        basis, rate = FeeBasis.HOURLY, rates.hourly_rate
    else:
        rate = rate_by_basis[basis]
        if rate is None:
            # Nothing published for this basis: compare with the hourly price of the same time.
            basis, rate = FeeBasis.HOURLY, rates.hourly_rate
    if rate is None:
        return None
    terms = FeeTerms(currency=rates.currency, basis=basis, rate=rate, minimum_call_hours=rates.minimum_call_hours,
                     overtime_rate_per_half_hour=rates.overtime_rate_per_half_hour or ZERO)
    lines, _billable, _notes = _base_line(terms, elapsed_hours(starts_at, ends_at))
    return sum((line.amount for line in lines), ZERO)


def rate_check(
    terms: FeeTerms, rates: PublishedRates, *, kind_is_live: bool, starts_at: datetime, ends_at: datetime
) -> RateCheck:
    """Is the offer's base fee below what the musician publishes for the same time? Extras are not counted."""
    offered_lines, _billable, _notes = _base_line(terms, elapsed_hours(starts_at, ends_at))
    offered = sum((line.amount for line in offered_lines), ZERO)
    if terms.currency != rates.currency:
        return RateCheck(False, None, offered, "The musician publishes rates in another currency; not compared.")
    published = published_base_amount(rates, basis=terms.basis, kind_is_live=kind_is_live,
                                      starts_at=starts_at, ends_at=ends_at)
    if published is None:
        return RateCheck(False, None, offered, "The musician has not published a rate to compare with.")
    if offered < published:
        return RateCheck(True, published, offered,
                         f"Below the musician's published rate: {offered} offered, {published} {rates.currency} published.")
    return RateCheck(False, published, offered, "At or above the musician's published rate.")


@dataclass(frozen=True)
class CancellationTerms:
    currency: str
    window_hours: int
    fee: Decimal


@dataclass(frozen=True)
class CancellationCharge:
    late: bool
    fee: Decimal
    deadline: datetime  # cancelling at or after this moment is late


def cancellation_deadline(terms: CancellationTerms, *, starts_at: datetime) -> datetime:
    # In UTC, so the window is real hours even when a DST change falls inside it.
    return starts_at.astimezone(UTC) - timedelta(hours=terms.window_hours)


def cancellation_charge(
    terms: CancellationTerms, *, starts_at: datetime, cancelled_at: datetime, by_producer: bool
) -> CancellationCharge:
    """What a cancellation at ``cancelled_at`` owes the musician.

    Only the producer's cancellation costs money: the fee compensates the musician for the work
    they turned down. A musician cancelling owes nothing (it is recorded in the history).
    """
    deadline = cancellation_deadline(terms, starts_at=starts_at)
    late = terms.window_hours > 0 and cancelled_at >= deadline
    fee = money(terms.fee, terms.currency) if (late and by_producer) else money(ZERO, terms.currency)
    return CancellationCharge(late=late, fee=fee, deadline=deadline)
