"""Chasing with a moved clock: before, on, 7 and 30 days after the due date, each exactly once,
with the statutory interest to the penny."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import rules
from billing import services as billing
from billing.models import BaseRate
from gigbook.notifications.models import Notification
from tests.billing.conftest import NOW, issued_invoice

D = Decimal
pytestmark = pytest.mark.django_db


def reminders(producer):
    return list(Notification.objects.filter(recipient=producer, kind="invoice_reminder").order_by("id"))


def at(day: date, hour: int = 9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_reminders_go_out_once_each_with_statutory_interest_to_the_penny(
        producer, musician, profile, venue, frozen_clock, billing_ready, base_rates):
    frozen_clock.set(NOW)
    invoice = issued_invoice(producer, musician, profile, venue, frozen_clock)
    assert (invoice.total, invoice.due_date) == (D("354.00"), date(2027, 7, 8))  # 295.00 + 20 % VAT
    billing.payment_record(invoice_id=invoice.pk, actor=musician, amount="100.00")  # part paid: 254.00 owed

    expected = []
    timeline = [
        (date(2027, 7, 4), None),          # 4 days before: nothing yet
        (date(2027, 7, 5), "before"),      # 3 days before
        (date(2027, 7, 6), None),
        (date(2027, 7, 8), "due"),
        (date(2027, 7, 14), None),         # 6 days overdue
        (date(2027, 7, 15), "overdue_7"),
        (date(2027, 7, 16), None),
        (date(2027, 8, 7), "overdue_30"),
        (date(2027, 9, 30), None),         # nothing after the last stage
    ]
    for day, stage in timeline:
        frozen_clock.set(at(day))
        sent = billing.invoice_reminders_send_due()
        again = billing.invoice_reminders_send_due()  # a second sweep in the same minute sends nothing
        assert (sent, again) == ((1 if stage else 0), 0), day
        if stage:
            expected.append(stage)
    sent = reminders(producer)
    assert [n.dedupe_key.rsplit(f"{invoice.pk}-", 1)[1] for n in sent] == expected

    # Due 8 July 2027 (July-December): the reference rate is the base rate in force on 30 June 2027,
    # 3.25 % (from 6 May 2027), so the statutory rate is 11.25 % a year, simple, on the 254.00 owed.
    # 7 days: 254.00 x 11.25 % x 7 / 365 = 0.54801... -> 0.55;  30 days: ... x 30 / 365 = 2.34863... -> 2.35.
    # Compensation for a debt under 1,000: 40.00.
    seven, thirty = sent[2].body, sent[3].body
    assert "statutory interest of 0.55 GBP (11.25 % a year" in seven and "for 7 days" in seven
    assert "fixed compensation of 40.00 GBP" in seven and "294.55 GBP in all" in seven  # 254.00 + 0.55 + 40
    assert "statutory interest of 2.35 GBP" in thirty and "for 30 days" in thirty and "296.35 GBP in all" in thirty
    assert "due on 08 July 2027" in sent[0].body


def test_statutory_interest_rule_in_one_function(base_rates):
    charge = rules.statutory_interest(outstanding=D("291.96"), due_date=date(2027, 7, 8), on=date(2027, 8, 7))
    assert (charge.days_overdue, charge.reference_rate, charge.annual_rate) == (30, D("3.25"), D("11.25"))
    assert (charge.interest, charge.compensation, charge.total) == (D("2.70"), D("40.00"), D("42.70"))
    # A debt falling due in January-June uses the rate in force on the previous 31 December (3.50 %).
    early = rules.statutory_interest(outstanding=D("1000.00"), due_date=date(2027, 3, 1), on=date(2027, 3, 11))
    assert early.reference_rate == D("3.50")
    assert early.interest == D("3.15")  # 1000 x 11.50 % x 10 / 365 = 3.1506... -> 3.15
    assert early.compensation == D("70.00")  # 1,000 to 9,999.99
    assert rules.fixed_compensation(D("10000")) == D("100.00")
    assert rules.statutory_interest(outstanding=D("100"), due_date=date(2027, 3, 1), on=date(2027, 3, 1)) is None
    # Staff add a new base rate in the admin: debts falling due in the next half-year use it.
    BaseRate.objects.create(effective_from=date(2027, 12, 18), rate_percent=D("3.00"))
    assert rules.reference_base_rate(date(2028, 2, 1)) == D("3.00")


def test_paused_or_paid_invoices_are_not_chased(producer, musician, profile, venue, frozen_clock, billing_ready,
                                                base_rates):
    frozen_clock.set(NOW)
    invoice = issued_invoice(producer, musician, profile, venue, frozen_clock)
    billing.invoice_pause_chasing(invoice_id=invoice.pk, actor=musician, paused=True)
    frozen_clock.set(at(date(2027, 7, 15)))
    assert billing.invoice_reminders_send_due() == 0
    # Resumed late: only the latest due stage goes out (the earlier ones are marked, not sent).
    billing.invoice_pause_chasing(invoice_id=invoice.pk, actor=musician, paused=False)
    assert billing.invoice_reminders_send_due() == 1
    assert [n.title for n in reminders(producer)] == [f"Invoice {invoice.number} is 7 days overdue"]
    billing.payment_record(invoice_id=invoice.pk, actor=musician, amount=str(invoice.total))
    frozen_clock.set(at(date(2027, 8, 20)))
    assert billing.invoice_reminders_send_due() == 0


def test_overdue_is_the_same_for_both_parties_wherever_the_producer_lives(
        producer, musician, profile, venue, frozen_clock, billing_ready, base_rates, client_for, client):
    # An invoice's dates are the musician's (its issue and due dates, the reminders and the late
    # charge): half an hour after midnight in London it is overdue for everyone, also for a producer
    # in Los Angeles, where it is still the afternoon of the due date.
    type(producer).objects.filter(pk=producer.pk).update(time_zone="America/Los_Angeles")
    producer.refresh_from_db()
    frozen_clock.set(NOW)
    invoice = issued_invoice(producer, musician, profile, venue, frozen_clock)
    assert invoice.due_date == date(2027, 7, 8)
    frozen_clock.set(datetime(2027, 7, 8, 23, 30, tzinfo=UTC))  # 00:30 on 9 July in London, 16:30 on 8 July in LA
    for user in (musician, producer):
        api = client_for(user)
        assert api.get(f"/api/invoices/{invoice.pk}/").json()["overdue"] is True, user
        assert [row["id"] for row in api.get("/api/invoices/", {"status": "overdue"}).json()["results"]] == \
            [invoice.pk], user
        client.force_login(user)
        assert ">Overdue<" in client.get(f"/billing/invoices/{invoice.pk}/").content.decode(), user
