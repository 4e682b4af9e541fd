"""Billing pages: the phone link issues in one tap, the parties' pages, forms that keep what was typed, exports,
and the demo data."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from billing import services as billing
from billing.models import Expense, Invoice, MusicianBilling
from gigbook.accounts.models import User
from gigbook.notifications.models import Notification
from tests.billing.conftest import NOW, completed_booking, issued_invoice

D = Decimal
pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft(producer, musician, profile, venue, frozen_clock, billing_ready):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    billing.invoices_draft_due()
    return Invoice.objects.get(booking=booking)


def test_invoice_ready_link_issues_in_one_tap_without_logging_in(draft, musician, producer):
    link = Notification.objects.get(recipient=musician, kind="invoice_ready").url
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert b"Issue invoice" in page.content and b"354.00 GBP" in page.content
    done = client.post(link, follow=True)
    assert done.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "issued" and draft.number == "MIA-0001"
    assert b"Invoice MIA-0001 issued" in done.content and b"pat@example.com" in done.content
    # A second tap (or a reload) changes nothing.
    client.post(link)
    assert MusicianBilling.objects.get(user=musician).next_number == 2


def test_a_tampered_ready_link_is_a_friendly_page(draft):
    response = Client().get("/billing/ready/not-a-real-token/")
    assert response.status_code == 400 and b"This link cannot be used" in response.content


def test_issue_from_the_link_without_bank_details_says_what_to_add(draft, musician):
    MusicianBilling.objects.filter(user=musician).update(iban="", bic="")
    link = Notification.objects.get(recipient=musician, kind="invoice_ready").url
    response = Client().post(link)
    assert response.status_code == 400
    assert b"Add your bank details" in response.content
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_invoice_page_for_both_parties_and_404_for_others(producer, musician, profile, venue, frozen_clock,
                                                          billing_ready, make_user):
    frozen_clock.set(NOW)
    invoice = issued_invoice(producer, musician, profile, venue, frozen_clock)
    for user in (musician, producer):
        page = logged_in(user).get(f"/billing/invoices/{invoice.pk}/")
        assert page.status_code == 200 and b"MIA-0001" in page.content and b"GB33BUKB20201555555555" in page.content
    assert logged_in(make_user(producer=True)).get(f"/billing/invoices/{invoice.pk}/").status_code == 404
    pdf = logged_in(producer).get(f"/billing/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # The producer records a payment; the musician confirms it on the page.
    logged_in(producer).post(f"/billing/invoices/{invoice.pk}/pay/", {"amount": "354.00", "paid_on": "2027-06-08"})
    payment = invoice.payments.get()
    logged_in(musician).post(f"/billing/invoices/{invoice.pk}/confirm/", {"payment": payment.pk})
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    owed = logged_in(producer).get("/billing/owed/")
    assert b"Nothing owed" in owed.content


def test_details_form_refuses_a_bad_iban_and_keeps_what_was_typed(musician):
    response = logged_in(musician).post("/billing/details/", {
        "section": "musician", "legal_name": "Mia Q. Musician", "address": "Somewhere", "country": "GB",
        "iban": "GB00 0000 0000", "payment_terms_days": "30", "invoice_prefix": "MIA-", "next_number": "1",
        "mileage_rate": "0.45"})
    assert response.status_code == 400
    assert b"IBAN) is not valid" in response.content and b"Mia Q. Musician" in response.content
    assert MusicianBilling.objects.get(user=musician).legal_name != "Mia Q. Musician"


def test_expense_form_with_a_fake_receipt_is_refused_and_nothing_saved(musician, now):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = logged_in(musician).post("/billing/expenses/", {
        "kind": "parking", "amount": "9.00", "spent_on": "2027-05-31", "reimbursable": "on",
        "receipt": SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 nothing here")})
    assert response.status_code == 400
    assert b"damaged" in response.content or b"a photo (JPEG or PNG) or a PDF" in response.content
    assert not Expense.objects.exists()
    ok = logged_in(musician).post("/billing/expenses/", {"kind": "parking", "amount": "9.00",
                                                         "spent_on": "2027-05-31"})
    assert ok.status_code == 302 and Expense.objects.get().reimbursable is False


def test_demo_musician_has_paid_issued_and_overdue_invoices_with_interest(settings):
    settings.DEBUG = True  # the demo seed refuses to run otherwise
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    mia = User.objects.get(email="musician@gigbook.test")
    invoices = list(Invoice.objects.filter(musician=mia).order_by("issue_date"))
    assert [i.status for i in invoices] == ["paid", "issued", "issued"]
    from billing.selectors import user_today

    today = user_today(mia)
    assert [i.is_overdue(today) for i in invoices] == [False, True, False]
    assert Expense.objects.filter(musician=mia, reimbursable=False).exists()
    client = logged_in(mia)
    overdue = client.get(f"/billing/invoices/{invoices[1].pk}/")
    assert b"statutory interest" in overdue.content and b"Overdue" in overdue.content
    earnings = client.get("/billing/earnings/?period=custom&from=2000-01-01&to=2100-01-01")
    assert earnings.status_code == 200 and b"<svg" in earnings.content
    total = sum(i.total for i in invoices)
    assert f"{total:.2f} GBP".encode() in earnings.content
    exported = list(csv.DictReader(io.StringIO(client.get(
        "/billing/export/invoices.csv?from=2000-01-01&to=2100-01-01").content.decode())))
    assert sum(D(row["Total"]) for row in exported) == total


def test_account_page_links_to_billing(musician, producer):
    page = logged_in(musician).get("/account/").content.decode()
    assert 'href="/billing/details/"' in page and 'href="/billing/earnings/"' in page
    assert 'href="/billing/owed/"' in logged_in(producer).get("/account/").content.decode()


def test_producer_csv_lists_what_they_were_invoiced(producer, musician, profile, venue, frozen_clock, billing_ready):
    frozen_clock.set(NOW)
    invoice = issued_invoice(producer, musician, profile, venue, frozen_clock)
    rows = list(csv.DictReader(io.StringIO(logged_in(producer).get("/billing/export/received.csv").content.decode())))
    assert [(r["Number"], r["From"], r["Total"], r["Outstanding"], r["Status"]) for r in rows] == [
        (invoice.number, "Mia Musician", "354.00", "354.00", "Issued")]
    owed = logged_in(producer).get("/billing/owed/").content.decode()
    assert invoice.number in owed and "8 Jul 2027" in owed
