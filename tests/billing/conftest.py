from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import BaseRate
from bookings import services as bookings
from tests.bookings.factories import make_profile, make_venue, offer

D = Decimal
# A Tuesday in June 2027; the gig is the week after.
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
GIG_START = datetime(2027, 6, 8, 10, 0, tzinfo=UTC)

IBAN = "GB33BUKB20201555555555"


@pytest.fixture(autouse=True)
def _receipts_in_tmp(settings, tmp_path):
    settings.RECEIPTS_ROOT = tmp_path / "receipts"
    settings.MATERIALS_ROOT = tmp_path / "materials"


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)


@pytest.fixture
def profile(musician):
    return make_profile(musician)


@pytest.fixture
def venue(producer):
    return make_venue(producer)


@pytest.fixture
def billing_ready(musician, producer):
    """Both parties' billing details filled in: a VAT-registered UK musician, a UK production company."""
    billing.musician_billing_update(
        user=musician, legal_name="Mia Musician", address="1 Keys Lane\nLondon N1 1AA", country="GB",
        vat_registered=True, vat_number="GB980780684", iban=IBAN, bic="BUKBGB22", payment_terms_days=30,
        invoice_prefix="MIA-", mileage_rate=D("0.45"))
    billing.producer_billing_update(user=producer, company_name="Pat Productions Ltd",
                                    address="9 Studio Road\nLondon W1 2BB", country="GB", vat_number="")


@pytest.fixture
def base_rates(db):
    """The dated base-rate table (tests own their rows: a transactional flush drops the migration's)."""
    BaseRate.objects.all().delete()
    for day, rate in (("2025-08-07", "4.00"), ("2026-12-17", "3.50"), ("2027-05-06", "3.25")):
        BaseRate.objects.create(effective_from=day, rate_percent=D(rate))


def completed_booking(producer, musician, profile, venue, frozen_clock, *, starts_at=GIG_START, hours=3.5, **terms):
    """Offer -> accept -> the gig ends -> the producer marks it completed. Real services throughout."""
    fee = {"fee_basis": "session", "overtime_half_hours": 2, "doubles": ["hammond-organ"], "cartage_fee": D("40")}
    fee.update(terms)
    booking = offer(producer, profile, venue=venue, starts_at=starts_at, hours=hours, **fee)
    bookings.booking_accept(booking_id=booking.pk, actor=musician)
    frozen_clock.set(starts_at + timedelta(hours=hours, minutes=30))
    return bookings.booking_complete(booking_id=booking.pk, actor=producer)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Car park receipt 12.50</p>").write_pdf()


def issued_invoice(producer, musician, profile, venue, frozen_clock, **kwargs):
    """A completed booking's invoice, drafted and issued through the services."""
    from billing.models import Invoice

    booking = completed_booking(producer, musician, profile, venue, frozen_clock, **kwargs)
    invoice = billing.invoice_draft_for_booking(booking_id=booking.pk)
    billing.invoice_issue(invoice_id=invoice.pk, actor=musician)
    return Invoice.objects.get(pk=invoice.pk)
