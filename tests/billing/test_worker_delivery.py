"""The issued invoice reaches the producer through the real chain: commit -> Celery worker (real Redis
broker) renders the PDF -> outbox -> a real SMTP server receives the email with the PDF attached."""

import io
import time

import pytest
from pypdf import PdfReader

from billing import services as billing
from tests.billing.conftest import NOW, completed_booking

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_issued_invoice_is_emailed_to_the_producer_with_its_pdf_by_the_worker(
        producer, musician, profile, venue, frozen_clock, billing_ready, smtp_server, celery_worker_process):
    worker = celery_worker_process(env={"EMAIL_URL": smtp_server.url})
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    invoice = billing.invoice_issue(invoice_id=draft.pk, actor=musician)
    billing.invoice_issue(invoice_id=draft.pk, actor=musician)  # a second tap sends nothing more

    def to_producer():
        return [m for m in smtp_server.handler.messages
                if m["To"] == producer.email and m["Subject"].startswith("GigBook: Invoice")]

    assert wait_for(lambda: len(to_producer()) == 1), worker.log()[-3000:]
    time.sleep(1.5)  # a duplicate would arrive by now
    (message,) = to_producer()
    assert message["Subject"] == "GigBook: Invoice MIA-0001 from Mia Musician"
    parts = {part.get_content_type(): part for part in message.walk()}
    body = parts["text/plain"].get_payload(decode=True).decode()
    assert f"/billing/invoices/{invoice.pk}/" in body and "354.00 GBP" in body
    pdf = parts["application/pdf"]
    assert pdf.get_filename() == "MIA-0001.pdf"
    text = PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages[0].extract_text()
    assert "MIA-0001" in text and "Pat Productions Ltd" in text and "354.00 GBP" in text
