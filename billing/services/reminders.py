"""Chasing: reminders to the producer before the due date, on it, and at 7 and 30 days overdue.

Each stage has a stored ``reminded_*_at`` claimed by a conditional update in the same transaction
as the notification (outbox row), so each goes out once even with two sweeps running. When the
sweep is late and several stages are due at once, only the latest is sent (the others are marked):
nobody wants "due in 3 days" and "7 days overdue" in the same minute. Days are counted in the
musician's time zone, whose terms the invoice states.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from billing import rules
from billing.models import Invoice
from gigbook.core import clock
from gigbook.notifications.services import notify

BEFORE_DAYS = 3
STAGES = (
    ("before", -BEFORE_DAYS, "reminded_before_at"),
    ("due", 0, "reminded_due_at"),
    ("overdue_7", 7, "reminded_overdue_7_at"),
    ("overdue_30", 30, "reminded_overdue_30_at"),
)


def late_charge(invoice: Invoice, on):
    """Statutory interest and compensation on ``on`` for a UK engagement, else None."""
    if not invoice.late_payment_act or invoice.due_date is None:
        return None
    return rules.statutory_interest(outstanding=invoice.outstanding, due_date=invoice.due_date, on=on,
                                    currency=invoice.currency)


def late_charge_text(invoice: Invoice, on) -> str:
    charge = late_charge(invoice, on)
    if charge is None:
        return ""
    cur = invoice.currency
    return (f"Under the Late Payment of Commercial Debts (Interest) Act 1998, statutory interest of "
            f"{rules.show(charge.interest, cur)} ({charge.annual_rate} % a year: 8 % over the Bank of England "
            f"reference rate of {charge.reference_rate} %, for {charge.days_overdue} days) and fixed compensation "
            f"of {rules.show(charge.compensation, cur)} are now also owed: "
            f"{rules.show(invoice.outstanding + charge.total, cur)} in all as of {on:%d %B %Y}.")


def _message(invoice: Invoice, stage: str, today) -> tuple[str, str]:
    owed = rules.show(invoice.outstanding, invoice.currency)
    who = invoice.snapshot.get("musician", {}).get("name", invoice.musician.full_name)
    due = f"{invoice.due_date:%d %B %Y}"
    if stage == "before":
        return (f"Invoice {invoice.number} is due on {due}",
                f"A reminder that invoice {invoice.number} from {who} ({owed}) is due on {due}.")
    if stage == "due":
        return (f"Invoice {invoice.number} is due today",
                f"Invoice {invoice.number} from {who} ({owed}) is due today, {due}.")
    days = (today - invoice.due_date).days
    body = f"Invoice {invoice.number} from {who} was due on {due} and is {days} days overdue: {owed} is still owed."
    extra = late_charge_text(invoice, today)
    return f"Invoice {invoice.number} is {days} days overdue", f"{body} {extra}".strip()


@transaction.atomic
def invoice_remind(*, invoice_id: int) -> str | None:
    """Send the reminder of an issued invoice that is due now, if any. Returns the stage sent."""
    invoice = Invoice.objects.select_related("musician", "producer").filter(pk=invoice_id).first()
    if invoice is None or invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED \
            or invoice.chasing_paused or invoice.due_date is None:
        return None
    now = clock.now()
    today = now.astimezone(invoice.musician.zone).date()
    due = [(stage, field) for stage, offset, field in STAGES
           if today >= invoice.due_date + timedelta(days=offset) and getattr(invoice, field) is None]
    if not due:
        return None
    claimed = Invoice.objects.filter(
        pk=invoice.pk, status=Invoice.Status.ISSUED, chasing_paused=False,
        **{f"{field}__isnull": True for _stage, field in due},
    ).update(**{field: now for _stage, field in due})
    if not claimed:
        return None  # another sweep got there first, or it was paid or paused meanwhile
    stage = due[-1][0]
    title, body = _message(invoice, stage, today)
    notify(recipient=invoice.producer, kind="invoice_reminder", title=title, body=body,
           url=f"/billing/invoices/{invoice.pk}/", dedupe_key=f"invoice-reminder-{invoice.pk}-{stage}")
    return stage


def invoice_reminders_send_due(*, limit: int = 1000) -> int:
    """Beat, every few minutes: send every reminder that is due. Returns how many were sent."""
    horizon = clock.now().date() + timedelta(days=BEFORE_DAYS + 1)  # a superset; each invoice checks its own zone
    ids = (Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED, chasing_paused=False,
                                  reminded_overdue_30_at__isnull=True, due_date__lte=horizon)
           .order_by("due_date", "pk").values_list("pk", flat=True)[:limit])
    return sum(invoice_remind(invoice_id=invoice_id) is not None for invoice_id in list(ids))
