"""The whole money path on PostgreSQL: a completed booking with overtime and doubling, mileage and a
receipt, issued by 20 concurrent requests (one number), every figure against hand-computed Decimals,
and the PDF read back."""

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from pypdf import PdfReader
from rest_framework.test import APIClient

from billing import services as billing
from billing.models import Invoice, MusicianBilling
from billing.pdf import invoice_pdf
from gigbook.notifications.models import Notification
from tests.billing.conftest import NOW, completed_booking, png_bytes

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_completed_booking_to_issued_invoice_with_hand_computed_figures(
        producer, musician, profile, venue, frozen_clock, billing_ready):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)

    # The beat sweep finds the completed booking and drafts its invoice, once.
    assert billing.invoices_draft_due() == 1
    assert billing.invoices_draft_due() == 0
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == ""
    ready = Notification.objects.get(recipient=musician, kind="invoice_ready")
    assert ready.url.startswith("/billing/ready/")

    # Mileage at the musician's own rate, 42.5 mi x 0.45 = 19.125 -> 19.13 (half up); parking with a receipt.
    gig_day = booking.starts_at.date()
    mileage = billing.expense_create(musician=musician, kind="mileage", spent_on=gig_day, quantity="42.5",
                                     booking_id=booking.pk, description="Home to Abbey Road and back")
    parking = billing.expense_create(
        musician=musician, kind="parking", spent_on=gig_day, amount="12.50", booking_id=booking.pk,
        receipt=SimpleUploadedFile("IMG_0001.png", png_bytes(), content_type="image/png"))
    assert mileage.amount == D("19.13")
    assert parking.receipt_content_type == "image/png" and parking.receipt_size > 0

    # 20 taps on "Issue" at once: one number, assigned once, no gap.
    def issue(_index):
        client = APIClient()
        client.force_authenticate(user=musician)
        return client.post(f"/api/invoices/{invoice.pk}/issue/")

    responses = run_together(20, issue)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["number"] for r in responses} == {"MIA-0001"}
    assert MusicianBilling.objects.get(user=musician).next_number == 2
    assert Invoice.objects.filter(musician=musician, sequence__isnull=False).count() == 1

    invoice.refresh_from_db()
    lines = [(line.code, line.quantity, line.unit_amount, line.amount) for line in invoice.lines.all()]
    # Session basis, 3.5 hours booked: one 3-hour session (140.00) + one started half hour beyond it (30.00);
    # planned overtime 2 x 30.00; one double at 25.00; cartage 40.00; then the two expenses.
    assert lines == [
        ("base", D("1"), D("140.000"), D("140.000")),
        ("session_overtime", D("1"), D("30.000"), D("30.000")),
        ("overtime", D("2"), D("30.000"), D("60.000")),
        ("doubling", D("1"), D("25.000"), D("25.000")),
        ("cartage", D("1"), D("40.000"), D("40.000")),
        ("expense_mileage", D("42.5"), D("0.450"), D("19.130")),
        ("expense_parking", D("1"), D("12.500"), D("12.500")),
    ]
    subtotal = D("140") + D("30") + D("60") + D("25") + D("40") + D("19.13") + D("12.50")
    assert subtotal == D("326.63")
    vat = D("65.33")  # 326.63 x 20 % = 65.326 -> 65.33, rounded once on the subtotal
    assert (invoice.subtotal, invoice.vat_rate, invoice.vat_amount, invoice.total) == (
        subtotal, D("20.00"), vat, D("391.96"))
    assert invoice.issue_date == date(2027, 6, 8)
    assert invoice.due_date == date(2027, 7, 8)
    assert invoice.late_payment_act is True

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(invoice_pdf(invoice))).pages)
    for expected in ("MIA-0001", "Mia Musician", "Pat Productions Ltd", "1 × 3-hour session", "Doubling",
                     "Cartage", "Mileage", "Parking", "326.63", "65.33", "391.96 GBP", "GB33BUKB20201555555555",
                     "Abbey Road Studio 2", "Strictly 30 days net", "VAT number: GB980780684"):
        assert expected in text, expected

    # Issued means immutable: no more expenses on it, and a second issue is the same invoice.
    with pytest.raises(billing.InvoiceImmutable):
        billing.expense_create(musician=musician, kind="parking", spent_on=gig_day, amount="5",
                               booking_id=booking.pk)
    assert billing.invoice_issue(invoice_id=invoice.pk, actor=musician).number == "MIA-0001"
    assert invoice.lines.count() == 7


def test_issued_invoice_reaches_the_producer_by_email_with_the_pdf(
        producer, musician, profile, venue, frozen_clock, billing_ready, eager_celery):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    invoice = billing.invoice_draft_for_booking(booking_id=booking.pk)
    mailoutbox = mail.outbox
    mailoutbox.clear()
    billing.invoice_issue(invoice_id=invoice.pk, actor=musician)
    invoice.refresh_from_db()
    to_producer = [m for m in mailoutbox if m.to == [producer.email]]
    assert len(to_producer) == 1
    message = to_producer[0]
    assert invoice.number in message.subject
    assert f"/billing/invoices/{invoice.pk}/" in message.body
    (filename, content, mimetype), = message.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert "391.96" not in content.decode("latin-1")  # compressed PDF streams; read it properly:
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert invoice.number in text and f"{invoice.total:.2f} GBP" in text
    # Delivering again (a retried task) sends nothing more.
    billing.invoice_deliver(invoice_id=invoice.pk)
    assert len([m for m in mailoutbox if m.to == [producer.email]]) == 1


def test_cancellation_fee_due_makes_a_draft_for_the_fee(producer, musician, profile, venue, frozen_clock,
                                                       billing_ready):
    from bookings import services as bookings
    from tests.bookings.factories import offer

    frozen_clock.set(NOW)
    booking = offer(producer, profile, venue=venue, starts_at=NOW + timedelta(days=3))
    bookings.booking_accept(booking_id=booking.pk, actor=musician)
    frozen_clock.set(NOW + timedelta(days=2, hours=12))  # inside the 48 h window
    bookings.booking_cancel(booking_id=booking.pk, actor=producer, reason="Artist ill")
    assert billing.invoices_draft_due() == 1
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.reason == Invoice.Reason.CANCELLATION
    assert [(line.code, line.amount) for line in invoice.lines.all()] == [("cancellation", D("100.000"))]
    assert invoice.total == D("120.00")  # 100.00 + 20 % VAT


def test_concurrent_payments_never_exceed_what_is_owed(producer, musician, profile, venue, frozen_clock,
                                                      billing_ready):
    from billing.models import Payment

    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    invoice = billing.invoice_draft_for_booking(booking_id=booking.pk)
    billing.invoice_issue(invoice_id=invoice.pk, actor=musician)  # 354.00 owed

    def pay(index):
        client = APIClient()
        client.force_authenticate(user=producer if index % 2 else musician)
        return client.post(f"/api/invoices/{invoice.pk}/payments/", {"amount": "200.00"}, format="json").status_code

    codes = run_together(10, pay)
    assert sorted(codes) == [201] + [400] * 9, codes
    assert Payment.objects.filter(invoice=invoice).count() == 1
