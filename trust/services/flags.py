"""Bookings flagged for an admin (e.g. the musician was suspended)."""

from __future__ import annotations

from django.db import transaction

from gigbook.core import clock
from gigbook.core.errors import NotFound, ValidationFailed
from trust.models import AuditEntry, BookingFlag
from trust.services.audit import audit_record


@transaction.atomic
def flag_resolve(*, flag_id: int, by, resolution: str, source: str = AuditEntry.Source.API) -> BookingFlag:
    """Record how an admin handled a flagged booking (the booking itself is changed, if at all,
    through the bookings services). Already resolved: returned unchanged."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed(fields={"resolution": ["Say what was done (e.g. 'Producer found a replacement')."]})
    if len(resolution) > 2000:
        raise ValidationFailed(fields={"resolution": ["Keep it under 2000 characters."]})
    flag = BookingFlag.objects.select_for_update(of=("self",)).select_related("booking").filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    if flag.resolved_at is not None:
        return flag
    flag.resolved_at, flag.resolved_by, flag.resolution = clock.now(), by, resolution
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_record(actor=by, action="flag.resolve", target=flag, source=source, before={"open": True},
                 after={"open": False}, reason=resolution)
    return flag
