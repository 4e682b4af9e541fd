"""Demo billing: the demo musician's invoices (one paid, one issued, one overdue with statutory interest),
some expenses, and both demo parties' billing details. Idempotent.

The invoices go through the real services (draft, issue, payment); only their dates are then moved
back to the gigs' dates, because the services date everything "now" and the demo gigs are in the past.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from billing import services
from billing.models import Expense, Invoice, Payment
from bookings.models import Booking
from gigbook.accounts.models import User
from gigbook.core.errors import DomainError

MUSICIAN = "musician@gigbook.test"
PRODUCER = "producer@gigbook.test"
# booking title -> what happened to its invoice
PLAN = [
    ("Demo: spring album session", "paid"),
    ("Demo: Jazz Café late show", "overdue"),
    ("Demo: last month's session", "issued"),
]


def _receipt_photo() -> SimpleUploadedFile:
    """A small PNG that looks like a car-park ticket, so the demo has a receipt to open."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, 235, 115), outline="black")
    draw.text((16, 20), "NCP London", fill="black")
    draw.text((16, 50), "Parking  18.50 GBP", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("ncp-receipt.png", buffer.getvalue(), content_type="image/png")


def _backdate(invoice: Invoice, booking: Booking) -> None:
    issued_at = booking.ends_at + timedelta(hours=20)
    issue_date = issued_at.astimezone(invoice.musician.zone).date()
    Invoice.objects.filter(pk=invoice.pk).update(
        issued_at=issued_at, issue_date=issue_date, due_date=issue_date + timedelta(days=invoice.terms_days),
        created_at=booking.ends_at, reminded_before_at=None, reminded_due_at=None)


def seed(*, stdout=None) -> None:
    musician = User.objects.filter(email=MUSICIAN).first()
    producer = User.objects.filter(email=PRODUCER).first()
    if musician is None or producer is None:
        return
    services.musician_billing_update(
        user=musician, legal_name="Mia Musician", address="12 Keys Lane\nLondon N1 7GU", country="GB",
        iban="GB33BUKB20201555555555", bic="BUKBGB22", payment_terms_days=30,
        invoice_prefix="MIA-", mileage_rate=Decimal("0.45"))
    services.producer_billing_update(user=producer, company_name="Pat Productions Ltd",
                                     address="3 Abbey Road\nLondon NW8 9AY", country="GB")
    made = 0
    for title, outcome in PLAN:
        booking = Booking.objects.filter(musician=musician, producer=producer, title=title,
                                         status=Booking.Status.COMPLETED).first()
        if booking is None or Invoice.objects.filter(booking=booking).exists():
            continue
        gig_day = booking.starts_at.astimezone(musician.zone).date()
        try:
            with transaction.atomic():
                services.expense_create(musician=musician, kind=Expense.Kind.MILEAGE, spent_on=gig_day,
                                        quantity=Decimal("38"), booking_id=booking.pk,
                                        description="Home to the studio and back")
                if outcome == "issued":
                    services.expense_create(musician=musician, kind=Expense.Kind.PARKING, spent_on=gig_day,
                                            amount=Decimal("18.50"), booking_id=booking.pk, description="NCP",
                                            receipt=_receipt_photo())
                    services.expense_create(musician=musician, kind=Expense.Kind.EQUIPMENT, spent_on=gig_day,
                                            amount=Decimal("42.00"), reimbursable=False,
                                            description="Rhodes service")
                invoice = services.invoice_draft_for_booking(booking_id=booking.pk)
                services.invoice_issue(invoice_id=invoice.pk, actor=musician)
                invoice.refresh_from_db()
                _backdate(invoice, booking)
                if outcome == "paid":
                    invoice.refresh_from_db()
                    payment = services.payment_record(invoice_id=invoice.pk, actor=musician, amount=invoice.total,
                                                      paid_on=invoice.due_date - timedelta(days=3))
                    Payment.objects.filter(pk=payment.pk).update(paid_on=invoice.due_date - timedelta(days=3))
                    Invoice.objects.filter(pk=invoice.pk).update(
                        reminded_before_at=invoice.issued_at, paid_at=invoice.issued_at + timedelta(days=27))
        except DomainError as exc:
            if stdout:
                stdout.write(f"billing: skipped {title}: {exc.detail}")
            continue
        made += 1
    if stdout:
        stdout.write(f"billing: {made} new demo invoices")
