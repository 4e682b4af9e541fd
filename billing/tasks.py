"""Thin Celery tasks for billing: each loads by id and calls one service; all harmless twice."""

from celery import shared_task

from billing import services


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=900, max_retries=6)
def deliver_invoice(invoice_id: int) -> bool:
    return services.invoice_deliver(invoice_id=invoice_id)


@shared_task
def draft_due_invoices() -> int:
    return services.invoices_draft_due()


@shared_task
def send_invoice_reminders() -> int:
    return services.invoice_reminders_send_due()
