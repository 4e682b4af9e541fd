"""Reads of billing with rules: who may see what, and the earnings figures.

Invoices are visible to their two parties and to staff holding ``billing.view_all_invoices``;
everyone else gets 404. Bank details are shown only to the two parties (never to staff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import Expense, Invoice
from gigbook.core import clock
from gigbook.core.errors import NotFound

VIEW_ALL = "billing.view_all_invoices"
ZERO = Decimal("0")
MILLS = Decimal("0.001")


def user_today(user) -> date:
    return clock.now().astimezone(user.zone).date()


def invoice_today(invoice: Invoice) -> date:
    """Today where the invoice's dates are kept: the musician's zone (its issue and due dates, the
    reminders and the late charge are all in it). Whoever looks, so both parties see one answer to
    "is it overdue?" even when the producer's calendar is still on the due date."""
    return user_today(invoice.musician)


def _overdue(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Issued invoices past their due date in their musician's zone (one date per zone among them)."""
    qs = qs.filter(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE)
    now = clock.now()
    past_due = Q(pk__in=[])
    for zone in qs.order_by().values_list("musician__time_zone", flat=True).distinct():
        past_due |= Q(musician__time_zone=zone, due_date__lt=now.astimezone(ZoneInfo(zone)).date())
    return qs.filter(past_due)


def invoices_for_user(*, user, role: str | None = None, status: str | None = None) -> QuerySet[Invoice]:
    """The user's invoices (as musician, producer or both), newest first. select_related: both parties, booking."""
    if role == "musician":
        qs = Invoice.objects.filter(musician=user)
    elif role == "producer":
        # Producers never see the musician's drafts: those are not sent yet.
        qs = Invoice.objects.filter(producer=user).exclude(status=Invoice.Status.DRAFT)
    else:
        qs = Invoice.objects.filter(Q(musician=user) | (Q(producer=user) & ~Q(status=Invoice.Status.DRAFT)))
    if status == "overdue":
        qs = _overdue(qs)
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("musician", "producer", "booking").order_by("-created_at", "-id")


def invoice_get_for_user(*, user, invoice_id: int) -> Invoice:
    """One invoice with its lines and payments, or 404 for anyone but the parties and permitted staff."""
    invoice = (Invoice.objects.select_related("musician", "producer", "booking", "booking__venue", "credits")
               .prefetch_related("lines", "payments").filter(pk=invoice_id).first())
    if invoice is None or not user.is_authenticated:
        raise NotFound("No such invoice.")
    if user.pk == invoice.musician_id:
        return invoice
    if user.pk == invoice.producer_id and invoice.status != Invoice.Status.DRAFT:
        return invoice
    if user.is_staff and user.has_perm(VIEW_ALL):
        return invoice
    raise NotFound("No such invoice.")


def can_see_bank_details(user, invoice: Invoice) -> bool:
    return invoice.is_party(user)


def expenses_for_user(*, user, start: date | None = None, end: date | None = None) -> QuerySet[Expense]:
    qs = Expense.objects.filter(musician=user).select_related("invoice", "booking")
    if start:
        qs = qs.filter(spent_on__gte=start)
    if end:
        qs = qs.filter(spent_on__lte=end)
    return qs.order_by("-spent_on", "-id")


# --- Earnings -------------------------------------------------------------------------------------

GROUPS = ("status", "producer", "kind", "month")
_MONEY = DecimalField(max_digits=14, decimal_places=3)


@dataclass
class EarningsRow:
    key: str
    label: str
    currency: str
    count: int
    net: Decimal
    vat: Decimal
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal


@dataclass
class Earnings:
    start: date
    end: date
    group_by: str
    rows: list[EarningsRow] = field(default_factory=list)
    totals: dict[str, EarningsRow] = field(default_factory=dict)  # per currency


def _earned_invoices(user, start: date, end: date) -> QuerySet[Invoice]:
    # Invoices issued in the range that still stand (paid or not); void ones and their credit notes
    # cancel out, so both are left out.
    return Invoice.objects.filter(musician=user, kind=Invoice.Kind.INVOICE,
                                  status__in=[Invoice.Status.ISSUED, Invoice.Status.PAID],
                                  issue_date__gte=start, issue_date__lte=end)


def earnings_summary(*, user, start: date, end: date, group_by: str = "status") -> Earnings:
    """The musician's earnings from ``start`` to ``end`` (issue dates, inclusive), grouped, per currency.

    One SQL statement: a GROUP BY with conditional sums; totals are added up from its rows.
    "overdue" is money still owed after the due date; "status" groups into paid / owed / overdue.
    """
    if group_by not in GROUPS:
        group_by = "status"
    today = user_today(user)
    owed = F("total") - F("paid_amount")
    overdue_q = Q(status=Invoice.Status.ISSUED, due_date__lt=today)
    key_expr = {
        "status": Case(When(status=Invoice.Status.PAID, then=Value("paid")), When(overdue_q, then=Value("overdue")),
                       default=Value("owed"), output_field=CharField()),
        "producer": F("producer_id"),
        "kind": F("work_kind"),
        "month": TruncMonth("issue_date"),
    }[group_by]
    values = ["key", "currency"] + (["producer__full_name"] if group_by == "producer" else [])
    rows = (_earned_invoices(user, start, end).annotate(key=key_expr).values(*values)
            .annotate(count=Count("id"), net=Sum("subtotal"), vat=Sum("vat_amount"), invoiced=Sum("total"),
                      paid=Sum("paid_amount"), outstanding=Sum(owed, output_field=_MONEY),
                      overdue=Coalesce(Sum(owed, filter=overdue_q, output_field=_MONEY), Value(ZERO), output_field=_MONEY))
            .order_by("currency", "key"))
    labels = {"paid": "Paid", "owed": "Invoiced, not yet due", "overdue": "Overdue",
              **dict(Invoice.WorkKind.choices)}
    result = Earnings(start=start, end=end, group_by=group_by)
    for row in rows:
        key = row["key"]
        if group_by == "producer":
            label = row["producer__full_name"]
        elif group_by == "month":
            label = f"{key:%b %Y}"
            key = f"{key:%Y-%m}"
        else:
            label = labels.get(key, key)
        # Stored amounts have 3 decimals; SQLite (demo mode) sums them as floats, so bring them back.
        sums = {name: Decimal(row[name] or 0).quantize(MILLS) for name in
                ("net", "vat", "invoiced", "paid", "outstanding", "overdue")}
        item = EarningsRow(key=str(key), label=label, currency=row["currency"], count=row["count"], **sums)
        result.rows.append(item)
        total = result.totals.setdefault(item.currency, EarningsRow("total", "Total", item.currency, 0, ZERO, ZERO,
                                                                    ZERO, ZERO, ZERO, ZERO))
        for name in ("count", "net", "vat", "invoiced", "paid", "outstanding", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
    return result


def earnings_invoices(*, user, start: date, end: date) -> QuerySet[Invoice]:
    """The invoices behind ``earnings_summary`` (same filter), for the CSV export."""
    return _earned_invoices(user, start, end).select_related("musician", "producer", "booking").order_by("issue_date", "sequence")


def owed_by_producer(*, user) -> QuerySet[Invoice]:
    """What a producer owes: their issued, unpaid invoices, soonest due first."""
    return (Invoice.objects.filter(producer=user, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED)
            .select_related("musician", "booking").annotate(owed=F("total") - F("paid_amount"))
            .order_by("due_date", "id"))
