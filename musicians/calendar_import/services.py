"""Every write about imported calendars: add, remove, sync (fetch → parse → replace busy time), sweep.

Lock order as everywhere in musicians: the MusicianProfile row first, then the calendar. Network
and parsing happen outside any transaction; only the replacement of busy rows is one transaction,
so search never sees a calendar half-replaced. A failed sync changes no busy rows (the last good
copy stays) and records a plain-words error. Calendar addresses never appear in errors or logs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from gigbook.core import clock
from gigbook.core.errors import ValidationFailed
from gigbook.core.tasks import enqueue_on_commit
from gigbook.notifications.services import notify_many
from musicians import cache as search_cache
from musicians.calendar_import import crypto, selectors
from musicians.calendar_import.fetch import FetchError, check_literal_host, fetch, normalize_url
from musicians.calendar_import.models import ImportedCalendar
from musicians.calendar_import.parse import ParseError, busy_intervals
from musicians.models import BusyInterval, MusicianProfile

logger = logging.getLogger(__name__)

SYNC_TASK = "musicians.calendar_import.tasks.sync_calendar"
# A sync holds its claim this long; a worker that dies mid-sync frees the calendar after it.
CLAIM_SECONDS = 120
# After this long without a parse, a 304 is not trusted: the fetch is unconditional so the
# horizon of repeating events moves forward with the calendar's rules.
REPARSE_AFTER = timedelta(hours=12)
SWEEP_BATCH = 2000


def _interval() -> timedelta:
    return timedelta(minutes=settings.CALENDAR_IMPORT_INTERVAL_MINUTES)


@transaction.atomic
def calendar_add(*, profile: MusicianProfile, url: str, name: str = "") -> ImportedCalendar:
    """Store a calendar address (encrypted) and sync it soon. ValidationFailed for a bad address."""
    try:
        clean = normalize_url(url)
        check_literal_host(clean)
    except FetchError as exc:
        raise ValidationFailed(str(exc), fields={"url": [str(exc)]}) from None
    MusicianProfile.objects.select_for_update().filter(pk=profile.pk).first()
    limit = settings.CALENDAR_IMPORT_MAX_PER_MUSICIAN
    if ImportedCalendar.objects.filter(profile=profile).count() >= limit:
        message = f"You can import up to {limit} calendars. Remove one first."
        raise ValidationFailed(message, fields={"url": [message]})
    now = clock.now()
    calendar = ImportedCalendar.objects.create(
        profile=profile,
        name=name.strip()[:60],
        url_encrypted=crypto.encrypt_url(clean),
        url_hint=crypto.url_hint(clean),
        created_at=now,
        next_due_at=now + _interval(),
    )
    enqueue_on_commit(SYNC_TASK, calendar.pk)
    return calendar


@transaction.atomic
def calendar_remove(*, profile: MusicianProfile, calendar_id: int) -> None:
    """Forget a calendar and its busy time. NotFound for anyone else's."""
    MusicianProfile.objects.select_for_update().filter(pk=profile.pk).first()
    calendar = selectors.calendar_get_for_owner(profile_id=profile.pk, calendar_id=calendar_id)
    BusyInterval.objects.filter(source=BusyInterval.Source.CALENDAR, source_id=str(calendar.pk)).delete()
    calendar.delete()
    search_cache.invalidate()


def calendar_sync_request(*, profile: MusicianProfile, calendar_id: int) -> ImportedCalendar:
    """"Sync now": enqueue a sync of one of the musician's calendars. NotFound for anyone else's."""
    calendar = selectors.calendar_get_for_owner(profile_id=profile.pk, calendar_id=calendar_id)
    enqueue_on_commit(SYNC_TASK, calendar.pk)
    return calendar


def _claim(calendar_id: int, now: datetime) -> bool:
    return bool(
        ImportedCalendar.objects.filter(pk=calendar_id)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), last_attempt_at=now)
    )


