"""Expenses: what a gig cost the musician. Reimbursable ones go on the booking's invoice; the rest are
kept for the tax return (deductible)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from billing.models import Expense, Invoice
from billing.receipts import ReceiptRejected, check_receipt
from billing.services.common import field_error, musician_billing_lock
from billing.services.invoices import InvoiceImmutable, draft_rebuild
from bookings.fees import money
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import NotFound, ValidationFailed

# Bounds that catch a slipped decimal point without getting in the way of a real tour.
LIMITS = {
    Expense.Kind.MILEAGE: ("miles", Decimal("2000")),
    Expense.Kind.PER_DIEM: ("days", Decimal("60")),
    Expense.Kind.HOTEL: ("nights", Decimal("60")),
}
MAX_UNIT = {Expense.Kind.PER_DIEM: Decimal("500"), Expense.Kind.HOTEL: Decimal("2000")}
MAX_AMOUNT = Decimal("10000")
OLDEST_DAYS = 366 * 6  # HMRC asks for records of the last five years after the filing deadline


def _decimal(value: Any, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, AttributeError) as exc:
        raise field_error(field, message) from exc
    if not number.is_finite():
        raise field_error(field, message)
    return number


@transaction.atomic
def expense_create(*, musician, kind: str, spent_on: date, amount: Any = None, quantity: Any = None,
                   description: str = "", booking_id: int | None = None, reimbursable: bool = True,
                   currency: str = "GBP", receipt: UploadedFile | None = None) -> Expense:
    """Record an expense; when reimbursable and the booking's invoice is a draft, it joins the draft.

    Mileage is miles × the musician's own mileage rate; hotel and per diem are nights/days × amount;
    the rest is one amount. Locks the musician's billing row, then the draft. Errors: 400 with a
    plain message per field (negative, absurd, future date, receipt not a photo/PDF), 404 for a
    booking that is not theirs, 409 when the booking's invoice is already issued.
    """
    errors: dict[str, list[str]] = {}
    if kind not in Expense.Kind.values:
        raise field_error("kind", "Choose what the expense was for: mileage, parking, hotel, per diem or another cost.")
    description = str(description or "").strip()
    if len(description) > 200:
        errors["description"] = ["Keep the description under 200 characters."]
    details = musician_billing_lock(musician)
    booking = None
    if booking_id is not None:
        booking = Booking.objects.filter(pk=booking_id, musician=musician).first()
        if booking is None:
            raise NotFound("No such booking.")
        currency = booking.currency
    currency = str(currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = ["Choose a currency, e.g. GBP."]
    today = clock.now().astimezone(musician.zone).date()
    if not isinstance(spent_on, date):
        errors["spent_on"] = ["Give the date of the expense."]
    elif spent_on > today:
        errors["spent_on"] = ["The date is in the future; give the day you paid."]
    elif spent_on < today - timedelta(days=OLDEST_DAYS):
        errors["spent_on"] = ["This is older than six years; it is too old to claim."]

    if kind == Expense.Kind.MILEAGE:
        qty = _decimal(quantity, "quantity", "Give the distance in miles, e.g. 42.") if quantity is not None else None
        if qty is None:
            raise field_error("quantity", "Give the distance in miles, e.g. 42.")
        unit = details.mileage_rate
        if unit <= 0:
            errors["quantity"] = ["Set your mileage rate in your billing details first."]
    elif kind in (Expense.Kind.PER_DIEM, Expense.Kind.HOTEL):
        unit_word = LIMITS[kind][0]
        qty = _decimal(quantity if quantity not in (None, "") else 1, "quantity", f"Give the number of {unit_word}.")
        if qty != qty.to_integral_value():
            errors["quantity"] = [f"Give a whole number of {unit_word}."]
        unit = _decimal(amount, "amount", "Give the amount per day or night, e.g. 35.00.") if amount is not None else None
        if unit is None:
            raise field_error("amount", "Give the amount per day or night, e.g. 35.00.")
    else:
        qty = Decimal("1")
        unit = _decimal(amount, "amount", "Give the amount, e.g. 12.50.") if amount is not None else None
        if unit is None:
            raise field_error("amount", "Give the amount, e.g. 12.50.")
    if qty <= 0:
        errors.setdefault("quantity", ["This must be more than zero."])
    elif kind in LIMITS and qty > LIMITS[kind][1]:
        errors.setdefault("quantity", [f"More than {LIMITS[kind][1]} {LIMITS[kind][0]} looks like a typing mistake."])
    if unit <= 0:
        errors.setdefault("amount", ["The amount must be more than zero."])
    elif kind in MAX_UNIT and unit > MAX_UNIT[kind]:
        errors.setdefault("amount", [f"More than {MAX_UNIT[kind]} a day or night looks like a typing mistake."])
    total = money(qty * unit, currency if "currency" not in errors else "GBP") if unit > 0 and qty > 0 else Decimal(0)
    if "amount" not in errors and total > MAX_AMOUNT:
        errors["amount"] = [f"One expense over {MAX_AMOUNT} looks like a typing mistake; split it or check it."]

    kind_label = None
    if receipt is not None:
        try:
            kind_label = check_receipt(receipt, receipt.size)
        except ReceiptRejected as exc:
            errors["receipt"] = [str(exc)]
    if errors:
        raise ValidationFailed("Some details of the expense need fixing.", fields=errors)

    invoice = None
    if booking is not None and reimbursable:
        invoice = (Invoice.objects.select_for_update().filter(booking=booking, kind=Invoice.Kind.INVOICE)
                   .exclude(status=Invoice.Status.VOID).order_by("id").first())
        if invoice is not None and invoice.status != Invoice.Status.DRAFT:
            raise InvoiceImmutable(f"The invoice for this booking ({invoice.number}) has been issued and cannot "
                                   "change. Record the cost without the booking, or void the invoice first.",
                                   code="invoice_issued")
    expense = Expense(musician=musician, booking=booking, invoice=invoice, kind=kind, description=description,
                      spent_on=spent_on, currency=currency, quantity=qty, unit_amount=money(unit, currency)
                      if kind != Expense.Kind.MILEAGE else unit, amount=total,
                      reimbursable=bool(reimbursable), created_at=clock.now())
    if receipt is not None:
        expense.receipt_name = (receipt.name or "receipt")[:255]
        expense.receipt_content_type = kind_label.content_type
        expense.receipt_size = receipt.size
        receipt.seek(0)
        expense.receipt.save(f"receipt.{kind_label.extension}", receipt, save=False)
    expense.save()
    if invoice is not None:
        draft_rebuild(invoice)
    return expense


@transaction.atomic
def expense_delete(*, expense_id: int, actor) -> None:
    """Remove an expense; refused (409) when it is on an issued invoice."""
    expense = Expense.objects.filter(pk=expense_id, musician=actor).first() if actor.is_authenticated else None
    if expense is None:
        raise NotFound("No such expense.")
    musician_billing_lock(actor)
    expense = Expense.objects.select_for_update().get(pk=expense_id)
    invoice = Invoice.objects.select_for_update().filter(pk=expense.invoice_id).first() if expense.invoice_id else None
    if invoice is not None and invoice.status != Invoice.Status.DRAFT:
        raise InvoiceImmutable(code="invoice_issued")
    name = expense.receipt.name if expense.receipt else ""
    expense.delete()
    if invoice is not None:
        draft_rebuild(invoice)
    if name:
        storage = Expense._meta.get_field("receipt").storage
        transaction.on_commit(lambda: storage.delete(name))
