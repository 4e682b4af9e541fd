"""Moderating musician profiles: approve, reject, suspend, reinstate, single and in bulk.

These wrap the musicians app's state machine (``musicians.services.profile_*``, which enforce
the legal moves and tell the musician, reason included) and add what moderation needs on top:
reason codes, the approved snapshot the next diff is taken against, the audit log and, on
suspension, the effects on bookings.

Lock order (shared with bookings): the musician's profile row first, then bookings.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch

from bookings import services as booking_services
from bookings.messages import when_text
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.services import notify
from musicians import services as musician_services
from musicians.models import MusicianProfile, ProfileGenre, ProfileInstrument
from trust.models import ApprovedSnapshot, AuditEntry, BookingFlag
from trust.reasons import compose_reason
from trust.services.audit import audit_record
from trust.snapshots import profile_snapshot

logger = logging.getLogger(__name__)
Status = MusicianProfile.Status
ACTIONS = ("approve", "reject", "suspend", "unsuspend")
BULK_MAX = 200


def _lock_profile(profile_id: int) -> MusicianProfile:
    """Lock the profile row (the first lock of every moderation write) and load what snapshots need."""
    locked = MusicianProfile.objects.select_for_update(of=("self",)).select_related("user").filter(pk=profile_id).first()
    if locked is None:
        raise NotFound("No such musician profile.")
    return _with_lists(locked)


def _with_lists(profile: MusicianProfile) -> MusicianProfile:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [profile],
        Prefetch("instruments", queryset=ProfileInstrument.objects.select_related("instrument")),
        Prefetch("genres", queryset=ProfileGenre.objects.select_related("genre")),
        "media",
        "credits",
    )
    return profile


def _state(profile: MusicianProfile) -> dict[str, Any]:
    return {
        "status": profile.status,
        "changes_state": profile.changes_state,
        "rejection_reason": profile.rejection_reason,
        "suspension_reason": profile.suspension_reason,
    }


def _reason(kind: str, reason_code: str, details: str) -> str:
    text, errors = compose_reason(kind, reason_code, details)
    if errors:
        raise ValidationFailed(fields=errors)
    return text


@transaction.atomic
def moderation_approve(*, profile_id: int, by, source: str = AuditEntry.Source.API) -> MusicianProfile:
    """pending -> approved, or a live profile's waiting changes go live. Stores the approved snapshot
    (base of the next diff), audits, and the musician is told (by musicians.services). Already
    approved with nothing waiting: returns it, nothing recorded.

    Locks the profile. Raises NotFound, InvalidTransition (409), ValidationFailed (no rate).
    """
    profile = _lock_profile(profile_id)
    if profile.status == Status.APPROVED and profile.changes_state != MusicianProfile.ChangesState.PENDING:
        return profile
    before = _state(profile)
    musician_services.profile_approve(profile=profile, by=by)
    profile.refresh_from_db()
    _with_lists(profile)  # waiting demo links or credits may just have replaced the rows
    snapshot = profile_snapshot(profile)
    now = clock.now()
    ApprovedSnapshot.objects.update_or_create(
        profile=profile, defaults={"data": snapshot, "approved_at": now, "approved_by": by}
    )
    audit_record(actor=by, action="profile.approve", target=profile, source=source, before=before,
                 after=_state(profile))
    return profile


@transaction.atomic
def moderation_reject(
    *, profile_id: int, by, reason_code: str, details: str = "", source: str = AuditEntry.Source.API
) -> MusicianProfile:
    """pending -> rejected with a reason from the list (+ free text); the musician reads it.

    Raises ValidationFailed (reason), NotFound, InvalidTransition.
    """
    reason = _reason("reject", reason_code, details)
    profile = _lock_profile(profile_id)
    before = _state(profile)
    musician_services.profile_reject(profile=profile, by=by, reason=reason)
    profile.refresh_from_db()
    audit_record(actor=by, action="profile.reject", target=profile, source=source, before=before,
                 after=_state(profile), reason_code=reason_code, reason=reason)
    return profile


@dataclass
class SuspensionEffects:
    withdrawn: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)
    producers_told: list[int] = field(default_factory=list)


def _close_open_offer(booking: Booking, *, by, note: str) -> bool:
    """Take back an unanswered offer or counter of a suspended musician, through the bookings
    services (history, notification to the musician). False if it was no longer open.

    Bookings of this musician cannot change meanwhile (their services lock the profile we hold),
    so only a state problem is expected here; anything else is a real error and rolls the whole
    suspension back rather than leave offers open behind a suspended profile.
    """
    try:
        if booking.status == Booking.Status.OFFERED:
            booking_services.booking_withdraw(booking_id=booking.pk, actor=by, note=note, moderation=True)
        else:
            booking_services.booking_decline_counter(booking_id=booking.pk, actor=by, note=note, moderation=True)
    except InvalidTransition as exc:
        logger.info("offer not closed on suspension", extra={"booking": booking.pk, "reason": exc.detail})
        return False
    return True


def _tell_producers(profile: MusicianProfile, *, entry: AuditEntry, withdrawn: list[Booking],
                    flagged: list[Booking]) -> list[int]:
    """One message per affected producer, listing their bookings; deduplicated per suspension."""
    by_producer: dict[int, dict[str, list[Booking]]] = defaultdict(lambda: {"withdrawn": [], "flagged": []})
    for booking in withdrawn:
        by_producer[booking.producer_id]["withdrawn"].append(booking)
    for booking in flagged:
        by_producer[booking.producer_id]["flagged"].append(booking)
    name = profile.display_name
    for groups in by_producer.values():
        producer = (groups["withdrawn"] or groups["flagged"])[0].producer
        lines = [f"{name}'s profile has been suspended by GigBook's moderators."]
        if groups["withdrawn"]:
            lines.append("\nThese offers were withdrawn, so you can book someone else:")
            lines += [f"• {b.summary}, {b.instrument.name}: {when_text(b, producer)}" for b in groups["withdrawn"]]
        if groups["flagged"]:
            lines.append(
                "\nThese confirmed bookings stand for now; an admin will contact you about them "
                "(you can also cancel them from the booking page):"
            )
            lines += [f"• {b.summary}, {b.instrument.name}: {when_text(b, producer)}" for b in groups["flagged"]]
        first = (groups["flagged"] or groups["withdrawn"])[0]
        notify(
            recipient=producer,
            kind="trust_musician_suspended",
            title=f"{name} is no longer available on GigBook",
            body="\n".join(lines),
            url=f"/bookings/{first.pk}/",
            sms_text=f"GigBook: {name} was suspended; your bookings with them need attention.",
            dedupe_key=f"trust:suspension:{entry.pk}",
        )
    return sorted(by_producer)


@transaction.atomic
def moderation_suspend(
    *, profile_id: int, by, reason_code: str, details: str = "", source: str = AuditEntry.Source.API
) -> tuple[MusicianProfile, SuspensionEffects]:
    """approved -> suspended, and its effects, all in one transaction:

    - the profile is hidden at once (search and public pages show approved profiles only);
    - the musician's open offers and counters are taken back through the bookings services;
    - each accepted booking still to come is flagged for an admin (never cancelled or deleted);
    - each affected producer gets one message listing their bookings;
    - the musician is told the reason (musicians.services); the audit log records it.

    Suspending a suspended profile raises InvalidTransition before anything happens, so every
    effect happens once; concurrent suspensions queue on the profile lock and the second fails.
    """
    reason = _reason("suspend", reason_code, details)
    profile = _lock_profile(profile_id)
    before = _state(profile)
    musician_services.profile_suspend(profile=profile, by=by, reason=reason)
    profile.refresh_from_db()
    now = clock.now()
    entry = audit_record(actor=by, action="profile.suspend", target=profile, source=source, before=before,
                         after=_state(profile), reason_code=reason_code, reason=reason)
    effects = SuspensionEffects()
    open_offers = list(
        Booking.objects.filter(musician_id=profile.user_id, status__in=Booking.OPEN_STATUSES)
        .select_related("producer", "instrument", "venue")
        .order_by("starts_at", "id")
    )
    withdrawn = []
    note = "The musician's profile was suspended by GigBook's moderators."
    for booking in open_offers:
        if booking.effective_status(now) != booking.status:
            continue  # an offer past its answer-by time is already expired
        if _close_open_offer(booking, by=by, note=note):
            withdrawn.append(booking)
    upcoming = list(
        Booking.objects.filter(musician_id=profile.user_id, status=Booking.Status.ACCEPTED, ends_at__gt=now)
        .select_related("producer", "instrument", "venue")
        .order_by("starts_at", "id")
    )
    flagged = []
    for booking in upcoming:
        _flag, created = BookingFlag.objects.get_or_create(
            booking=booking,
            reason=BookingFlag.Reason.MUSICIAN_SUSPENDED,
            resolved_at=None,
            defaults={"note": f"Musician suspended: {reason}", "created_at": now, "created_by": by},
        )
        if created:
            flagged.append(booking)
    effects.withdrawn = [b.pk for b in withdrawn]
    effects.flagged = [b.pk for b in flagged]
    effects.producers_told = _tell_producers(profile, entry=entry, withdrawn=withdrawn, flagged=flagged)
    if withdrawn or flagged:
        audit_record(
            actor=by, action="profile.suspend.effects", target=profile, source=source, only_changes=False,
            after={"withdrawn_bookings": effects.withdrawn, "flagged_bookings": effects.flagged,
                   "producers_told": effects.producers_told},
        )
    return profile, effects


@transaction.atomic
def moderation_unsuspend(*, profile_id: int, by, source: str = AuditEntry.Source.API) -> MusicianProfile:
    """suspended -> approved; the musician is told. Flags on bookings stay until an admin resolves them."""
    profile = _lock_profile(profile_id)
    before = _state(profile)
    musician_services.profile_unsuspend(profile=profile, by=by)
    profile.refresh_from_db()
    audit_record(actor=by, action="profile.unsuspend", target=profile, source=source, before=before,
                 after=_state(profile))
    return profile


def moderation_apply(
    *, action: str, profile_id: int, by, reason_code: str = "", details: str = "",
    source: str = AuditEntry.Source.API,
) -> MusicianProfile:
    """Run one of ACTIONS by name (for bulk and the admin)."""
    if action == "approve":
        return moderation_approve(profile_id=profile_id, by=by, source=source)
    if action == "reject":
        return moderation_reject(profile_id=profile_id, by=by, reason_code=reason_code, details=details, source=source)
    if action == "suspend":
        return moderation_suspend(profile_id=profile_id, by=by, reason_code=reason_code, details=details,
                                  source=source)[0]
    if action == "unsuspend":
        return moderation_unsuspend(profile_id=profile_id, by=by, source=source)
    raise ValidationFailed(fields={"action": [f"Choose one of: {', '.join(ACTIONS)}."]})


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def moderation_bulk(
    *, action: str, profile_ids: list[int], by, reason_code: str = "", details: str = "",
    source: str = AuditEntry.Source.API,
) -> BulkResult:
    """Apply ``action`` to each profile in its own transaction: one that cannot move (already
    approved elsewhere, no rate, wrong state) is reported and the rest still go through.

    The reason is checked once up front, so a missing reason fails the whole request (400).
    """
    if action not in ACTIONS:
        raise ValidationFailed(fields={"action": [f"Choose one of: {', '.join(ACTIONS)}."]})
    if action in ("reject", "suspend"):
        _reason(action, reason_code, details)
    ids = list(dict.fromkeys(int(pk) for pk in profile_ids))
    if not ids:
        raise ValidationFailed(fields={"ids": ["Choose at least one profile."]})
    if len(ids) > BULK_MAX:
        raise ValidationFailed(fields={"ids": [f"Choose at most {BULK_MAX} profiles at a time."]})
    result = BulkResult()
    for profile_id in sorted(ids):  # a fixed order: two bulk runs never wait on each other in a cycle
        try:
            moderation_apply(action=action, profile_id=profile_id, by=by, reason_code=reason_code,
                             details=details, source=source)
        except DomainError as exc:
            detail = exc.detail
            if exc.fields:
                detail = " ".join(str(m) for msgs in exc.fields.values() for m in (msgs if isinstance(msgs, list) else [msgs]))
            result.failed[profile_id] = detail
        else:
            result.done.append(profile_id)
    return result
