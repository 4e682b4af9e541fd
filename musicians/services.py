"""Every write about musicians: busy time, unavailability, profile edits and moderation.

Lock order (shared with bookings): the MusicianProfile row first, then anything else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from gigbook.core import clock
from gigbook.core.errors import InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.services import notify
from musicians.availability import weekly_occurrences
from musicians.models import BusyInterval, MusicianProfile, UnavailabilityBlock
from musicians.selectors import BUSY_HORIZON_DAYS, profile_publish_problems

Status = MusicianProfile.Status

# Past block intervals are kept this long (recent history on the owner's calendar), then purged.
BUSY_RETENTION_DAYS = 31


# --- Busy time (the seam bookings plug into) ------------------------------------------------


@transaction.atomic
def busy_interval_add(
    *,
    profile: MusicianProfile,
    starts_at: datetime,
    ends_at: datetime,
    source: str,
    source_id: int | str,
    label: str = "",
) -> BusyInterval:
    """Mark the musician busy for [starts_at, ends_at) because of ``source``/``source_id``.

    Bookings call this in their accept transaction after locking the profile and checking
    ``musician_is_free``. Idempotent: the same (source, source_id, starts_at) twice returns the
    existing row. Raises ValueError for naive or empty windows or an unknown source.
    """
    if source not in BusyInterval.Source.values:
        raise ValueError(f"Unknown busy source {source!r}.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at) or ends_at <= starts_at:
        raise ValueError("A busy interval needs aware datetimes with ends_at after starts_at.")
    interval, _ = BusyInterval.objects.get_or_create(
        source=source,
        source_id=str(source_id),
        starts_at=starts_at,
        defaults={"profile": profile, "ends_at": ends_at, "label": label[:200]},
    )
    return interval


@transaction.atomic
def busy_interval_remove(*, source: str, source_id: int | str) -> int:
    """Free the time held by ``source``/``source_id`` (e.g. a cancelled booking). Returns rows removed."""
    deleted, _ = BusyInterval.objects.filter(source=source, source_id=str(source_id)).delete()
    return deleted


# --- Unavailability blocks ------------------------------------------------------------------


def _lock_profile(profile_id: int) -> MusicianProfile:
    return MusicianProfile.objects.select_for_update().select_related("user").get(pk=profile_id)


def _expand_weekly(block: UnavailabilityBlock, until: datetime, now: datetime) -> int:
    """Write the block's occurrences starting before ``until`` into BusyInterval."""
    start_from = block.expanded_until or (now - timedelta(days=1))
    if until <= start_from:
        return 0
    rows = [
        BusyInterval(
            profile_id=block.profile_id,
            starts_at=start,
            ends_at=end,
            source=BusyInterval.Source.BLOCK,
            source_id=str(block.pk),
            label="Unavailable (weekly)",
        )
        for start, end in weekly_occurrences(
            weekday=block.weekday,
            start_time=block.start_time,
            end_time=block.end_time,
            valid_from=block.valid_from,
            valid_until=block.valid_until,
            time_zone=block.time_zone,
            window_start=start_from,
            window_end=until,
        )
        # An occurrence already running at start_from was written by the previous run.
        if start >= start_from or block.expanded_until is None
    ]
    BusyInterval.objects.bulk_create(rows, ignore_conflicts=True)
    block.expanded_until = until
    block.save(update_fields=["expanded_until"])
    return len(rows)


