"""Every write of the billing app. One module per use case; the names are re-exported here."""

from billing.services.common import musician_billing_get, producer_billing_get
from billing.services.details import musician_billing_update, producer_billing_update, purchase_order_set
from billing.services.expenses import expense_create, expense_delete
from billing.services.invoices import (
    ISSUE_TOKEN_PURPOSE,
    InvoiceImmutable,
    draft_rebuild,
    invoice_deliver,
    invoice_draft_for_booking,
    invoice_issue,
    invoice_pause_chasing,
    invoice_void,
    invoices_draft_due,
    issue_link,
)
from billing.services.payments import payment_confirm, payment_record
from billing.services.reminders import invoice_remind, invoice_reminders_send_due, late_charge, late_charge_text

__all__ = [
    "ISSUE_TOKEN_PURPOSE", "InvoiceImmutable", "draft_rebuild", "expense_create", "expense_delete",
    "invoice_deliver", "invoice_draft_for_booking", "invoice_issue", "invoice_pause_chasing", "invoice_remind",
    "invoice_reminders_send_due", "invoice_void", "invoices_draft_due", "issue_link", "late_charge",
    "late_charge_text", "musician_billing_get", "musician_billing_update", "payment_confirm", "payment_record",
    "producer_billing_get", "producer_billing_update", "purchase_order_set",
]
