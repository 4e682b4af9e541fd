"""On a 390x844 phone: the musician opens the "Invoice ready" link from the message and issues the invoice
with one tap; at a desk the producer then sees what they owe."""

import pytest
from playwright.sync_api import expect

from billing import services as billing
from billing.models import Invoice
from gigbook.notifications.models import Notification
from tests.billing.conftest import NOW, completed_booking
from tests.bookings.factories import make_profile, make_venue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "strings-and-keys-2026"


def test_musician_issues_the_invoice_from_the_message_link_on_a_phone(live_server, browser, page, make_user,
                                                                     frozen_clock, settings, tmp_path):
    settings.RECEIPTS_ROOT = tmp_path / "receipts"
    producer = make_user(producer=True, email="pat.pays@example.com", full_name="Pat Producer", password=PASSWORD,
                         time_zone="Europe/London")
    musician = make_user(musician=True, email="kim.keys@example.com", full_name="Kim Keys", password=PASSWORD,
                         time_zone="Europe/London", phone="+447911123456")
    profile = make_profile(musician)
    venue = make_venue(producer)
    billing.musician_billing_update(user=musician, legal_name="Kim Keys", address="4 Organ Row, London",
                                    iban="GB33BUKB20201555555555", invoice_prefix="KK-")
    billing.producer_billing_update(user=producer, company_name="Pat Productions Ltd", country="GB")
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, venue, frozen_clock)
    assert billing.invoices_draft_due() == 1
    message = Notification.objects.get(recipient=musician, kind="invoice_ready")
    assert "Issue it here" in message.sms_text

    # Tap 1: the link in the message opens the draft (no password on the phone).
    page.goto(f"{live_server.url}{message.url}")
    expect(page.get_by_role("heading", name="Invoice ready for Pat Productions Ltd")).to_be_visible()
    expect(page.locator("#ready-total")).to_have_text("295.00 GBP")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    issue = page.get_by_role("button", name="Issue invoice")
    box = issue.bounding_box()
    assert box["height"] >= 44 and box["y"] + box["height"] <= 844  # a thumb-sized button on the first screen
    # Tap 2: issue.
    issue.tap()
    expect(page.get_by_role("heading", name="Invoice KK-0001 issued")).to_be_visible()
    expect(page.locator("#ready-outcome")).to_contain_text("pat.pays@example.com")
    invoice = Invoice.objects.get(booking=booking)
    assert (invoice.status, invoice.number) == ("issued", "KK-0001")

    # The producer, at a desk, sees what they owe, to whom, by when.
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    producer_page = desk.new_page()
    producer_page.goto(f"{live_server.url}/login/")
    producer_page.get_by_label("Email").fill(producer.email)
    producer_page.get_by_label("Password").fill(PASSWORD)
    producer_page.get_by_role("button", name="Log in").click()
    producer_page.goto(f"{live_server.url}/billing/owed/")
    row = producer_page.locator("#owed-table tbody tr").first
    expect(row).to_contain_text("KK-0001")
    expect(row).to_contain_text("Kim Keys")
    expect(row).to_contain_text(f"{invoice.due_date:%a} {invoice.due_date.day} {invoice.due_date:%b %Y}")
    desk.close()


def test_billing_pages_have_no_serious_accessibility_violations(live_server, page, make_user, frozen_clock,
                                                                settings, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    settings.RECEIPTS_ROOT = tmp_path / "receipts"
    producer = make_user(producer=True, email="pat.pays@example.com", password=PASSWORD)
    musician = make_user(musician=True, email="kim.keys@example.com", full_name="Kim Keys", password=PASSWORD,
                         time_zone="Europe/London")
    profile = make_profile(musician)
    billing.musician_billing_update(user=musician, legal_name="Kim Keys", address="4 Organ Row, London",
                                    iban="GB33BUKB20201555555555")
    frozen_clock.set(NOW)
    booking = completed_booking(producer, musician, profile, make_venue(producer), frozen_clock)
    invoice = billing.invoice_draft_for_booking(booking_id=booking.pk)
    billing.invoice_issue(invoice_id=invoice.pk, actor=musician)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(musician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path in ["/billing/", f"/billing/invoices/{invoice.pk}/", "/billing/earnings/?period=custom&from=2027-01-01"
                 "&to=2027-12-31", "/billing/expenses/", "/billing/details/"]:
        page.goto(f"{live_server.url}{path}")
        violations = [f"{v['id']}: {v['help']}" for v in Axe().run(page).response["violations"]
                      if v.get("impact") in {"serious", "critical"}]
        assert violations == [], path
        widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (path, widest)