@transaction.atomic
def block_create(
    *,
    profile: MusicianProfile,
    kind: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    weekday: int | None = None,
    start_time=None,
    end_time=None,
    valid_from=None,
    valid_until=None,
    note: str = "",
) -> UnavailabilityBlock:
    """Add an unavailability block in the musician's own time zone and write its busy time.

    Locks the profile. Raises ValidationFailed for a block that ends before it starts, a weekly
    rule whose last day precedes its first, or a one-off block longer than a year.
    """
    profile = _lock_profile(profile.pk)
    now = clock.now()
    errors: dict[str, list[str]] = {}
    block = UnavailabilityBlock(profile=profile, kind=kind, note=note.strip(), time_zone=profile.user.time_zone)
    if kind == UnavailabilityBlock.Kind.ONCE:
        if starts_at is None:
            errors["starts_at"] = ["Give the start of the unavailable time."]
        if ends_at is None:
            errors["ends_at"] = ["Give the end of the unavailable time."]
        if starts_at and ends_at:
            if ends_at <= starts_at:
                errors["ends_at"] = ["The end must be after the start."]
            elif ends_at - starts_at > timedelta(days=366):
                errors["ends_at"] = ["A block can last at most a year; add another for longer."]
            elif ends_at <= now:
                errors["ends_at"] = ["This time is already over."]
        block.starts_at, block.ends_at = starts_at, ends_at
    elif kind == UnavailabilityBlock.Kind.WEEKLY:
        for field, value, message in (
            ("weekday", weekday, "Choose a day of the week."),
            ("start_time", start_time, "Give the start time."),
            ("end_time", end_time, "Give the end time."),
        ):
            if value is None:
                errors[field] = [message]
        valid_from = valid_from or now.astimezone(profile.user.zone).date()
        if valid_until is not None and valid_until < valid_from:
            errors["valid_until"] = ["The last day must be on or after the first day."]
        block.weekday, block.start_time, block.end_time = weekday, start_time, end_time
        block.valid_from, block.valid_until = valid_from, valid_until
    else:
        errors["kind"] = ["Choose one-off or weekly."]
    if errors:
        raise ValidationFailed(fields=errors)
    block.save()
    if block.kind == UnavailabilityBlock.Kind.ONCE:
        busy_interval_add(
            profile=profile,
            starts_at=block.starts_at,
            ends_at=block.ends_at,
            source=BusyInterval.Source.BLOCK,
            source_id=block.pk,
            label="Unavailable",
        )
    else:
        _expand_weekly(block, now + timedelta(days=BUSY_HORIZON_DAYS), now)
    return block


@transaction.atomic
def block_delete(*, profile: MusicianProfile, block_id: int) -> None:
    """Remove one of the musician's own blocks and its busy time. NotFound for anyone else's."""
    profile = _lock_profile(profile.pk)
    block = UnavailabilityBlock.objects.filter(profile=profile, pk=block_id).first()
    if block is None:
        raise NotFound("No such unavailability block.")
    busy_interval_remove(source=BusyInterval.Source.BLOCK, source_id=block.pk)
    block.delete()


