"""Every write about musicians: busy time, unavailability, profile edits and moderation.

Lock order (shared with bookings): the MusicianProfile row first, then anything else.
"""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import locale
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from gigbook.core import clock
from gigbook.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.services import notify
from musicians import cache as search_cache
from musicians.availability import weekly_occurrences
from musicians.cities import city_match
from musicians.currencies import CURRENCIES
from musicians.media import parse_media_url
from musicians.models import (
    BusyInterval,
    Credit,
    DemoMedia,
    MusicianProfile,
    ProfileGenre,
    ProfileInstrument,
    UnavailabilityBlock,
)
from musicians.selectors import BUSY_HORIZON_DAYS, profile_publish_problems

Status = MusicianProfile.Status
Changes = MusicianProfile.ChangesState

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
    interval, created = BusyInterval.objects.get_or_create(
        source=source,
        source_id=str(source_id),
        starts_at=starts_at,
        defaults={"profile": profile, "ends_at": ends_at, "label": label[:200]},
    )
    if created:
        search_cache.invalidate()
    return interval


def busy_intervals_add(*, profile: MusicianProfile, windows: list[tuple[datetime, datetime, int | str]], source: str,
                       label: str = "") -> None:
    """``busy_interval_add`` for many (starts_at, ends_at, source_id) windows in one statement (an
    engagement's accepted dates). Idempotent in the same way: a window already written is skipped."""
    if source not in BusyInterval.Source.values:
        raise ValueError(f"Unknown busy source {source!r}.")
    for starts_at, ends_at, _ in windows:
        if timezone.is_naive(starts_at) or timezone.is_naive(ends_at) or ends_at <= starts_at:
            raise ValueError("A busy interval needs aware datetimes with ends_at after starts_at.")
    if not windows:
        return
    BusyInterval.objects.bulk_create(
        [BusyInterval(profile=profile, starts_at=starts_at, ends_at=ends_at, source=source,
                      source_id=str(source_id), label=label[:200]) for starts_at, ends_at, source_id in windows],
        ignore_conflicts=True,  # musicians_busy_unique: (source, source_id, starts_at)
    )
    search_cache.invalidate()


