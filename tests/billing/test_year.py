"""A seeded year of 500 bookings: the earnings page, the API and both CSV exports agree to the penny with
the invoices themselves."""

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from billing import services as billing
from billing.models import Expense, Invoice
from bookings import fees
from bookings.models import Booking
from tests.bookings.factories import instrument, make_profile, make_venue

D = Decimal
pytestmark = pytest.mark.django_db
YEAR_START = datetime(2027, 4, 6, 10, 0, tzinfo=UTC)  # UK tax year 2027-28
BOOKINGS = 500


def _seed_year(musician, producers, venues, frozen_clock):
    rng = random.Random(13)
    piano = instrument("piano")
    rows = []
    for index in range(BOOKINGS):
        start = YEAR_START + timedelta(hours=12 * index)  # 250 days, never overlapping
        hours = rng.choice([2, 3, 3.5, 4, 6, 9])
        basis = rng.choice(["hourly", "session", "day", "flat"])
        terms = fees.FeeTerms(currency="GBP", basis=basis, rate=D(rng.choice(["47.335", "140", "380.005", "250.50"])),
                              minimum_call_hours=D("3"), overtime_rate_per_half_hour=D("30.125"),
                              overtime_half_hours=rng.choice([0, 0, 1, 3]), doubles=rng.choice([0, 1, 2]),
                              doubling_fee=D("25.005"), cartage_fee=D(rng.choice(["0", "40", "12.345"])))
        end = start + timedelta(hours=hours)
        quote = fees.quote(terms, starts_at=start, ends_at=end)
        producer = producers[index % len(producers)]
        rows.append(Booking(
            producer=producer, musician=musician, instrument=piano, venue=venues[producer.pk],
            kind=rng.choice(["studio_session", "live_show", "tour_date", "rehearsal"]), time_zone="Europe/London",
            starts_at=start, ends_at=end, currency="GBP", fee_basis=basis, rate=terms.rate,
            overtime_rate_per_half_hour=terms.overtime_rate_per_half_hour,
            overtime_half_hours=terms.overtime_half_hours, doubling_fee=terms.doubling_fee,
            cartage_fee=terms.cartage_fee, quote=quote.as_json(), fee_total=quote.total, status="completed",
            expires_at=start, status_changed_at=end, accepted_at=start - timedelta(days=3), completed_at=end,
            created_at=start - timedelta(days=5), updated_at=end))
    bookings = Booking.objects.bulk_create(rows)
    for index, booking in enumerate(bookings):
        frozen_clock.set(booking.ends_at + timedelta(hours=1))
        if index % 3 == 0:
            billing.expense_create(musician=musician, kind="mileage", spent_on=booking.ends_at.date(),
                                   quantity=D(rng.choice(["12.5", "41", "7.3"])), booking_id=booking.pk)
        if index % 7 == 0:
            billing.expense_create(musician=musician, kind="equipment", spent_on=booking.ends_at.date(),
                                   amount=D("9.99"), reimbursable=False, description="Strings")
        invoice = billing.invoice_draft_for_booking(booking_id=booking.pk)
        if index % 50 == 49:
            continue  # a few never issued: drafts are not earnings
        billing.invoice_issue(invoice_id=invoice.pk, actor=musician)
        invoice.refresh_from_db()
        if index % 4 == 0:
            billing.payment_record(invoice_id=invoice.pk, actor=musician, amount=invoice.total)
        elif index % 4 == 1:
            billing.payment_record(invoice_id=invoice.pk, actor=musician, amount=(invoice.total / 3).quantize(D("0.01")))
        elif index % 40 == 2:
            billing.invoice_void(invoice_id=invoice.pk, actor=musician, reason="Wrong date")
    return bookings


def _money_on_page(html: str, name: str) -> D:
    match = re.search(rf'data-total="{name}">([0-9.\-]+) GBP', html) or re.search(
        rf'data-total="{name}">([0-9.\-]+) overdue', html)
    return D(match.group(1))


