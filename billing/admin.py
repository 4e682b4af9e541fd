"""Billing admin: staff keep the Bank of England base-rate table current; invoices are read-only here
(issued invoices are immutable; corrections are credit notes the musician makes)."""

from django.contrib import admin

from billing.models import BaseRate, Expense, Invoice, InvoiceLine, MusicianBilling, Payment, ProducerBilling


@admin.register(BaseRate)
class BaseRateAdmin(admin.ModelAdmin):
    list_display = ("effective_from", "rate_percent")
    ordering = ("-effective_from",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ("position", "label", "quantity", "unit_amount", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(LineInline):
    model = Payment
    fields = ("amount", "paid_on", "status", "recorded_by", "confirmed_at")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "musician", "producer", "total", "paid_amount", "due_date")
    list_filter = ("status", "kind", "late_payment_act")
    search_fields = ("number", "musician__email", "producer__email")
    raw_id_fields = ("musician", "producer", "booking", "credits")
    # Bank details live in the snapshot; staff never see them.
    exclude = ("snapshot",)
    inlines = [LineInline, PaymentInline]


@admin.register(Expense)
class ExpenseAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "musician", "spent_on", "reimbursable")
    exclude = ("receipt",)


@admin.register(MusicianBilling)
class MusicianBillingAdmin(ReadOnlyAdmin):
    list_display = ("user", "legal_name", "country", "vat_registered", "next_number")
    exclude = ("iban", "bic", "sort_code", "account_number")


@admin.register(ProducerBilling)
class ProducerBillingAdmin(ReadOnlyAdmin):
    list_display = ("user", "company_name", "country")