def busy_interval_take(
    *, profile: MusicianProfile, starts_at: datetime, ends_at: datetime, source: str, source_id: int | str,
    label: str = "",
) -> None:
    """``busy_interval_add`` in one statement (INSERT … ON CONFLICT DO NOTHING), for the accept path:
    no savepoints, no read. The caller has already invalidated the search cache (before its locks)."""
    if source not in BusyInterval.Source.values:
        raise ValueError(f"Unknown busy source {source!r}.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at) or ends_at <= starts_at:
        raise ValueError("A busy interval needs aware datetimes with ends_at after starts_at.")
    BusyInterval.objects.bulk_create(
        [BusyInterval(profile=profile, starts_at=starts_at, ends_at=ends_at, source=source, source_id=str(source_id),
                      label=label[:200])],
        ignore_conflicts=True,
    )


@transaction.atomic
def busy_intervals_remove(*, source: str, source_ids: list[int | str]) -> int:
    """``busy_interval_remove`` for many sources at once (a sweep ending hundreds of holds)."""
    deleted, _ = BusyInterval.objects.filter(source=source, source_id__in=[str(i) for i in source_ids]).delete()
    if deleted:
        search_cache.invalidate()
    return deleted


def busy_interval_remove(*, source: str, source_id: int | str) -> int:
    """Free the time held by ``source``/``source_id`` (e.g. a cancelled booking). Returns rows removed."""
    deleted, _ = BusyInterval.objects.filter(source=source, source_id=str(source_id)).delete()
    if deleted:
        search_cache.invalidate()
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
    search_cache.invalidate()
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

    A live profile whose changes were not approved asks again for them (its changes go back to the
    queue; the profile stays live). Raises ValidationFailed listing what a publishable profile still
    lacks, InvalidTransition from approved (nothing waiting) or suspended. Notifies the musician.
    """
    profile = _lock_profile(profile.pk)
    if profile.status == Status.PENDING:
        return profile
    if profile.status == Status.APPROVED and profile.pending_changes:
        if profile.changes_state == Changes.PENDING:
            return profile
        _changes_waiting(profile, clock.now())
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
    """pending -> approved (publish). On a live profile with changes waiting, the changes go live.
    Otherwise already approved: no-op. Notifies the musician."""
    profile = _lock_profile(profile.pk)
    if profile.status == Status.APPROVED:
        if profile.changes_state == Changes.PENDING:
            _publish_changes(profile, by=by, now=clock.now())
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
    """pending -> rejected with a reason the musician sees. On a live profile with changes waiting,
    only the changes are refused: the approved version stays live. Notifies the musician."""
    reason = _reason(reason)
    profile = _lock_profile(profile.pk)
    if profile.status == Status.APPROVED and profile.changes_state == Changes.PENDING:
        return _reject_changes(profile, by=by, reason=reason, now=clock.now())
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


# --- Profile editing ------------------------------------------------------------------------

# Changes to any of these on a live profile wait for a moderator (the approved version stays
# public meanwhile): they are free text or pictures shown to the public, where impersonation,
# contact details (to take bookings off-platform) or abuse can appear. Structured facts (instruments, genres,
# rates, location, reading skills, languages, experience) change without review: a musician
# must be able to update a rate or a travel radius tonight, and those fields cannot carry
# abuse. docs/profiles.md explains the list.
REVIEW_FIELDS = (
    "stage_name", "headline", "bio", "photo", "union_membership", "equipment_notes", "rate_notes", "media", "credits",
)
SCALAR_FIELDS = (
    "stage_name", "headline", "bio", "city", "latitude", "longitude", "travel_radius_km", "willing_to_tour",
    "records_remotely", "reads_notation", "reads_chords", "reads_nashville", "years_experience",
    "union_membership", "equipment_notes", "languages", "currency", "hourly_rate", "session_rate", "day_rate",
    "live_rate", "minimum_call_hours", "overtime_rate_per_half_hour", "doubling_fee", "cartage_fee",
    "late_cancellation_window_hours", "late_cancellation_fee", "rate_notes",
)
LIST_FIELDS = ("instruments", "genres", "media", "credits")
MAX_INSTRUMENTS, MAX_GENRES, MAX_MEDIA, MAX_CREDITS = 12, 10, 12, 60
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_SIZE = (1024, 1024)
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 codes with English names, from Django's own locale table."""
    return sorted(
        ((code, info["name"]) for code, info in locale.LANG_INFO.items() if "name" in info and len(code) == 2),
        key=lambda item: item[1],
    )


# A live profile (approved, or suspended and so approved before) keeps its approved text public;
# edits of REVIEW_FIELDS wait in ``pending_changes`` (see MusicianProfile).
LIVE_STATES = (Status.APPROVED, Status.SUSPENDED)
REVIEW_TEXT_FIELDS = tuple(field for field in REVIEW_FIELDS if field not in ("photo", "media", "credits"))
REVIEW_LABELS = {
    "stage_name": "stage name", "headline": "headline", "bio": "bio", "photo": "photo",
    "union_membership": "union membership", "equipment_notes": "equipment", "rate_notes": "notes on rates",
    "media": "demo links", "credits": "credits",
}


def _media_json(profile: MusicianProfile) -> list[dict[str, str]]:
    return [
        {"url": row.url, "title": row.title, "kind": row.kind, "embed_url": row.embed_url}
        for row in sorted(profile.media.all(), key=lambda r: (r.position, r.id))
    ]


def _credits_json(profile: MusicianProfile) -> list[dict[str, Any]]:
    return [
        {"artist": row.artist, "title": row.title, "year": row.year, "role": row.role}
        for row in sorted(profile.credits.all(), key=lambda r: (r.position, r.id))
    ]


def reviewed_values(profile: MusicianProfile) -> dict[str, Any]:
    """The approved (public) values of REVIEW_FIELDS, in the JSON shapes ``pending_changes`` uses."""
    values: dict[str, Any] = {field: getattr(profile, field) for field in REVIEW_TEXT_FIELDS}
    values["photo"] = profile.photo.name if profile.photo else ""
    values["media"] = _media_json(profile) if profile.pk else []
    values["credits"] = _credits_json(profile) if profile.pk else []
    return values


def _validate_lists(changes: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    """Check nested lists; returns parsed media. Errors use DRF's list shape: [{}, {field: [...]}]."""
    parsed: dict[str, Any] = {}
    if "instruments" in changes:
        rows = changes["instruments"]
        if len(rows) > MAX_INSTRUMENTS:
            errors["instruments"] = [f"List at most {MAX_INSTRUMENTS} instruments."]
        else:
            seen, row_errors = set(), []
            for row in rows:
                item = {}
                if row["instrument"].pk in seen:
                    item["instrument"] = [f"{row['instrument'].name} is listed twice."]
                seen.add(row["instrument"].pk)
                row_errors.append(item)
            if any(row_errors):
                errors["instruments"] = row_errors
            elif sum(1 for row in rows if row.get("is_primary")) > 1:
                errors["instruments"] = ["Mark only one instrument as your main one."]
    if "genres" in changes:
        genres = changes["genres"]
        if len(genres) > MAX_GENRES:
            errors["genres"] = [f"List at most {MAX_GENRES} genres."]
        elif len({genre.pk for genre in genres}) != len(genres):
            errors["genres"] = ["Each genre can be listed once."]
    if "media" in changes:
        rows = changes["media"]
        if len(rows) > MAX_MEDIA:
            errors["media"] = [f"Add at most {MAX_MEDIA} links."]
        else:
            media, row_errors = [], []
            for row in rows:
                try:
                    media.append((parse_media_url(row["url"]), row.get("title", "")))
                    row_errors.append({})
                except Exception as exc:  # django ValidationError: its messages go next to the field
                    row_errors.append({"url": list(getattr(exc, "messages", [str(exc)]))})
            if any(row_errors):
                errors["media"] = row_errors
            parsed["media"] = media
    if "credits" in changes and len(changes["credits"]) > MAX_CREDITS:
        errors["credits"] = [f"List at most {MAX_CREDITS} credits."]
    return parsed


def _validate_scalars(profile: MusicianProfile, changes: dict[str, Any], errors: dict[str, Any]) -> None:
    if "currency" in changes:
        changes["currency"] = (changes["currency"] or "").upper()
        if changes["currency"] not in CURRENCIES:
            errors["currency"] = ["Choose a currency from the list, e.g. GBP, EUR or USD."]
    if "languages" in changes:
        known = dict(language_choices())
        bad = [code for code in changes["languages"] if code not in known]
        if bad:
            errors["languages"] = ["Choose languages from the list."]
        changes["languages"] = list(dict.fromkeys(changes["languages"]))
    lat = changes.get("latitude", profile.latitude)
    lng = changes.get("longitude", profile.longitude)
    if (lat is None) != (lng is None):
        errors["latitude" if lat is None else "longitude"] = ["Give both latitude and longitude, or neither."]
    if profile.status == MusicianProfile.Status.APPROVED and "hourly_rate" in changes and changes["hourly_rate"] is None:
        errors["hourly_rate"] = ["A published profile needs an hourly rate."]


def _replace_lists(profile: MusicianProfile, changes: dict[str, Any], parsed: dict[str, Any]) -> None:
    search_cache.invalidate()  # bulk writes below send no signals
    if "instruments" in changes:
        rows = changes["instruments"]
        primary_index = next((i for i, row in enumerate(rows) if row.get("is_primary")), 0)
        profile.instruments.all().delete()
        ProfileInstrument.objects.bulk_create(
            ProfileInstrument(
                profile=profile,
                instrument=row["instrument"],
                is_primary=index == primary_index,
                skill_level=row.get("skill_level") or ProfileInstrument.Skill.PROFESSIONAL,
                position=index,
            )
            for index, row in enumerate(rows)
        )
    if "genres" in changes:
        profile.genres.all().delete()
        ProfileGenre.objects.bulk_create(
            ProfileGenre(profile=profile, genre=genre, strength=index + 1) for index, genre in enumerate(changes["genres"])
        )
    if "media" in changes:
        profile.media.all().delete()
        DemoMedia.objects.bulk_create(
            DemoMedia(profile=profile, kind=item.kind, url=item.url, embed_url=item.embed_url, title=title.strip(),
                      position=index)
            for index, (item, title) in enumerate(parsed["media"])
        )
    if "credits" in changes:
        profile.credits.all().delete()
        Credit.objects.bulk_create(
            Credit(profile=profile, artist=row["artist"].strip(), title=row["title"].strip(), year=row.get("year"),
                   role=(row.get("role") or "").strip(), position=index)
            for index, row in enumerate(changes["credits"])
        )


def _profile_for_update(user) -> MusicianProfile:
    """The user's profile locked for update, created as a draft on first save."""
    if not user.is_musician:
        raise Forbidden("Only musician accounts have a profile. Add the musician role in your account settings.")
    profile = MusicianProfile.objects.select_for_update().select_related("user").filter(user=user).first()
    if profile is None:
        try:
            with transaction.atomic():
                MusicianProfile.objects.create(user=user)
        except IntegrityError:  # created by a concurrent first save; use that one
            pass
        profile = MusicianProfile.objects.select_for_update().select_related("user").get(user=user)
    return profile


def _changes_waiting(profile: MusicianProfile, now: datetime) -> None:
    """Put the waiting changes (back) in the moderators' queue and tell the musician once."""
    profile.changes_state, profile.submitted_at = Changes.PENDING, now
    profile.save(update_fields=["changes_state", "submitted_at"])
    names = ", ".join(REVIEW_LABELS[field] for field in REVIEW_FIELDS if field in profile.pending_changes)
    _notify_musician(
        profile,
        event="changes_pending",
        title="Your changes are waiting for review",
        body=f"You changed your {names}. Public text and pictures are checked before they go live; until an admin "
        "approves them (usually within a working day) producers keep seeing your profile as it was approved.",
        at=now,
    )


def _stage_changes(profile: MusicianProfile, proposed: dict[str, Any], now: datetime) -> None:
    """Keep reviewed edits of a live profile aside: a value equal to the approved one drops out of
    the waiting changes (so undoing an edit withdraws it); any real change (re)queues them."""
    approved = reviewed_values(profile)
    pending = dict(profile.pending_changes)
    for field, value in proposed.items():
        if value == approved.get(field):
            pending.pop(field, None)
        else:
            pending[field] = value
    if pending == profile.pending_changes:
        return
    old_photo = profile.pending_changes.get("photo")
    if old_photo and old_photo != pending.get("photo") and old_photo != approved["photo"]:
        storage = profile.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    profile.pending_changes = pending
    if not pending:
        profile.changes_state = Changes.NONE
        profile.save(update_fields=["pending_changes", "changes_state"])
        return
    profile.save(update_fields=["pending_changes"])
    if profile.changes_state != Changes.PENDING:
        _changes_waiting(profile, now)


def _publish_changes(profile: MusicianProfile, *, by, now: datetime) -> None:
    """Approve the waiting changes of a live profile: they replace the approved version."""
    pending = profile.pending_changes
    for field in REVIEW_TEXT_FIELDS:
        if field in pending:
            setattr(profile, field, pending[field])
    if "photo" in pending:
        old = profile.photo.name if profile.photo else ""
        profile.photo = pending["photo"]
        if old and old != pending["photo"]:
            storage = profile.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    profile.pending_changes, profile.changes_state = {}, Changes.NONE
    profile.reviewed_at, profile.reviewed_by, profile.rejection_reason = now, by, ""
    profile.save()
    if "stage_name" in pending:
        _use_stage_name(profile)
    search_cache.invalidate()
    if "media" in pending:
        profile.media.all().delete()
        DemoMedia.objects.bulk_create(
            DemoMedia(profile=profile, kind=row["kind"], url=row["url"], embed_url=row["embed_url"],
                      title=row["title"], position=index)
            for index, row in enumerate(pending["media"])
        )
    if "credits" in pending:
        profile.credits.all().delete()
        Credit.objects.bulk_create(
            Credit(profile=profile, artist=row["artist"], title=row["title"], year=row["year"], role=row["role"],
                   position=index)
            for index, row in enumerate(pending["credits"])
        )
    _notify_musician(
        profile,
        event="changes_approved",
        title="Your changes are live",
        body="An admin approved your changes: producers now see your updated profile.",
        at=now,
    )


def _use_stage_name(profile: MusicianProfile) -> None:
    """A musician is known by one name: once public, the stage name is also the account's shown name,
    so bookings, holds and messages say the name the producer found in search."""
    name = profile.stage_name.strip()
    user = profile.user
    if name and user.display_name != name:
        user.display_name = name
        user.save(update_fields=["display_name"])


def _reject_changes(profile: MusicianProfile, *, by, reason: str, now: datetime) -> MusicianProfile:
    profile.changes_state, profile.rejection_reason = Changes.REJECTED, reason
    profile.reviewed_at, profile.reviewed_by = now, by
    profile.save(update_fields=["changes_state", "rejection_reason", "reviewed_at", "reviewed_by"])
    _notify_musician(
        profile,
        event="changes_rejected",
        title="Your changes were not approved",
        body=f"Your profile stays live as it was approved. Reason: {reason}\n"
        "Edit the changes (they are kept in your editor) and they will be reviewed again.",
        at=now,
    )
    return profile


def _place_city(profile: MusicianProfile, changes: dict[str, Any], errors: dict[str, Any]) -> None:
    """A typed city without a position is matched to the gazetteer; one we cannot place keeps its
    text but loses the old position (the checklist then asks to pick a suggestion). A live
    profile must stay placed, so there it is refused instead."""
    if "city" not in changes:
        return
    if changes.get("latitude") is not None and changes.get("longitude") is not None:
        return
    text = (changes["city"] or "").strip()
    match = city_match(text)
    if match:
        changes["city"], changes["latitude"], changes["longitude"] = match
    elif text and profile.status in LIVE_STATES:
        errors["city"] = [f"We could not place “{text}”. Pick your city from the suggestions, "
                          "or use your current location."]
    else:
        changes["latitude"] = changes["longitude"] = None


def _checked_changes(profile: MusicianProfile, changes: dict[str, Any], *, replace: bool):
    """``changes`` completed (PUT's empty defaults, a typed city placed), the parsed lists and the rule problems."""
    changes = dict(changes)
    if replace:
        defaults = MusicianProfile()
        for field in SCALAR_FIELDS:
            changes.setdefault(field, getattr(defaults, field))
        for field in LIST_FIELDS:
            changes.setdefault(field, [])
    errors: dict[str, Any] = {}
    _place_city(profile, changes, errors)
    _validate_scalars(profile, changes, errors)
    parsed = _validate_lists(changes, errors)
    return changes, parsed, errors


def profile_update_problems(*, user, changes: dict[str, Any], replace: bool = False) -> dict[str, Any]:
    """What ``profile_update`` would refuse in ``changes`` (well-formed values), read without saving.

    Lets the editor answer a bad number and an unplaceable city in one reply rather than two.
    """
    profile = MusicianProfile.objects.filter(user=user).only("status", "latitude", "longitude").first()
    profile = profile or MusicianProfile(user=user)
    return _checked_changes(profile, changes, replace=replace)[2]


@transaction.atomic
def profile_update(*, user, changes: dict[str, Any], replace: bool = False) -> MusicianProfile:
    """Save the musician's own profile (created as a draft on first save).

    ``changes`` holds validated shapes: scalar fields, ``instruments`` ([{instrument: Instrument,
    is_primary, skill_level}], first one primary unless another is marked), ``genres`` ([Genre]
    strongest first), ``media`` ([{url, title}]) and ``credits`` ([{artist, title, year, role}]).
    Lists replace the stored ones. ``replace=True`` (PUT) resets omitted fields to empty. A city
    typed without a position is placed from the gazetteer (musicians/cities.py).

    Locks the profile. Raises Forbidden for non-musicians, ValidationFailed with field messages.
    On a live profile, changed REVIEW_FIELDS wait for review in ``pending_changes`` (the approved
    version stays public) and the musician is told; everything else is saved at once.
    """
    profile = _profile_for_update(user)
    changes, parsed, errors = _checked_changes(profile, changes, replace=replace)
    if errors:
        raise ValidationFailed(fields=errors)
    live = profile.status in LIVE_STATES
    approved_text = {field: getattr(profile, field) for field in REVIEW_TEXT_FIELDS}
    for field in SCALAR_FIELDS:
        if field in changes:
            value = changes[field]
            setattr(profile, field, value.strip() if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            profile.full_clean(exclude=["user", "photo", "reviewed_by"])
    except Exception as exc:
        if hasattr(exc, "message_dict"):
            raise ValidationFailed(fields=exc.message_dict) from exc
        raise
    proposed: dict[str, Any] = {}
    if live:
        # Checked above with the new text in place; the approved text goes back on the row.
        for field in REVIEW_TEXT_FIELDS:
            if field in changes:
                proposed[field] = getattr(profile, field)
                setattr(profile, field, approved_text[field])
        if "media" in changes:
            proposed["media"] = [
                {"url": item.url, "title": title.strip(), "kind": item.kind, "embed_url": item.embed_url}
                for item, title in parsed["media"]
            ]
        if "credits" in changes:
            proposed["credits"] = [
                {"artist": row["artist"].strip(), "title": row["title"].strip(), "year": row.get("year"),
                 "role": (row.get("role") or "").strip()}
                for row in changes["credits"]
            ]
        changes = {key: value for key, value in changes.items() if key not in ("media", "credits")}
    profile.save()
    if "stage_name" in changes and "stage_name" not in proposed:
        _use_stage_name(profile)
    _replace_lists(profile, changes, parsed)
    if proposed:
        _stage_changes(profile, proposed, clock.now())
    return profile


def _read_image(upload) -> Image.Image:
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationFailed(fields={"photo": ["The photo is larger than 5 MB. Choose a smaller one."]})
    try:
        upload.seek(0)
        probe = Image.open(upload)
        kind = probe.format
        if kind not in PHOTO_FORMATS:
            raise ValidationFailed(fields={"photo": ["Use a JPEG, PNG or WebP picture."]})
        if probe.width * probe.height > PHOTO_MAX_PIXELS:
            raise ValidationFailed(fields={"photo": ["This picture has too many pixels; use one under 40 megapixels."]})
        probe.verify()  # reads the whole file: truncated or corrupt data fails here
        upload.seek(0)
        image = Image.open(upload)
        # JPEG can decode at 1/2..1/8 scale: a 40 MP camera photo then costs a few MB, not ~120 MB.
        image.draft("RGB", (PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2))
        image.load()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(fields={"photo": ["This file is not a picture we can read (JPEG, PNG or WebP)."]}) from exc
    return image


@transaction.atomic
def profile_photo_set(*, user, upload) -> MusicianProfile:
    """Store a new profile photo: checked by real content (not the name or the client's type),
    at most 5 MB and 40 megapixels, turned upright, resized to fit 1024 px and re-encoded as
    JPEG (which also drops EXIF data such as GPS position). The old file is deleted after commit.
    On a live profile the new photo waits for review and the approved one stays public.
    """
    image = _read_image(upload)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail(PHOTO_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85, optimize=True)
    profile = _profile_for_update(user)
    storage = profile.photo.storage
    name = storage.save(
        profile.photo.field.generate_filename(profile, f"{secrets.token_hex(8)}.jpg"), ContentFile(buffer.getvalue())
    )
    if profile.status in LIVE_STATES:
        _stage_changes(profile, {"photo": name}, clock.now())
        return profile
    old = profile.photo.name if profile.photo else ""
    profile.photo.name = name
    profile.save()
    if old:
        transaction.on_commit(lambda: storage.delete(old))
    return profile


@transaction.atomic
def profile_photo_remove(*, user) -> MusicianProfile:
    """Remove the photo (no review needed: nothing new is shown). A photo waiting for review goes too."""
    profile = _profile_for_update(user)
    if "photo" in profile.pending_changes:
        _stage_changes(profile, {"photo": profile.photo.name if profile.photo else ""}, clock.now())
    if profile.photo:
        old, storage = profile.photo.name, profile.photo.storage
        profile.photo = ""
        profile.save()
        transaction.on_commit(lambda: storage.delete(old))
    return profile



@transaction.atomic
def profile_start(*, user) -> MusicianProfile:
    """The musician's profile, created as an empty draft the first time (idempotent)."""
    return _profile_for_update(user)
