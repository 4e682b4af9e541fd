"""An invoice as a document: one HTML template, shown as a page and rendered to PDF by WeasyPrint.

Issued invoices render from their frozen snapshot, so the PDF says what was sent, whatever changes
later in anyone's details. Drafts render from the current details, marked DRAFT.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from billing import rules
from billing.models import Invoice
from gigbook.core import clock


def document_data(invoice: Invoice) -> dict:
    if invoice.status != Invoice.Status.DRAFT and invoice.snapshot:
        return invoice.snapshot
    from billing.services.common import musician_billing_get, producer_billing_get
    from billing.services.invoices import _snapshot

    return _snapshot(invoice, musician_billing_get(invoice.musician), producer_billing_get(invoice.producer))


def document_context(invoice: Invoice, *, show_bank: bool) -> dict:
    from billing.services.reminders import late_charge

    data = document_data(invoice)
    today = clock.now().astimezone(invoice.musician.zone).date()
    return {
        "invoice": invoice,
        "doc": data,
        "lines": list(invoice.lines.all()),
        "show_bank": show_bank,
        "is_draft": invoice.status == Invoice.Status.DRAFT,
        "is_credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
        "late_charge": late_charge(invoice, today) if invoice.is_overdue(today) else None,
        "vat_rule": "VAT is charged on the subtotal and rounded half up to the penny.",
        "statutory_note": invoice.late_payment_act,
        "base_margin": rules.STATUTORY_MARGIN,
    }


def invoice_html(invoice: Invoice, *, show_bank: bool = True) -> str:
    return render_to_string("billing/invoice_document.html", document_context(invoice, show_bank=show_bank))


def invoice_pdf(invoice: Invoice, *, show_bank: bool = True) -> bytes:
    from weasyprint import HTML

    # No base_url and no external resources: the template carries its own CSS, so rendering never
    # reaches the network.
    return HTML(string=invoice_html(invoice, show_bank=show_bank)).write_pdf()
