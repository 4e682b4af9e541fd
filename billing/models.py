"""Billing: who is paid, by whom, for what. Invoices are built from a booking's frozen fee lines.

All writes go through ``billing.services``; reads with rules through ``billing.selectors``.
Billing sits above ``bookings``: it reads bookings, never changes one, and nothing below imports it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from billing.storage import receipts_storage
from gigbook.core import clock

MONEY = {"max_digits": 14, "decimal_places": 3}


class MusicianBilling(models.Model):
    """What a musician's invoices carry about them, and their own invoice numbering."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="musician_billing")
    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(max_length=600, blank=True)
    country = models.CharField(max_length=2, default="GB", help_text="ISO 3166 country code, e.g. GB.")
    vat_registered = models.BooleanField(default=False)
    vat_number = models.CharField(max_length=20, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    sort_code = models.CharField(max_length=6, blank=True)
    account_number = models.CharField(max_length=8, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    invoice_prefix = models.CharField(max_length=12, default="INV-")
    # The number the next issued invoice gets. Only the issuing transaction moves it, under a row lock,
    # so numbers are unique and gap-free per musician.
    next_number = models.PositiveIntegerField(default=1)
    mileage_rate = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0.45"),
                                       help_text="Per mile (or km), in the invoice's currency.")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(next_number__gte=1), name="billing_next_number_positive"),
            models.CheckConstraint(condition=Q(mileage_rate__gte=0), name="billing_mileage_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Billing details of {self.user_id}"

    @property
    def has_bank_details(self) -> bool:
        return bool(self.iban or (self.sort_code and self.account_number))


class ProducerBilling(models.Model):
    """Who the producer's invoices are addressed to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_billing")
    company_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(max_length=600, blank=True)
    country = models.CharField(max_length=2, default="GB")
    vat_number = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Producer billing details of {self.user_id}"


class PurchaseOrder(models.Model):
    """The producer's purchase-order reference for one booking; copied onto the invoice when issued."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="purchase_order")
    reference = models.CharField(max_length=60)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.reference


class BaseRate(models.Model):
    """Bank of England base rate, in force from ``effective_from``. Staff keep it current in the admin."""

    effective_from = models.DateField(unique=True)
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_percent__gte=-5, rate_percent__lte=30), name="billing_base_rate_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent} % from {self.effective_from}"


class Invoice(models.Model):
    """An invoice (or credit note) from a musician to a producer for one booking."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    class Reason(models.TextChoices):
        COMPLETED = "completed", "Completed booking"
        CANCELLATION = "cancellation", "Late cancellation fee"
        CORRECTION = "correction", "Correction"

    class WorkKind(models.TextChoices):
        STUDIO = "studio", "Studio"
        LIVE = "live", "Live"
        TOUR = "tour", "Tour"
        OTHER = "other", "Other"

    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices_issued")
    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices_received")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credits = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note")
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.COMPLETED)
    work_kind = models.CharField(max_length=8, choices=WorkKind.choices, default=WorkKind.OTHER)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)

    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(max_length=30, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    terms_days = models.PositiveSmallIntegerField(default=30)
    due_date = models.DateField(null=True, blank=True)

    subtotal = models.DecimalField(**MONEY, default=Decimal("0"))
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    vat_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0"), help_text="Confirmed payments.")
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    # Frozen at issue: both parties' details, bank details, the booking's dates and venue, the PO.
    snapshot = models.JSONField(default=dict, blank=True)
    # UK Late Payment of Commercial Debts (Interest) Act applies (decided at issue).
    late_payment_act = models.BooleanField(default=False)

    chasing_paused = models.BooleanField(default=False)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_due_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_7_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_30_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_invoices", "Can see every invoice (support and accounts staff)")]
        constraints = [
            models.UniqueConstraint(fields=["musician", "sequence"], name="billing_invoice_sequence_unique"),
            # One live invoice per booking and reason: a second "Invoice ready" never makes a second draft.
            # A void one does not count, so a corrected invoice can follow a credit note.
            models.UniqueConstraint(fields=["booking", "reason"], condition=Q(kind="invoice") & ~Q(status="void"),
                                    name="billing_one_invoice_per_booking_reason"),
            models.CheckConstraint(condition=Q(status__in=["draft", "issued", "paid", "void"]),
                                   name="billing_invoice_status_valid"),
            models.CheckConstraint(
                # A void draft never had a number; everything issued has one.
                condition=Q(status="draft", sequence__isnull=True) | Q(status="void")
                | (Q(status__in=["issued", "paid"]) & Q(sequence__isnull=False)),
                name="billing_invoice_numbered_unless_draft",
            ),
            models.CheckConstraint(condition=~Q(musician=F("producer")), name="billing_invoice_not_self"),
            models.CheckConstraint(
                condition=Q(kind="credit_note") | Q(paid_amount__gte=0, paid_amount__lte=F("total")),
                name="billing_invoice_not_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["musician", "issue_date"], name="billing_invoice_musician_date"),
            models.Index(fields=["producer", "status", "due_date"], name="billing_invoice_producer_due"),
            models.Index(fields=["due_date"], condition=Q(status="issued", chasing_paused=False),
                         name="billing_invoice_chase_due"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid_amount

    def is_party(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.musician_id, self.producer_id)

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.ISSUED and self.due_date is not None and today > self.due_date

    @property
    def display_status(self) -> str:
        return self.get_status_display()


class InvoiceLine(models.Model):
    class Source(models.TextChoices):
        FEE = "fee", "Fee"
        EXPENSE = "expense", "Expense"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.FEE)
    code = models.CharField(max_length=30)
    label = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=3)
    unit_amount = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    expense = models.ForeignKey("Expense", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["invoice", "position", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


def _receipt_path(instance: Expense, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"receipts/{instance.musician_id}/{uuid.uuid4().hex}.{extension}"


class Expense(models.Model):
    """A cost the musician had: re-charged on the booking's invoice (reimbursable) or only tax-deductible."""

    class Kind(models.TextChoices):
        MILEAGE = "mileage", "Mileage"
        PARKING = "parking", "Parking"
        HOTEL = "hotel", "Hotel"
        PER_DIEM = "per_diem", "Per diem"
        TRAVEL = "travel", "Train, plane or taxi"
        EQUIPMENT = "equipment", "Equipment and strings"
        OTHER = "other", "Other"

    musician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expenses")
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="expenses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    spent_on = models.DateField()
    currency = models.CharField(max_length=3)
    quantity = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("1"),
                                   help_text="Miles for mileage, days for per diem, nights for a hotel; else 1.")
    unit_amount = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    reimbursable = models.BooleanField(default=True, help_text="Charged to the producer on the invoice.")
    receipt = models.FileField(upload_to=_receipt_path, storage=receipts_storage, max_length=255, blank=True)
    receipt_name = models.CharField(max_length=255, blank=True)
    receipt_content_type = models.CharField(max_length=100, blank=True)
    receipt_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, unit_amount__gt=0, quantity__gt=0),
                                   name="billing_expense_positive"),
        ]
        indexes = [models.Index(fields=["musician", "spent_on"], name="billing_expense_musician_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class Payment(models.Model):
    """Money received against an invoice. The musician's own records count at once; the producer's
    wait for the musician to confirm them (the musician knows what reached their account)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the musician to confirm"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Not received"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    paid_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"