def calendar_sync(*, calendar_id: int) -> str:
    """Fetch, read and store one calendar's busy time. Returns "synced", "unchanged", "failed" or "skipped".

    Harmless twice: a calendar being synced by another worker (claimed) is skipped, and a
    replacement is the same whichever runs last. Conditional GET: a 304 costs no parsing.
    """
    now = clock.now()
    if not _claim(calendar_id, now):
        return "skipped"
    calendar = ImportedCalendar.objects.select_related("profile__user").get(pk=calendar_id)
    try:
        url = crypto.decrypt_url(calendar.url_encrypted)
        if url is None:
            raise FetchError("This calendar's address can no longer be read (the server's key changed). "
                             "Remove it and add it again.")
        conditional = calendar.last_changed_at is not None and now - calendar.last_changed_at < REPARSE_AFTER
        result = fetch(url, etag=calendar.etag if conditional else "",
                       last_modified=calendar.last_modified if conditional else "")
        if result.not_modified:
            _record_success(calendar_id, now, replace=None)
            return "unchanged"
        parsed = busy_intervals(
            result.body,
            window_start=now,
            window_end=now + timedelta(days=settings.CALENDAR_IMPORT_HORIZON_DAYS),
            fallback_zone=calendar.profile.user.time_zone or settings.TIME_ZONE,
            max_events=settings.CALENDAR_IMPORT_MAX_EVENTS,
        )
    except (FetchError, ParseError) as exc:
        _record_failure(calendar_id, str(exc))
        # The id only: the address is a secret.
        logger.info("calendar %s sync failed: %s", calendar_id, exc)
        return "failed"
    except Exception:
        _record_failure(calendar_id, "Something went wrong reading this calendar. We will try again.")
        logger.exception("calendar %s sync crashed", calendar_id)
        return "failed"
    _record_success(calendar_id, now, replace=parsed, etag=result.etag, last_modified=result.last_modified)
    return "synced"


@transaction.atomic
def _record_success(calendar_id: int, now: datetime, *, replace, etag: str = "", last_modified: str = "") -> None:
    calendar = ImportedCalendar.objects.filter(pk=calendar_id).only("profile_id").first()
    if calendar is None:
        return  # removed while we fetched
    MusicianProfile.objects.select_for_update().filter(pk=calendar.profile_id).first()
    calendar = ImportedCalendar.objects.select_for_update().filter(pk=calendar_id).first()
    if calendar is None:
        return
    was_stale = calendar.stale_warned_at is not None
    fields = {"last_success_at": now, "last_error": "", "failures": 0, "stale_warned_at": None,
              "claimed_until": None}
    if replace is not None:
        BusyInterval.objects.filter(source=BusyInterval.Source.CALENDAR, source_id=str(calendar_id)).delete()
        BusyInterval.objects.bulk_create([
            BusyInterval(profile_id=calendar.profile_id, starts_at=start, ends_at=end,
                         source=BusyInterval.Source.CALENDAR, source_id=str(calendar_id), label="Busy (own calendar)")
            for start, end in replace.intervals
        ])
        fields.update(last_changed_at=now, etag=etag[:200], last_modified=last_modified[:100],
                      time_zone=replace.time_zone, busy_count=len(replace.intervals))
    ImportedCalendar.objects.filter(pk=calendar_id).update(**fields)
    if replace is not None or was_stale:
        search_cache.invalidate()


def _record_failure(calendar_id: int, message: str) -> None:
    calendar = ImportedCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return
    ImportedCalendar.objects.filter(pk=calendar_id).update(
        last_error=message[:300], failures=calendar.failures + 1, claimed_until=None)


def calendars_enqueue_due(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Beat: enqueue a sync for each calendar whose next_due_at has passed, and move it on.

    Moving next_due_at in the same transaction that picks the rows (skipping rows another sweep
    holds) means two beats, or a beat restarted mid-sweep, never enqueue a calendar twice.
    """
    now = now or clock.now()
    with transaction.atomic():
        ids = list(
            ImportedCalendar.objects.filter(next_due_at__lte=now)
            .order_by("next_due_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            ImportedCalendar.objects.filter(pk__in=ids).update(next_due_at=now + _interval())
            for calendar_id in ids:
                enqueue_on_commit(SYNC_TASK, calendar_id)
    return len(ids)


def calendars_warn_stale(*, now: datetime | None = None) -> int:
    """Beat: tell each musician once that a calendar is out of date (search now says so too)."""
    now = now or clock.now()
    with transaction.atomic():
        calendars = list(selectors.calendars_newly_stale(now).select_for_update(of=("self",), skip_locked=True))
        if not calendars:
            return 0
        notify_many([
            {
                "recipient": calendar.profile.user,
                "kind": "calendar_import_out_of_date",
                "title": "Your calendar has not updated for a day",
                "body": (f"We could not read your calendar \"{calendar.name or calendar.url_hint}\" for over "
                         f"{settings.CALENDAR_IMPORT_STALE_HOURS} hours"
                         + (f": {calendar.last_error}" if calendar.last_error else ".")
                         + " Producers now see your availability as out of date. Check the address on your "
                         "profile page."),
                "url": "/me/profile/#s-calendars",
                "dedupe_key": f"calendar-out-of-date:{calendar.pk}:{calendar.last_success_at or 'never'}",
            }
            for calendar in calendars
        ])
        ImportedCalendar.objects.filter(pk__in=[c.pk for c in calendars]).update(stale_warned_at=now)
    search_cache.invalidate()
    return len(calendars)
