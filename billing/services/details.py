"""Billing details of musicians and producers, and a producer's purchase-order reference per booking."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from billing import validation
from billing.models import Invoice, MusicianBilling, ProducerBilling, PurchaseOrder
from billing.services.common import field_error, musician_billing_lock, producer_billing_get
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import Conflict, NotFound, ValidationFailed

MUSICIAN_FIELDS = ("legal_name", "address", "country", "vat_registered", "vat_number", "iban", "bic", "sort_code",
                   "account_number", "payment_terms_days", "invoice_prefix", "next_number", "mileage_rate")
PRODUCER_FIELDS = ("company_name", "address", "country", "vat_number")


def _text(value: Any, field: str, max_length: int) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise field_error(field, f"Keep this under {max_length} characters.")
    return text


@transaction.atomic
def musician_billing_update(*, user, **changes: Any) -> MusicianBilling:
    """Change the musician's billing details. Every field is checked before anything is saved.

    Locks the billing row (the same lock issuing takes), so a change of the next invoice number can
    never race an issue. The next number may only move forward: numbers already used stay used.
    """
    unknown = set(changes) - set(MUSICIAN_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={name: ["This cannot be changed here."] for name in unknown})
    details = musician_billing_lock(user)
    errors: dict[str, list[str]] = {}
    values = {name: getattr(details, name) for name in MUSICIAN_FIELDS}
    values.update(changes)

    def check(field, fn, *args):
        try:
            return fn(*args)
        except validation.DetailError as exc:
            errors.setdefault(exc.field, []).append(str(exc))
            return values[field]
        except ValidationFailed as exc:
            for key, messages in exc.fields.items():
                errors.setdefault(key, []).extend(messages)
            return values[field]

    clean: dict[str, Any] = {}
    clean["legal_name"] = check("legal_name", _text, values["legal_name"], "legal_name", 200)
    clean["address"] = check("address", _text, values["address"], "address", 600)
    clean["country"] = check("country", validation.clean_country, values["country"])
    clean["vat_registered"] = bool(values["vat_registered"])
    clean["vat_number"] = check("vat_number", validation.clean_vat_number, values["vat_number"], clean["country"])
    if clean["vat_registered"] and not clean["vat_number"] and "vat_number" not in errors:
        errors["vat_number"] = ["Add your VAT number: VAT-registered invoices must show it."]
    clean["iban"] = check("iban", validation.clean_iban, values["iban"])
    clean["bic"] = check("bic", validation.clean_bic, values["bic"])
    clean["sort_code"] = check("sort_code", validation.clean_sort_code, values["sort_code"])
    clean["account_number"] = check("account_number", validation.clean_account_number, values["account_number"])
    if bool(clean["sort_code"]) != bool(clean["account_number"]) and not (
        {"sort_code", "account_number"} & set(errors)
    ):
        errors["account_number" if clean["sort_code"] else "sort_code"] = [
            "A UK bank account needs both the sort code and the account number."]
    try:
        terms = int(values["payment_terms_days"])
        if not 0 <= terms <= 120:
            raise ValueError
        clean["payment_terms_days"] = terms
    except (TypeError, ValueError):
        errors["payment_terms_days"] = ["Payment terms are a number of days from 0 to 120."]
    prefix = str(values["invoice_prefix"] or "").strip()
    if not prefix or len(prefix) > 12 or not all(ch.isalnum() or ch in "-/_" for ch in prefix):
        errors["invoice_prefix"] = ["Use up to 12 letters, digits, dashes or slashes, e.g. MIA-."]
    clean["invoice_prefix"] = prefix
    try:
        next_number = int(values["next_number"])
        if next_number < details.next_number and Invoice.objects.filter(musician=user, sequence__isnull=False).exists():
            errors["next_number"] = [f"Invoice numbers already go up to {details.next_number - 1}; "
                                     "the next one cannot be lower."]
        elif not 1 <= next_number <= 99_999_999:
            raise ValueError
        clean["next_number"] = next_number
    except (TypeError, ValueError):
        errors["next_number"] = ["The next invoice number is a whole number from 1."]
    try:
        rate = Decimal(str(values["mileage_rate"]))
        if not rate.is_finite() or rate < 0 or rate > 5:
            raise InvalidOperation
        clean["mileage_rate"] = rate
    except (InvalidOperation, ValueError):
        errors["mileage_rate"] = ["The mileage rate is an amount per mile from 0 to 5, e.g. 0.45."]
    if errors:
        raise ValidationFailed("Some billing details need fixing.", fields=errors)
    for name, value in clean.items():
        setattr(details, name, value)
    details.updated_at = clock.now()
    details.save()
    return details


@transaction.atomic
def producer_billing_update(*, user, **changes: Any) -> ProducerBilling:
    unknown = set(changes) - set(PRODUCER_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={name: ["This cannot be changed here."] for name in unknown})
    details = producer_billing_get(user)
    details = ProducerBilling.objects.select_for_update().get(pk=details.pk)
    values = {name: getattr(details, name) for name in PRODUCER_FIELDS}
    values.update(changes)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, limit in (("company_name", 200), ("address", 600)):
        text = str(values[name] or "").strip()
        if len(text) > limit:
            errors[name] = [f"Keep this under {limit} characters."]
        clean[name] = text
    try:
        clean["country"] = validation.clean_country(values["country"])
    except validation.DetailError as exc:
        errors["country"] = [str(exc)]
        clean["country"] = "GB"
    try:
        clean["vat_number"] = validation.clean_vat_number(values["vat_number"], clean["country"])
    except validation.DetailError as exc:
        errors["vat_number"] = [str(exc)]
    if errors:
        raise ValidationFailed("Some billing details need fixing.", fields=errors)
    for name, value in clean.items():
        setattr(details, name, value)
    details.updated_at = clock.now()
    details.save()
    return details


@transaction.atomic
def purchase_order_set(*, booking_id: int, actor, reference: str) -> PurchaseOrder | None:
    """The producer sets (or clears) the PO reference of their booking. Refused once the invoice is issued."""
    booking = Booking.objects.filter(pk=booking_id, producer=actor).first() if actor.is_authenticated else None
    if booking is None:
        raise NotFound("No such booking.")
    reference = str(reference or "").strip()
    if len(reference) > 60:
        raise field_error("reference", "Keep the purchase-order reference under 60 characters.")
    if Invoice.objects.filter(booking=booking, kind=Invoice.Kind.INVOICE).exclude(
            status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]).exists():
        raise Conflict("The invoice for this booking has been issued; it cannot change any more.", code="invoice_issued")
    if not reference:
        PurchaseOrder.objects.filter(booking=booking).delete()
        return None
    order, _ = PurchaseOrder.objects.update_or_create(booking=booking, defaults={"reference": reference,
                                                                                 "updated_at": clock.now()})
    return order
