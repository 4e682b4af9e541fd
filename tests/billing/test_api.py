"""Billing API: who sees what, bad input answered in plain words, nothing half-saved, never a 500."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import services as billing
from billing.models import Expense, Invoice, MusicianBilling, Payment
from billing.services.details import MUSICIAN_FIELDS
from tests.billing.conftest import IBAN, NOW, completed_booking, issued_invoice, pdf_bytes, png_bytes
from tests.bookings.factories import make_venue

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(producer, musician, profile, venue, frozen_clock, billing_ready, base_rates):
    frozen_clock.set(NOW)
    return issued_invoice(producer, musician, profile, venue, frozen_clock)


def _messages(response) -> list[str]:
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)
        else:
            yield str(value)
    return list(walk(response.json().get("errors", {})))


def test_parties_see_the_invoice_bank_details_only_for_them(setup, client_for, musician, producer):
    for user in (musician, producer):
        body = client_for(user).get(f"/api/invoices/{setup.pk}/").json()
        assert body["number"] == "MIA-0001" and body["total"] == "354.00"
        assert body["bank"]["iban"] == IBAN
        assert [line["code"] for line in body["lines"]] == ["base", "session_overtime", "overtime", "doubling", "cartage"]


def test_strangers_other_producers_and_plain_staff_get_404(setup, client_for, make_user, staff_user):
    other_producer = make_user(producer=True)
    other_musician = make_user(musician=True)
    for user in (other_producer, other_musician, staff_user):
        client = client_for(user)
        for url in (f"/api/invoices/{setup.pk}/", f"/api/invoices/{setup.pk}/pdf/",
                    f"/api/invoices/{setup.pk}/payments/"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/api/invoices/{setup.pk}/issue/").status_code == 404
        assert client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "1"}).status_code == 404
        assert client.post(f"/api/invoices/{setup.pk}/void/", {}).status_code == 404
        assert client.get("/api/invoices/").json()["count"] == 0


def test_staff_with_the_permission_see_the_invoice_but_not_the_bank_details(setup, client_for, staff_user):
    staff_user.user_permissions.add(Permission.objects.get(codename="view_all_invoices"))
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)
    body = client_for(staff_user).get(f"/api/invoices/{setup.pk}/").json()
    assert body["number"] == "MIA-0001" and body["bank"] is None
    pdf = client_for(staff_user).get(f"/api/invoices/{setup.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_producer_does_not_see_the_musicians_draft(producer, musician, profile, venue, frozen_clock, billing_ready,
                                                   client_for):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    assert client_for(producer).get(f"/api/invoices/{draft.pk}/").status_code == 404
    assert client_for(musician).get(f"/api/invoices/{draft.pk}/").json()["status"] == "draft"


def test_issuing_twice_gives_one_invoice_and_one_number(producer, musician, profile, venue, frozen_clock,
                                                         billing_ready, client_for):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    client = client_for(musician)
    first = client.post(f"/api/invoices/{draft.pk}/issue/").json()
    second = client.post(f"/api/invoices/{draft.pk}/issue/").json()
    assert first["number"] == second["number"] == "MIA-0001"
    assert MusicianBilling.objects.get(user=musician).next_number == 2
    # The producer cannot issue the musician's invoice.
    assert client_for(producer).post(f"/api/invoices/{draft.pk}/issue/").status_code == 404


def test_issue_without_bank_details_is_a_plain_400_and_nothing_changes(producer, musician, profile, venue,
                                                                       frozen_clock, client_for):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    response = client_for(musician).post(f"/api/invoices/{draft.pk}/issue/")
    assert response.status_code == 400
    assert any("bank details" in message for message in _messages(response))
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number == "" and MusicianBilling.objects.get(user=musician).next_number == 1


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"iban": "GB33BUKB20201555555556"}, "iban", "not valid"),
    ({"iban": "hello"}, "iban", "not valid"),
    ({"vat_number": "GB123456"}, "vat_number", "not valid"),
    ({"bic": "B1"}, "bic", "not valid"),
    ({"sort_code": "12-34"}, "sort_code", "six digits"),
    ({"payment_terms_days": 400}, "payment_terms_days", "from 0 to 120"),
    ({"mileage_rate": "-1"}, "mileage_rate", "from 0 to 5"),
    ({"country": "XX"}, "country", "Choose a country"),
    ({"vat_registered": True, "vat_number": ""}, "vat_number", "Add your VAT number"),
])
def test_bad_billing_details_are_refused_in_plain_words_and_nothing_is_saved(musician, client_for, billing_ready,
                                                                             changes, field, words):
    before = MusicianBilling.objects.values().get(user=musician)
    response = client_for(musician).patch("/api/me/billing/", {"musician": {**changes, "legal_name": "Changed"}},
                                          format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors, errors
    assert any(words in message for message in errors[field])
    # Plain words: no snake_case field name in any message.
    assert not [m for m in _messages(response) for name in MUSICIAN_FIELDS if "_" in name and name in m]
    assert MusicianBilling.objects.values().get(user=musician) == before


def test_billing_details_round_trip(musician, client_for):
    client = client_for(musician)
    body = client.patch("/api/me/billing/", {"musician": {
        "legal_name": "Mia M. Musician", "address": "1 Keys Lane", "iban": "gb33 bukb 2020 1555 5555 55",
        "sort_code": "", "account_number": "", "invoice_prefix": "MM/", "next_number": 7}}, format="json").json()
    assert body["musician"]["iban"] == IBAN and body["musician"]["invoice_prefix"] == "MM/"
    assert body["producer"] is None
    uk = client.patch("/api/me/billing/", {"musician": {"iban": "", "sort_code": "20-00-00",
                                                        "account_number": "12345678"}}, format="json")
    assert uk.json()["musician"]["sort_code"] == "200000"


@pytest.mark.parametrize(("payload", "field", "words"), [
    ({"kind": "parking", "amount": "-5", "spent_on": "2027-06-08"}, "amount", "more than zero"),
    ({"kind": "parking", "amount": "99999", "spent_on": "2027-06-08"}, "amount", "typing mistake"),
    ({"kind": "mileage", "quantity": "25000", "spent_on": "2027-06-08"}, "quantity", "typing mistake"),
    ({"kind": "per_diem", "quantity": "2", "amount": "5000", "spent_on": "2027-06-08"}, "amount", "typing mistake"),
    ({"kind": "parking", "amount": "abc", "spent_on": "2027-06-08"}, "amount", "in figures"),
    ({"kind": "parking", "amount": "5", "spent_on": "2030-01-01"}, "spent_on", "future"),
    ({"kind": "parking", "amount": "5", "spent_on": "last tuesday"}, "spent_on", "year-month-day"),
    ({"kind": "champagne", "amount": "5", "spent_on": "2027-06-08"}, "kind", "Choose what"),
])
def test_bad_expenses_are_refused_in_plain_words(musician, client_for, now, payload, field, words):
    response = client_for(musician).post("/api/expenses/", payload, format="json")
    assert response.status_code == 400, response.content
    assert any(words in message for message in response.json()["errors"][field]), response.json()
    assert not Expense.objects.exists()


@pytest.mark.parametrize(("name", "content"), [
    ("receipt.pdf", b"%PDF-1.7\nnot really a pdf at all"),
    ("receipt.jpg", b"\xff\xd8\xff\xe0 this is no jpeg"),
    ("receipt.png", b"just some text"),
    ("receipt.exe", b"MZ\x90\x00\x03"),
])
def test_a_receipt_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_stored(musician, client_for, now, settings,
                                                                                name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client_for(musician).post("/api/expenses/", {"kind": "parking", "amount": "5", "spent_on": "2027-05-30",
                                                            "receipt": upload}, format="multipart")
    assert response.status_code == 400
    assert any("photo" in m or "PDF" in m for m in response.json()["errors"]["receipt"])
    assert not Expense.objects.exists()
    assert not any(Path(settings.RECEIPTS_ROOT).rglob("*")) if Path(settings.RECEIPTS_ROOT).exists() else True


def test_a_real_pdf_or_photo_receipt_is_kept_and_only_its_owner_downloads_it(musician, client_for, make_user, now):
    client = client_for(musician)
    for name, content, kind in (("r.pdf", pdf_bytes(), "application/pdf"), ("r.png", png_bytes(), "image/png")):
        response = client.post("/api/expenses/", {"kind": "hotel", "quantity": "2", "amount": "89.50",
                                                  "spent_on": "2027-05-30", "reimbursable": "false",
                                                  "receipt": SimpleUploadedFile(name, content)}, format="multipart")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["amount"] == "179.00" and body["has_receipt"] and body["reimbursable"] is False
        download = client.get(body["receipt_url"])
        assert download.status_code == 200 and download["Content-Type"] == kind
        assert b"".join(download.streaming_content) == content
        assert client_for(make_user(musician=True)).get(body["receipt_url"]).status_code == 404


def test_editing_an_issued_invoice_is_refused(setup, musician, client_for):
    client = client_for(musician)
    response = client.post("/api/expenses/", {"kind": "parking", "amount": "5", "spent_on": "2027-06-08",
                                              "booking": setup.booking_id}, format="json")
    assert response.status_code == 409
    assert "issued" in response.json()["detail"]
    assert setup.lines.count() == 5 and not Expense.objects.exists()


def test_overpayment_is_refused_and_payments_add_up_to_paid(setup, musician, producer, client_for):
    musician_client, producer_client = client_for(musician), client_for(producer)
    too_much = producer_client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "354.01"}, format="json")
    assert too_much.status_code == 400
    assert "354.00 GBP" in too_much.json()["errors"]["amount"][0]
    assert not Payment.objects.exists()
    part = producer_client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "300", "reference": "BACS 1"},
                                format="json").json()
    assert part["status"] == "pending"
    # Pending money counts against what may still be recorded.
    assert producer_client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "60"}, format="json").status_code == 400
    # Only the musician confirms.
    assert producer_client.post(f"/api/invoices/{setup.pk}/payments/{part['id']}/confirm/", {}).status_code == 404
    confirmed = musician_client.post(f"/api/invoices/{setup.pk}/payments/{part['id']}/confirm/", {"received": True},
                                     format="json").json()
    assert confirmed["status"] == "confirmed"
    assert musician_client.get(f"/api/invoices/{setup.pk}/").json()["outstanding"] == "54.00"
    musician_client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "54.00"}, format="json")
    body = musician_client.get(f"/api/invoices/{setup.pk}/").json()
    assert (body["status"], body["paid_amount"], body["outstanding"]) == ("paid", "354.00", "0.00")
    assert musician_client.post(f"/api/invoices/{setup.pk}/payments/", {"amount": "1"}).status_code == 409


def test_void_an_issued_invoice_makes_a_numbered_credit_note(setup, musician, producer, client_for):
    body = client_for(musician).post(f"/api/invoices/{setup.pk}/void/", {"reason": "Wrong session count"},
                                     format="json").json()
    assert (body["kind"], body["number"], body["total"], body["credits"]) == ("credit_note", "MIA-0002", "-354.00",
                                                                            "MIA-0001")
    setup.refresh_from_db()
    assert setup.status == "void"
    assert client_for(producer).get(f"/api/invoices/{body['id']}/").status_code == 200
    # Voiding again returns the same credit note; no third number is used.
    again = client_for(musician).post(f"/api/invoices/{setup.pk}/void/", {}, format="json").json()
    assert again["id"] == body["id"] and MusicianBilling.objects.get(user=musician).next_number == 3


def test_lists_are_scoped_and_take_a_fixed_number_of_queries(setup, musician, producer, client_for, frozen_clock,
                                                             profile, django_assert_num_queries):
    for hours_later in (48, 96):
        venue = make_venue(producer, name=f"Room {hours_later}")
        start = NOW.replace(day=1) + __import__("datetime").timedelta(days=20, hours=hours_later)
        issued_invoice(producer, musician, profile, venue, frozen_clock, starts_at=start)
    client = client_for(producer)
    with django_assert_num_queries(2):  # count + page (parties and bookings joined)
        body = client.get("/api/invoices/?role=producer").json()
    assert body["count"] == 3
    assert client_for(musician).get("/api/invoices/?status=draft").json()["count"] == 0
    assert client_for(musician).get("/api/invoices/?status=bogus").status_code == 400


def test_purchase_order_is_set_by_the_producer_and_printed_on_the_invoice(producer, musician, profile, venue,
                                                                          frozen_clock, billing_ready, client_for,
                                                                          make_user):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    url = f"/api/me/billing/purchase-orders/{booking.pk}/"
    assert client_for(make_user(producer=True)).put(url, {"reference": "PO-1"}, format="json").status_code == 404
    assert client_for(producer).put(url, {"reference": "PO-4471"}, format="json").json()["reference"] == "PO-4471"
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    invoice = client_for(musician).post(f"/api/invoices/{draft.pk}/issue/").json()
    assert invoice["po_reference"] == "PO-4471"
    assert client_for(producer).put(url, {"reference": "PO-9"}, format="json").status_code == 409


def test_earnings_bad_input(musician, client_for):
    client = client_for(musician)
    assert client.get("/api/earnings/?from=2027-05-01&to=2027-01-01").status_code == 400
    assert client.get("/api/earnings/?group_by=colour").status_code == 400
    bad = client.get("/api/earnings/?from=yesterday")
    assert bad.status_code == 400 and "year-month-day" in bad.json()["errors"]["from"][0]
    assert client.get("/api/earnings/?from=2027-01-01&to=2027-12-31&group_by=kind").json()["rows"] == []


def test_cannot_pay_a_draft_and_nothing_is_owed_before_issue(producer, musician, profile, venue, frozen_clock,
                                                           billing_ready, client_for):
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    draft = billing.invoice_draft_for_booking(booking_id=booking.pk)
    assert client_for(musician).post(f"/api/invoices/{draft.pk}/payments/", {"amount": "1"}).status_code == 409
    assert Invoice.objects.get(pk=draft.pk).due_date is None
    assert date(2027, 6, 8) == booking.starts_at.date()
