"""Billing API shapes. Input serializers check shape only (with plain-word messages); rules are in services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing import selectors
from billing.models import Expense, Invoice, InvoiceLine, MusicianBilling, Payment, ProducerBilling
from billing.services import late_charge

DATE_MESSAGES = {"invalid": "Give the date as year-month-day, e.g. 2027-06-08.",
                 "required": "Give a date.", "null": "Give a date."}
AMOUNT_MESSAGES = {"invalid": "Give an amount in figures, e.g. 12.50.", "required": "Give an amount.",
                   "max_digits": "This amount is far too large.", "max_decimal_places": "Use at most three decimals.",
                   "max_whole_digits": "This amount is far too large.", "null": "Give an amount."}


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class InvoiceLineSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, read_only=True)
    unit_amount = money_field()
    amount = money_field()

    class Meta:
        model = InvoiceLine
        fields = ["position", "source", "code", "label", "quantity", "unit_amount", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    amount = money_field()
    recorded_by = serializers.IntegerField(source="recorded_by_id", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "amount", "paid_on", "reference", "status", "recorded_by", "recorded_at", "confirmed_at"]


class BankDetailsSerializer(serializers.Serializer):
    iban = serializers.CharField(allow_blank=True)
    bic = serializers.CharField(allow_blank=True)
    sort_code = serializers.CharField(allow_blank=True)
    account_number = serializers.CharField(allow_blank=True)


class LateChargeSerializer(serializers.Serializer):
    days_overdue = serializers.IntegerField()
    reference_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    annual_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2)
    compensation = serializers.DecimalField(max_digits=14, decimal_places=2)


class InvoiceSerializer(serializers.ModelSerializer):
    musician = PartySerializer(read_only=True)
    producer = PartySerializer(read_only=True)
    booking = serializers.IntegerField(source="booking_id", read_only=True)
    subtotal = money_field()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    vat_amount = money_field()
    total = money_field()
    paid_amount = money_field()
    outstanding = money_field()
    overdue = serializers.SerializerMethodField()
    po_reference = serializers.SerializerMethodField()
    credits = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "status", "overdue", "reason", "work_kind", "currency", "musician",
                  "producer", "booking", "issue_date", "due_date", "terms_days", "subtotal", "vat_rate", "vat_amount",
                  "total", "paid_amount", "outstanding", "chasing_paused", "po_reference", "credits", "pdf_url",
                  "page_url", "created_at", "issued_at"]

    def get_overdue(self, invoice: Invoice) -> bool:
        return invoice.kind == Invoice.Kind.INVOICE and invoice.is_overdue(selectors.invoice_today(invoice))

    def get_po_reference(self, invoice: Invoice) -> str:
        return (invoice.snapshot or {}).get("po_reference", "")

    def get_credits(self, invoice: Invoice) -> str | None:
        return (invoice.snapshot or {}).get("credits") if invoice.kind == Invoice.Kind.CREDIT_NOTE else None

    def get_pdf_url(self, invoice: Invoice) -> str:
        return f"/api/invoices/{invoice.pk}/pdf/"

    def get_page_url(self, invoice: Invoice) -> str:
        return f"/billing/invoices/{invoice.pk}/"


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    bank = serializers.SerializerMethodField()
    late_charge = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines", "payments", "bank", "late_charge"]

    @extend_schema_field(BankDetailsSerializer(allow_null=True))
    def get_bank(self, invoice: Invoice):
        """Shown to the two parties only; null for anyone else (staff included)."""
        if not selectors.can_see_bank_details(self.context["request"].user, invoice):
            return None
        if invoice.status == Invoice.Status.DRAFT:
            details = MusicianBilling.objects.filter(user_id=invoice.musician_id).first()
            bank = {name: getattr(details, name, "") for name in ("iban", "bic", "sort_code", "account_number")}
        else:
            bank = (invoice.snapshot or {}).get("bank", {})
        return BankDetailsSerializer(bank).data

    @extend_schema_field(LateChargeSerializer(allow_null=True))
    def get_late_charge(self, invoice: Invoice):
        today = selectors.user_today(invoice.musician)
        charge = late_charge(invoice, today) if invoice.is_overdue(today) else None
        return LateChargeSerializer(charge).data if charge else None


class InvoiceListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["musician", "producer"], required=False,
                                   error_messages={"invalid_choice": "Choose musician or producer."})
    status = serializers.ChoiceField(choices=[*Invoice.Status.values, "overdue"], required=False,
                                     error_messages={"invalid_choice": "Choose draft, issued, paid, void or overdue."})


class PaymentInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=3, error_messages=AMOUNT_MESSAGES)
    paid_on = serializers.DateField(required=False, error_messages=DATE_MESSAGES)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                      error_messages={"max_length": "Keep the reference under 100 characters."})


class PaymentConfirmInSerializer(serializers.Serializer):
    received = serializers.BooleanField(default=True, error_messages={"invalid": "Answer yes or no."})


class VoidInSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                   error_messages={"max_length": "Keep the reason under 300 characters."})


class PauseInSerializer(serializers.Serializer):
    paused = serializers.BooleanField(error_messages={"invalid": "Answer yes or no.",
                                                      "required": "Say whether to pause reminders."})


class ExpenseSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, read_only=True)
    unit_amount = serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True)
    amount = money_field()
    booking = serializers.IntegerField(source="booking_id", read_only=True, allow_null=True)
    invoice = serializers.IntegerField(source="invoice_id", read_only=True, allow_null=True)
    has_receipt = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Expense
        fields = ["id", "kind", "description", "spent_on", "currency", "quantity", "unit_amount", "amount",
                  "reimbursable", "booking", "invoice", "has_receipt", "receipt_url", "created_at"]

    def get_has_receipt(self, expense: Expense) -> bool:
        return bool(expense.receipt)

    def get_receipt_url(self, expense: Expense) -> str | None:
        return f"/api/expenses/{expense.pk}/receipt/" if expense.receipt else None


class ExpenseInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Expense.Kind.choices, error_messages={
        "invalid_choice": "Choose what the expense was for: mileage, parking, hotel, per diem or another cost.",
        "required": "Choose what the expense was for."})
    spent_on = serializers.DateField(error_messages=DATE_MESSAGES)
    amount = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True,
                                      error_messages=AMOUNT_MESSAGES,
                                      help_text="The amount; per night for a hotel, per day for per diem; not for mileage.")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, required=False, allow_null=True,
                                        error_messages={**AMOUNT_MESSAGES, "invalid": "Give a number, e.g. 42."},
                                        help_text="Miles for mileage, nights for a hotel, days for per diem.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                        error_messages={"max_length": "Keep the description under 200 characters."})
    booking = serializers.IntegerField(required=False, allow_null=True,
                                       error_messages={"invalid": "Choose one of your bookings."})
    reimbursable = serializers.BooleanField(default=True, error_messages={"invalid": "Answer yes or no."})
    currency = serializers.CharField(required=False, max_length=3, default="GBP",
                                     error_messages={"max_length": "Choose a currency, e.g. GBP."})
    receipt = serializers.FileField(required=False, allow_null=True, error_messages={
        "invalid": "Attach the receipt as a photo or PDF.", "empty": "The receipt file is empty."})


class EarningsQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is declared below under that name.
    to = serializers.DateField(required=False, error_messages=DATE_MESSAGES)
    group_by = serializers.ChoiceField(choices=list(selectors.GROUPS), required=False, default="status",
                                       error_messages={"invalid_choice": "Group by status, producer, kind or month."})

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError({"to": ["The end of the range is before its start."]})
        if start and end and (end - start).days > 366 * 10:
            raise serializers.ValidationError({"to": ["Choose a range of at most ten years."]})
        return attrs


EarningsQuerySerializer._declared_fields["from"] = serializers.DateField(required=False, error_messages=DATE_MESSAGES)


class EarningsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    currency = serializers.CharField()
    count = serializers.IntegerField()
    net = serializers.DecimalField(max_digits=16, decimal_places=2)
    vat = serializers.DecimalField(max_digits=16, decimal_places=2)
    invoiced = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=16, decimal_places=2)
    overdue = serializers.DecimalField(max_digits=16, decimal_places=2)


class EarningsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    group_by = serializers.CharField()
    rows = EarningsRowSerializer(many=True)
    totals = EarningsRowSerializer(many=True)


class MusicianBillingSerializer(serializers.ModelSerializer):
    mileage_rate = serializers.DecimalField(max_digits=6, decimal_places=3)

    class Meta:
        model = MusicianBilling
        fields = ["legal_name", "address", "country", "vat_registered", "vat_number", "iban", "bic", "sort_code",
                  "account_number", "payment_terms_days", "invoice_prefix", "next_number", "mileage_rate"]


class ProducerBillingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProducerBilling
        fields = ["company_name", "address", "country", "vat_number"]


class MusicianBillingInSerializer(serializers.Serializer):
    """Shape only; the service checks IBAN checksums, VAT numbers, sort codes and the rest."""

    legal_name = serializers.CharField(required=False, allow_blank=True, max_length=200, trim_whitespace=True,
                                       error_messages={"max_length": "Keep your legal name under 200 characters."})
    address = serializers.CharField(required=False, allow_blank=True, max_length=600,
                                    error_messages={"max_length": "Keep the address under 600 characters."})
    country = serializers.CharField(required=False, allow_blank=True, max_length=2,
                                    error_messages={"max_length": "Choose a country, e.g. GB for the United Kingdom."})
    vat_registered = serializers.BooleanField(required=False, error_messages={"invalid": "Answer yes or no."})
    vat_number = serializers.CharField(required=False, allow_blank=True, max_length=30, error_messages={
        "max_length": "This VAT number is not valid: check it against your VAT certificate."})
    iban = serializers.CharField(required=False, allow_blank=True, max_length=50, error_messages={
        "max_length": "This bank account number (IBAN) is not valid: check it for a typing mistake."})
    bic = serializers.CharField(required=False, allow_blank=True, max_length=20, error_messages={
        "max_length": "This bank code (BIC/SWIFT) is not valid: it has 8 or 11 letters and digits."})
    sort_code = serializers.CharField(required=False, allow_blank=True, max_length=10,
                                      error_messages={"max_length": "A sort code is six digits, like 20-00-00."})
    account_number = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                           error_messages={"max_length": "A UK account number is eight digits."})
    payment_terms_days = serializers.IntegerField(required=False, error_messages={
        "invalid": "Payment terms are a number of days from 0 to 120."})
    invoice_prefix = serializers.CharField(required=False, allow_blank=True, max_length=30, error_messages={
        "max_length": "Use up to 12 letters, digits, dashes or slashes, e.g. MIA-."})
    next_number = serializers.IntegerField(required=False, error_messages={
        "invalid": "The next invoice number is a whole number from 1."})
    mileage_rate = serializers.DecimalField(max_digits=8, decimal_places=3, required=False, error_messages={
        **AMOUNT_MESSAGES, "invalid": "The mileage rate is an amount per mile, e.g. 0.45."})


class ProducerBillingInSerializer(serializers.Serializer):
    company_name = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                         error_messages={"max_length": "Keep the company name under 200 characters."})
    address = serializers.CharField(required=False, allow_blank=True, max_length=600,
                                    error_messages={"max_length": "Keep the address under 600 characters."})
    country = serializers.CharField(required=False, allow_blank=True, max_length=2,
                                    error_messages={"max_length": "Choose a country, e.g. GB for the United Kingdom."})
    vat_number = serializers.CharField(required=False, allow_blank=True, max_length=30, error_messages={
        "max_length": "This VAT number is not valid: check it against your VAT certificate."})


class MeBillingSerializer(serializers.Serializer):
    musician = MusicianBillingSerializer(allow_null=True)
    producer = ProducerBillingSerializer(allow_null=True)


class MeBillingInSerializer(serializers.Serializer):
    musician = MusicianBillingInSerializer(required=False)
    producer = ProducerBillingInSerializer(required=False)


class PurchaseOrderInSerializer(serializers.Serializer):
    reference = serializers.CharField(allow_blank=True, max_length=60, error_messages={
        "max_length": "Keep the purchase-order reference under 60 characters.", "required": "Give the reference."})


class PurchaseOrderSerializer(serializers.Serializer):
    booking = serializers.IntegerField()
    reference = serializers.CharField(allow_blank=True)
