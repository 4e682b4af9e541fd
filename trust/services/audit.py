"""Writing the audit log. Callers pass snapshots; this module only records them."""

from __future__ import annotations

from typing import Any

from django.db import models

from gigbook.core import clock
from trust.models import AuditEntry
from trust.snapshots import changed_only


def _label(obj: models.Model) -> str:
    return str(obj)[:200]


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    source: str = AuditEntry.Source.API,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason_code: str = "",
    reason: str = "",
    only_changes: bool = True,
) -> AuditEntry:
    """Append one entry. With ``only_changes`` only the fields that differ are kept in before/after.

    Call inside the transaction of the action it records, so the entry exists exactly when the
    action does.
    """
    before, after = before or {}, after or {}
    if only_changes and before and after:
        before, after = changed_only(before, after)
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", "") or "")[:254],
        source=source,
        action=action,
        target_type=target._meta.concrete_model._meta.label_lower,
        target_id=str(target.pk),
        target_label=_label(target),
        reason_code=reason_code,
        reason=reason,
        before=before,
        after=after,
    )
