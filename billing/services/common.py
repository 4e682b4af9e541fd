"""Helpers shared by the billing services: locks in one fixed order, and field errors."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from billing.models import Invoice, MusicianBilling, ProducerBilling
from gigbook.core.errors import NotFound, ValidationFailed


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def musician_billing_get(user) -> MusicianBilling:
    """The musician's billing row, created with defaults on first use."""
    try:
        return MusicianBilling.objects.get(user=user)
    except MusicianBilling.DoesNotExist:
        try:
            with transaction.atomic():
                return MusicianBilling.objects.create(user=user, legal_name=user.full_name)
        except IntegrityError:
            return MusicianBilling.objects.get(user=user)


def producer_billing_get(user) -> ProducerBilling:
    try:
        return ProducerBilling.objects.get(user=user)
    except ProducerBilling.DoesNotExist:
        try:
            with transaction.atomic():
                return ProducerBilling.objects.create(user=user, company_name=user.full_name)
        except IntegrityError:
            return ProducerBilling.objects.get(user=user)


def musician_billing_lock(user) -> MusicianBilling:
    """Lock the musician's billing row. Always taken first (then the invoice): one order, no deadlocks."""
    musician_billing_get(user)
    return MusicianBilling.objects.select_for_update().get(user=user)


def invoice_peek(invoice_id: int) -> Invoice:
    invoice = Invoice.objects.select_related("musician", "producer").filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def invoice_lock(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("musician", "producer").get(pk=invoice_id)


def require_party(invoice: Invoice, actor, *, role: str | None = None) -> None:
    """Strangers (and the wrong party for a one-sided action) get 404, as if the invoice did not exist."""
    allowed = {"musician": (invoice.musician_id,), "producer": (invoice.producer_id,),
               None: (invoice.musician_id, invoice.producer_id)}[role]
    if not actor.is_authenticated or actor.pk not in allowed:
        raise NotFound("No such invoice.")