def busy_horizon_extend(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Keep weekly blocks written BUSY_HORIZON_DAYS ahead and purge old block intervals.

    Run daily by beat. Each block is extended in its own short transaction under the profile
    lock, so a rerun (or two overlapping runs) writes nothing twice. Returns intervals added.
    """
    now = now or clock.now()
    until = now + timedelta(days=BUSY_HORIZON_DAYS)
    added = 0
    pending = UnavailabilityBlock.objects.filter(kind=UnavailabilityBlock.Kind.WEEKLY, expanded_until__lt=until)
    for block_id, profile_id in pending.values_list("pk", "profile_id").iterator(chunk_size=batch_size):
        with transaction.atomic():
            MusicianProfile.objects.select_for_update().filter(pk=profile_id).first()
            block = UnavailabilityBlock.objects.filter(pk=block_id).first()
            if block is not None:
                added += _expand_weekly(block, until, now)
    BusyInterval.objects.filter(
        source=BusyInterval.Source.BLOCK, ends_at__lt=now - timedelta(days=BUSY_RETENTION_DAYS)
    ).delete()
    return added


# --- Moderation state machine ---------------------------------------------------------------
#   draft -> pending -> approved | rejected;  rejected -> pending (resubmit);
#   approved <-> suspended;  approved -> pending when an edit needs review (profile_update).


def _notify_musician(profile: MusicianProfile, *, event: str, title: str, body: str, at: datetime) -> None:
    notify(
        recipient=profile.user,
        kind=f"profile_{event}",
        title=title,
        body=body,
        url="/me/profile/",
        sms_text=f"GigBook: {title}",
        dedupe_key=f"musicians:profile:{profile.pk}:{event}:{at.isoformat()}",
    )


def _require(profile: MusicianProfile, allowed: tuple[str, ...], action: str) -> None:
    if profile.status not in allowed:
        raise InvalidTransition(
            f"A profile that is {profile.get_status_display().lower()} cannot be {action}.",
            code="invalid_transition",
        )


@transaction.atomic
def profile_submit(*, profile: MusicianProfile) -> MusicianProfile:
    """Ask for review: draft or rejected -> pending. Already pending: no-op.

    Raises ValidationFailed listing what a publishable profile still lacks, InvalidTransition
    from approved or suspended. Notifies the musician.
    """
    profile = _lock_profile(profile.pk)
    if profile.status == Status.PENDING:
        return profile
    _require(profile, (Status.DRAFT, Status.REJECTED), "submitted for review")
    problems = profile_publish_problems(profile)
    if problems:
        raise ValidationFailed("Complete your profile before asking for review.", fields=problems)
    now = clock.now()
    profile.status, profile.submitted_at = Status.PENDING, now
    profile.save(update_fields=["status", "submitted_at"])
    _notify_musician(
        profile,
        event="submitted",
        title="Your profile is waiting for review",
        body="Thanks! An admin will review your profile, usually within a working day. "
        "We'll tell you as soon as it is live.",
        at=now,
    )
    return profile


@transaction.atomic
def profile_approve(*, profile: MusicianProfile, by) -> MusicianProfile:
    """pending -> approved (publish). Already approved: no-op. Notifies the musician."""
    profile = _lock_profile(profile.pk)
    if profile.status == Status.APPROVED:
        return profile
    _require(profile, (Status.PENDING,), "approved")
    now = clock.now()
    profile.status, profile.reviewed_at, profile.reviewed_by, profile.rejection_reason = Status.APPROVED, now, by, ""
    try:
        with transaction.atomic():
            profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "rejection_reason"])
    except IntegrityError as exc:  # the approved-has-rate constraint: a rate removed meanwhile
        raise ValidationFailed(fields={"hourly_rate": ["An hourly rate is required to publish."]}) from exc
    _notify_musician(
        profile,
        event="approved",
        title="Your profile is live",
        body="Your GigBook profile was approved: producers can now find and book you.",
        at=now,
    )
    return profile


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["Give the musician a reason."]})
    if len(reason) > 2000:
        raise ValidationFailed(fields={"reason": ["Keep the reason under 2000 characters."]})
    return reason


@transaction.atomic
def profile_reject(*, profile: MusicianProfile, by, reason: str) -> MusicianProfile:
    """pending -> rejected with a reason the musician sees. Notifies the musician."""
    reason = _reason(reason)
    profile = _lock_profile(profile.pk)
    _require(profile, (Status.PENDING,), "rejected")
    now = clock.now()
    profile.status, profile.reviewed_at, profile.reviewed_by, profile.rejection_reason = (
        Status.REJECTED, now, by, reason,
    )
    profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "rejection_reason"])
    _notify_musician(
        profile,
        event="rejected",
        title="Your profile needs changes",
        body=f"Your profile was not approved yet. Reason: {reason}\nEdit it and submit it again.",
        at=now,
    )
    return profile


@transaction.atomic
def profile_suspend(*, profile: MusicianProfile, by, reason: str) -> MusicianProfile:
    """approved -> suspended: hidden from search and public pages. Notifies the musician."""
    reason = _reason(reason)
    profile = _lock_profile(profile.pk)
    _require(profile, (Status.APPROVED,), "suspended")
    now = clock.now()
    profile.status, profile.reviewed_at, profile.reviewed_by, profile.suspension_reason = (
        Status.SUSPENDED, now, by, reason,
    )
    profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "suspension_reason"])
    _notify_musician(
        profile,
        event="suspended",
        title="Your profile is suspended",
        body=f"Your profile is hidden from producers for now. Reason: {reason}",
        at=now,
    )
    return profile


@transaction.atomic
def profile_unsuspend(*, profile: MusicianProfile, by) -> MusicianProfile:
    """suspended -> approved. Notifies the musician."""
    profile = _lock_profile(profile.pk)
    _require(profile, (Status.SUSPENDED,), "reinstated")
    now = clock.now()
    profile.status, profile.reviewed_at, profile.reviewed_by, profile.suspension_reason = (
        Status.APPROVED, now, by, "",
    )
    profile.save(update_fields=["status", "reviewed_at", "reviewed_by", "suspension_reason"])
    _notify_musician(
        profile,
        event="unsuspended",
        title="Your profile is live again",
        body="Your suspension was lifted: producers can find and book you again.",
        at=now,
    )
    return profile
