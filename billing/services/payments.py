"""Payments against issued invoices. Either party records one; the musician's count at once, the
producer's once the musician confirms the money arrived. Fully paid: issued -> paid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum

from billing.models import Invoice, Payment
from billing.rules import show
from billing.services.common import field_error, invoice_lock, invoice_peek, require_party
from bookings.fees import money
from gigbook.core import clock
from gigbook.core.errors import InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.services import notify


def _pending_total(invoice: Invoice) -> Decimal:
    return invoice.payments.filter(status=Payment.Status.PENDING).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def _settle(invoice: Invoice, now) -> None:
    """Recompute the confirmed total from the payments and move to paid when nothing is owed."""
    confirmed = invoice.payments.filter(status=Payment.Status.CONFIRMED).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    invoice.paid_amount = confirmed
    fields = ["paid_amount", "updated_at"]
    if confirmed >= invoice.total and invoice.status == Invoice.Status.ISSUED:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = now
        fields += ["status", "paid_at"]
    invoice.updated_at = now
    invoice.save(update_fields=fields)


@transaction.atomic
def payment_record(*, invoice_id: int, actor, amount: Any, paid_on: date | None = None, reference: str = "") -> Payment:
    """Record money paid against an issued invoice (part or full).

    Locks the invoice. Refused (400) when the amount is not positive or is more than is still owed
    (counting payments waiting for confirmation); 409 unless the invoice is issued; 404 for strangers.
    """
    peek = invoice_peek(invoice_id)
    require_party(peek, actor)
    try:
        value = Decimal(str(amount).strip())
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, AttributeError) as exc:
        raise field_error("amount", "Give the amount paid, e.g. 250.00.") from exc
    reference = str(reference or "").strip()
    if len(reference) > 100:
        raise field_error("reference", "Keep the reference under 100 characters.")
    invoice = invoice_lock(invoice_id)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
        message = {Invoice.Status.PAID: "This invoice is already paid in full.",
                   Invoice.Status.DRAFT: "This invoice has not been issued yet.",
                   Invoice.Status.VOID: "This invoice was voided."}.get(invoice.status, "Nothing is owed on this.")
        raise InvalidTransition(message, code=f"invoice_{invoice.status}")
    value = money(value, invoice.currency)
    if value <= 0:
        raise field_error("amount", "The amount paid must be more than zero.")
    now = clock.now()
    today = now.astimezone(actor.zone).date()
    paid_on = paid_on or today
    if paid_on > today:
        raise field_error("paid_on", "The payment date is in the future; give the day it was paid.")
    if paid_on < invoice.issue_date - timedelta(days=7):
        raise field_error("paid_on", "The payment date is before the invoice was issued.")
    open_amount = invoice.total - invoice.paid_amount - _pending_total(invoice)
    if value > open_amount:
        raise ValidationFailed(
            f"That is more than is owed: {show(open_amount, invoice.currency)} is still open on {invoice.number}.",
            code="overpayment", fields={"amount": [f"At most {show(open_amount, invoice.currency)} is still owed."]})
    by_musician = actor.pk == invoice.musician_id
    payment = Payment.objects.create(
        invoice=invoice, amount=value, paid_on=paid_on, reference=reference, recorded_by=actor, recorded_at=now,
        status=Payment.Status.CONFIRMED if by_musician else Payment.Status.PENDING,
        confirmed_at=now if by_musician else None)
    if by_musician:
        _settle(invoice, now)
    else:
        notify(recipient=invoice.musician, kind="payment_recorded",
               title=f"{invoice.snapshot['producer']['name']} says they paid {show(value, invoice.currency)}",
               body=(f"{invoice.producer.greeting_name} recorded a payment of {show(value, invoice.currency)} on "
                     f"{paid_on:%d %B %Y} against {invoice.number}. Confirm it once it reaches your account."),
               url=f"/billing/invoices/{invoice.pk}/", dedupe_key=f"payment-recorded-{payment.pk}")
    return payment


@transaction.atomic
def payment_confirm(*, invoice_id: int, payment_id: int, actor, received: bool = True) -> Payment:
    """The musician confirms (or rejects: not received) a payment the producer recorded. Idempotent."""
    peek = invoice_peek(invoice_id)
    require_party(peek, actor, role="musician")
    invoice = invoice_lock(invoice_id)
    payment = Payment.objects.select_for_update().filter(pk=payment_id, invoice=invoice).first()
    if payment is None:
        raise NotFound("No such payment.")
    if payment.status != Payment.Status.PENDING:
        return payment
    now = clock.now()
    payment.status = Payment.Status.CONFIRMED if received else Payment.Status.REJECTED
    payment.confirmed_at = now
    payment.save(update_fields=["status", "confirmed_at"])
    if received:
        _settle(invoice, now)
    else:
        notify(recipient=invoice.producer, kind="payment_not_received",
               title=f"Payment on {invoice.number} not received",
               body=(f"{invoice.snapshot['musician']['name']} has not received the "
                     f"{show(payment.amount, invoice.currency)} you recorded on {payment.paid_on:%d %B %Y}. Please check the transfer."),
               url=f"/billing/invoices/{invoice.pk}/", dedupe_key=f"payment-rejected-{payment.pk}")
    return payment
