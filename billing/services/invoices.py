"""Invoices: drafts from a booking's frozen fee lines, issuing (numbered once), voiding with a credit note.

Billing never changes a booking. It learns of completed bookings and late-cancellation fees by
sweeping for them (``invoices_draft_due``, beat every minute), so ``bookings`` needs no hook into
billing and the dependency points one way.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from billing import rules
from billing.models import Expense, Invoice, InvoiceLine, PurchaseOrder
from billing.services.common import (
    field_error,
    invoice_lock,
    invoice_peek,
    musician_billing_get,
    musician_billing_lock,
    producer_billing_get,
    require_party,
)
from bookings.fees import money
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import Conflict, InvalidTransition, ValidationFailed
from gigbook.core.tasks import enqueue_on_commit
from gigbook.core.tokens import action_token_make
from gigbook.notifications.services import notify

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
READY_LINK_DAYS = 60
ISSUE_TOKEN_PURPOSE = "invoice-issue"  # noqa: S105 - a signing salt, not a secret


class InvoiceImmutable(Conflict):
    default_detail = "This invoice has been issued and cannot be changed. Void it with a credit note instead."


# --- Drafts ---------------------------------------------------------------------------------------


def _fee_lines(booking: Booking, reason: str) -> list[dict]:
    if reason == Invoice.Reason.CANCELLATION:
        fee = money(booking.cancellation_fee or ZERO, booking.currency)
        return [{"code": "cancellation", "label": "Late cancellation fee", "quantity": Decimal("1"),
                 "unit_amount": fee, "amount": fee}]
    return [{"code": line["code"], "label": line["label"], "quantity": Decimal(line["quantity"]),
             "unit_amount": Decimal(line["unit_amount"]), "amount": Decimal(line["amount"])}
            for line in (booking.quote or {}).get("lines", [])]


def _vat_rate(musician) -> Decimal:
    details = musician_billing_get(musician)
    return rules.vat_rate_for(details.country) if details.vat_registered else ZERO


def draft_rebuild(invoice: Invoice) -> Invoice:
    """Rebuild a draft's lines (frozen fee lines, then its reimbursable expenses) and totals.

    Call with the invoice locked. Drafts are the only invoices whose lines ever change.
    """
    if invoice.status != Invoice.Status.DRAFT:
        raise InvoiceImmutable()
    booking = invoice.booking
    rows = _fee_lines(booking, invoice.reason)
    expenses = list(Expense.objects.filter(invoice=invoice).order_by("spent_on", "id"))
    invoice.lines.all().delete()
    lines = [InvoiceLine(invoice=invoice, position=index, source=InvoiceLine.Source.FEE, **row)
             for index, row in enumerate(rows)]
    for expense in expenses:
        label = expense.get_kind_display() + (f": {expense.description}" if expense.description else "")
        lines.append(InvoiceLine(invoice=invoice, position=len(lines), source=InvoiceLine.Source.EXPENSE,
                                 code=f"expense_{expense.kind}", label=label[:200], quantity=expense.quantity,
                                 unit_amount=expense.unit_amount, amount=expense.amount, expense=expense))
    InvoiceLine.objects.bulk_create(lines)
    totals = rules.invoice_totals([line.amount for line in lines], vat_rate=_vat_rate(invoice.musician),
                                  currency=invoice.currency)
    invoice.subtotal, invoice.vat_rate, invoice.vat_amount, invoice.total = (
        totals.subtotal, totals.vat_rate, totals.vat, totals.total)
    invoice.updated_at = clock.now()
    invoice.save(update_fields=["subtotal", "vat_rate", "vat_amount", "total", "updated_at"])
    return invoice


def issue_link(invoice: Invoice) -> str:
    """The phone link in "Invoice ready": opens the draft with one "Issue" button, no login needed."""
    token = action_token_make(purpose=ISSUE_TOKEN_PURPOSE, subject_id=invoice.pk, user_id=invoice.musician_id,
                              expires_at=clock.now() + timedelta(days=READY_LINK_DAYS))
    return f"/billing/ready/{token}/"


@transaction.atomic
def invoice_draft_for_booking(*, booking_id: int, reason: str = Invoice.Reason.COMPLETED) -> Invoice | None:
    """Create the draft invoice of a completed booking (or of its late-cancellation fee) and tell the musician.

    Idempotent: a second call returns the existing invoice (a unique constraint per booking and
    reason backs this up under concurrency). None when the booking owes nothing of that kind.
    Side effects: "Invoice ready" notification to the musician (outbox row, same transaction).
    """
    live = Invoice.objects.filter(booking_id=booking_id, reason=reason, kind=Invoice.Kind.INVOICE).exclude(
        status=Invoice.Status.VOID)
    existing = live.first()
    if existing is not None:
        return existing
    booking = Booking.objects.select_related("musician", "producer", "venue").filter(pk=booking_id).first()
    if booking is None:
        return None
    if reason == Invoice.Reason.COMPLETED and booking.status != Booking.Status.COMPLETED:
        return None
    if reason == Invoice.Reason.CANCELLATION and not (
            booking.status == Booking.Status.CANCELLED and (booking.cancellation_fee or ZERO) > 0):
        return None
    details = musician_billing_get(booking.musician)
    now = clock.now()
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                musician=booking.musician, producer=booking.producer, booking=booking, reason=reason,
                work_kind=rules.work_kind(booking.kind), currency=booking.currency,
                terms_days=details.payment_terms_days, created_at=now, updated_at=now)
    except IntegrityError:
        return live.get()
    # Costs the musician logged against this booking before it finished go on the invoice.
    Expense.objects.filter(booking=booking, musician=booking.musician, reimbursable=True, invoice__isnull=True,
                           currency=booking.currency).update(invoice=invoice)
    draft_rebuild(invoice)
    what = "cancellation fee" if reason == Invoice.Reason.CANCELLATION else booking.summary
    notify(
        recipient=booking.musician, kind="invoice_ready",
        title=f"Invoice ready: {what}",
        body=(f"Your invoice to {booking.producer.greeting_name} for {booking.summary} is ready: "
              f"{rules.show(invoice.total, invoice.currency)}. Check it, add any expenses, and issue it."),
        url=issue_link(invoice),
        sms_text=f"GigBook: invoice ready, {rules.show(invoice.total, invoice.currency)} for {what}. Issue it here:",
        dedupe_key=f"invoice-ready-{invoice.pk}",
    )
    return invoice


def invoices_draft_due(*, limit: int = 500) -> int:
    """Draft the invoices time has made due: completed bookings and late-cancellation fees without one.

    Runs from beat; each booking in its own transaction, harmless twice. Returns how many were drafted.
    """
    has = Invoice.objects.filter(booking=OuterRef("pk"), kind=Invoice.Kind.INVOICE)
    completed = (Booking.objects.filter(status=Booking.Status.COMPLETED)
                 .filter(~Exists(has.filter(reason=Invoice.Reason.COMPLETED))).order_by("pk"))
    cancelled = (Booking.objects.filter(status=Booking.Status.CANCELLED, cancellation_fee__gt=0)
                 .filter(~Exists(has.filter(reason=Invoice.Reason.CANCELLATION))).order_by("pk"))
    made = 0
    for qs, reason in ((completed, Invoice.Reason.COMPLETED), (cancelled, Invoice.Reason.CANCELLATION)):
        for booking_id in qs.values_list("pk", flat=True)[:limit]:
            made += invoice_draft_for_booking(booking_id=booking_id, reason=reason) is not None
    return made


# --- Issue ----------------------------------------------------------------------------------------


def _missing_details(details, producer_details) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    if not details.legal_name:
        missing["legal_name"] = ["Add your legal name: an invoice must say who is being paid."]
    if not details.address:
        missing["address"] = ["Add your address: an invoice must show it."]
    if not details.has_bank_details:
        missing["iban"] = ["Add your bank details (IBAN, or sort code and account number) so you can be paid."]
    if details.vat_registered and not details.vat_number:
        missing["vat_number"] = ["Add your VAT number: VAT-registered invoices must show it."]
    return missing


def _snapshot(invoice: Invoice, details, producer_details) -> dict:
    booking = invoice.booking
    zone = booking.zone
    order = PurchaseOrder.objects.filter(booking=booking).first()
    return {
        "musician": {"name": details.legal_name, "address": details.address, "country": details.country,
                     "email": invoice.musician.email, "vat_number": details.vat_number if details.vat_registered else ""},
        "bank": {"iban": details.iban, "bic": details.bic, "sort_code": details.sort_code,
                 "account_number": details.account_number},
        "producer": {"name": producer_details.company_name or invoice.producer.full_name,
                     "contact": invoice.producer.full_name, "address": producer_details.address,
                     "country": producer_details.country, "email": invoice.producer.email,
                     "vat_number": producer_details.vat_number},
        "booking": {"id": booking.pk, "summary": booking.summary, "kind": booking.get_kind_display(),
                    "starts": booking.starts_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M"),
                    "ends": booking.ends_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M"),
                    "time_zone": booking.time_zone,
                    "venue": f"{booking.venue.name}, {booking.venue.address}" if booking.venue_id else "Remote recording"},
        "po_reference": order.reference if order else "",
        "terms": f"Strictly {invoice.terms_days} days net" if invoice.terms_days else "Due on receipt",
    }


@transaction.atomic
def invoice_issue(*, invoice_id: int, actor) -> Invoice:
    """The musician issues a draft: it gets the next number, a due date and frozen details. draft -> issued.

    Locks the musician's billing row, then the invoice. Idempotent: issuing an issued invoice
    returns it unchanged (so 20 concurrent taps give one invoice with one number, and no gap).
    Side effects after commit: the PDF is rendered and emailed to the producer with a link.
    Errors: 404 for anyone but the musician; 400 when billing details are missing; 409 when void.
    """
    peek = invoice_peek(invoice_id)
    require_party(peek, actor, role="musician")
    details = musician_billing_lock(peek.musician)
    invoice = invoice_lock(invoice_id)
    if invoice.status in (Invoice.Status.ISSUED, Invoice.Status.PAID):
        return invoice
    if invoice.status != Invoice.Status.DRAFT:
        raise InvalidTransition("This invoice was voided; it cannot be issued.", code="invoice_void")
    producer_details = producer_billing_get(invoice.producer)
    missing = _missing_details(details, producer_details)
    if missing:
        raise ValidationFailed("Add your billing details before issuing: " + " ".join(m[0] for m in missing.values()),
                               code="billing_details_missing", fields=missing)
    draft_rebuild(invoice)  # the VAT status or expenses may have changed since the draft was made
    if invoice.total <= 0:
        raise field_error("lines", "This invoice is for nothing; there is nothing to issue.")
    now = clock.now()
    today = now.astimezone(invoice.musician.zone).date()
    invoice.sequence = details.next_number
    invoice.number = f"{details.invoice_prefix}{details.next_number:04d}"
    details.next_number += 1
    details.save(update_fields=["next_number"])
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_at = now
    invoice.issue_date = today
    invoice.terms_days = details.payment_terms_days
    invoice.due_date = today + timedelta(days=details.payment_terms_days)
    invoice.snapshot = _snapshot(invoice, details, producer_details)
    # The 1998 Act covers business-to-business debts under UK law: a UK musician billing a UK engager in pounds.
    invoice.late_payment_act = (details.country == "GB" and producer_details.country == "GB"
                                and invoice.currency == "GBP")
    invoice.updated_at = now
    invoice.save()
    enqueue_on_commit("billing.tasks.deliver_invoice", invoice.pk)
    return invoice


def invoice_deliver(*, invoice_id: int) -> bool:
    """Send an issued invoice to the producer: email with the PDF attached and a link; in-app for both.

    Rendering happens outside any lock; the notification's dedupe key makes a second run send nothing.
    """
    from billing.pdf import invoice_pdf

    invoice = Invoice.objects.select_related("musician", "producer", "booking").filter(pk=invoice_id).first()
    if invoice is None or invoice.status == Invoice.Status.DRAFT:
        return False
    pdf = invoice_pdf(invoice)
    label = "Credit note" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "Invoice"
    with transaction.atomic():
        notify(
            recipient=invoice.producer, kind="invoice_issued",
            title=f"{label} {invoice.number} from {invoice.snapshot['musician']['name']}",
            body=(f"{invoice.snapshot['musician']['name']} sent you {label.lower()} {invoice.number} for "
                  f"{invoice.snapshot['booking']['summary']}: {rules.show(invoice.total, invoice.currency)}"
                  + (f", due {invoice.due_date:%d %B %Y}." if invoice.kind == Invoice.Kind.INVOICE else ".")
                  + " The PDF is attached."),
            url=f"/billing/invoices/{invoice.pk}/",
            attachments=[{"filename": f"{invoice.number}.pdf", "content_base64": base64.b64encode(pdf).decode(),
                          "mimetype": "application/pdf"}],
            dedupe_key=f"invoice-issued-{invoice.pk}",
        )
    return True


# --- Void, pause ----------------------------------------------------------------------------------


@transaction.atomic
def invoice_void(*, invoice_id: int, actor, reason: str = "") -> Invoice:
    """The musician voids an invoice. A draft is simply void; an issued one is cancelled by a credit note
    (its own number from the same sequence, lines negated, referencing it). Returns the credit note for
    an issued invoice, else the void draft. Refused once money has been confirmed against it (409).
    """
    peek = invoice_peek(invoice_id)
    require_party(peek, actor, role="musician")
    reason = str(reason or "").strip()
    if len(reason) > 300:
        raise field_error("reason", "Keep the reason under 300 characters.")
    details = musician_billing_lock(peek.musician)
    invoice = invoice_lock(invoice_id)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise InvalidTransition("A credit note cannot be voided.", code="credit_note")
    if invoice.status == Invoice.Status.VOID:
        return getattr(invoice, "credit_note", None) or invoice
    if invoice.status == Invoice.Status.PAID or invoice.paid_amount > 0:
        raise InvalidTransition("Money has been received against this invoice; it cannot be voided.",
                                code="invoice_has_payments")
    now = clock.now()
    invoice.voided_at = now
    invoice.void_reason = reason
    was_draft = invoice.status == Invoice.Status.DRAFT
    invoice.status = Invoice.Status.VOID
    invoice.updated_at = now
    invoice.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    if was_draft:
        Expense.objects.filter(invoice=invoice).update(invoice=None)
        return invoice
    invoice.payments.filter(status="pending").update(status="rejected")
    today = now.astimezone(invoice.musician.zone).date()
    credit = Invoice.objects.create(
        musician=invoice.musician, producer=invoice.producer, booking=invoice.booking, kind=Invoice.Kind.CREDIT_NOTE,
        credits=invoice, reason=Invoice.Reason.CORRECTION, work_kind=invoice.work_kind, status=Invoice.Status.ISSUED,
        currency=invoice.currency, sequence=details.next_number,
        number=f"{details.invoice_prefix}{details.next_number:04d}", issued_at=now, issue_date=today,
        terms_days=0, due_date=today, subtotal=-invoice.subtotal, vat_rate=invoice.vat_rate,
        vat_amount=-invoice.vat_amount, total=-invoice.total,
        snapshot={**invoice.snapshot, "credits": invoice.number, "reason": reason}, created_at=now, updated_at=now)
    details.next_number += 1
    details.save(update_fields=["next_number"])
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=credit, position=line.position, source=line.source, code=line.code, label=line.label,
                    quantity=line.quantity, unit_amount=line.unit_amount, amount=-line.amount)
        for line in invoice.lines.all()])
    enqueue_on_commit("billing.tasks.deliver_invoice", credit.pk)
    return credit


@transaction.atomic
def invoice_pause_chasing(*, invoice_id: int, actor, paused: bool) -> Invoice:
    """The musician stops (or restarts) reminders for one invoice, e.g. while they sort it out by phone."""
    peek = invoice_peek(invoice_id)
    require_party(peek, actor, role="musician")
    invoice = invoice_lock(invoice_id)
    Invoice.objects.filter(pk=invoice.pk).update(chasing_paused=paused, updated_at=clock.now())
    invoice.chasing_paused = paused
    return invoice