def test_earnings_page_api_and_csv_exports_agree_with_the_invoices(producer, musician, make_user, frozen_clock,
                                                                  billing_ready):
    make_profile(musician)
    producers = [producer, make_user(producer=True, full_name="Quinn Label"), make_user(producer=True,
                                                                                      full_name="Rae Theatre")]
    venues = {p.pk: make_venue(p, name=f"Room of {p.full_name}") for p in producers}
    _seed_year(musician, producers, venues, frozen_clock)
    frozen_clock.set(datetime(2028, 1, 20, 12, 0, tzinfo=UTC))

    invoices = list(Invoice.objects.filter(musician=musician, kind="invoice", status__in=["issued", "paid"]))
    assert 400 < len(invoices) < BOOKINGS
    today = date(2028, 1, 20)
    expected = {
        "net": sum((i.subtotal for i in invoices), D(0)), "vat": sum((i.vat_amount for i in invoices), D(0)),
        "invoiced": sum((i.total for i in invoices), D(0)), "paid": sum((i.paid_amount for i in invoices), D(0)),
        "outstanding": sum((i.total - i.paid_amount for i in invoices), D(0)),
        "overdue": sum((i.total - i.paid_amount for i in invoices if i.status == "issued" and i.due_date < today), D(0)),
    }
    for invoice in invoices:  # every invoice adds up: lines -> subtotal -> VAT (once, half up) -> total
        lines = sum((line.amount for line in invoice.lines.all()), D(0))
        assert invoice.subtotal == lines
        assert invoice.vat_amount == (lines * D("0.20")).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert invoice.total == invoice.subtotal + invoice.vat_amount
    assert expected["overdue"] > 0 and expected["paid"] > 0

    client = Client()
    client.force_login(musician)
    query = "from=2027-04-06&to=2028-04-05"
    html = client.get(f"/billing/earnings/?period=custom&{query}").content.decode()
    for name in ("invoiced", "paid", "outstanding", "overdue"):
        assert _money_on_page(html, name) == expected[name], name

    # The API, in every grouping, sums to the same figures.
    for group in ("status", "producer", "kind", "month"):
        body = client.get(f"/api/earnings/?{query}&group_by={group}").json()
        (total,) = body["totals"]
        assert {k: D(total[k]) for k in expected} == expected, group
        assert sum(D(row["invoiced"]) for row in body["rows"]) == expected["invoiced"]
    assert len(client.get(f"/api/earnings/?{query}&group_by=producer").json()["rows"]) == 3

    rows = list(csv.DictReader(io.StringIO(client.get(f"/billing/export/invoices.csv?{query}").content.decode())))
    assert len(rows) == len(invoices)
    assert sum(D(r["Net"]) for r in rows) == expected["net"]
    assert sum(D(r["VAT"]) for r in rows) == expected["vat"]
    assert sum(D(r["Total"]) for r in rows) == expected["invoiced"]
    assert sum(D(r["Paid"]) for r in rows) == expected["paid"]
    assert sum(D(r["Outstanding"]) for r in rows) == expected["outstanding"]

    spent = list(csv.DictReader(io.StringIO(client.get(f"/billing/export/expenses.csv?{query}").content.decode())))
    reimbursable = sum(D(r["Reimbursable (charged to producer)"]) for r in spent)
    deductible = sum(D(r["Deductible (own cost)"]) for r in spent)
    assert reimbursable == sum(e.amount for e in Expense.objects.filter(musician=musician, reimbursable=True))
    assert deductible == D("9.99") * Expense.objects.filter(musician=musician, reimbursable=False).count()
    # Reimbursed costs appear on the invoices as expense lines, penny for penny.
    on_invoices = sum((line.amount for i in invoices for line in i.lines.all() if line.source == "expense"), D(0))
    assert on_invoices == sum(e.amount for e in Expense.objects.filter(musician=musician, reimbursable=True,
                                                                       invoice__status__in=["issued", "paid"]))

    (year,) = list(csv.DictReader(io.StringIO(client.get("/billing/export/tax-year.csv?year=2027").content.decode())))
    assert (D(year["Net invoiced"]), D(year["VAT"]), D(year["Total invoiced"]), D(year["Paid"]),
            D(year["Outstanding"])) == (expected["net"], expected["vat"], expected["invoiced"], expected["paid"],
                                        expected["outstanding"])
    assert (D(year["Reimbursable expenses"]), D(year["Deductible expenses"])) == (reimbursable, deductible)
