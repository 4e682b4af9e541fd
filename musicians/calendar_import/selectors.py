"""Reads about imported calendars: the owner's list and which musicians' calendars are out of date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from gigbook.core import clock
from gigbook.core.errors import NotFound
from musicians.calendar_import.models import ImportedCalendar


def stale_before(now: datetime | None = None) -> datetime:
    """A calendar with no good sync since this moment is out of date (its busy times may be wrong)."""
    return (now or clock.now()) - timedelta(hours=settings.CALENDAR_IMPORT_STALE_HOURS)


def is_out_of_date(calendar: ImportedCalendar, now: datetime | None = None) -> bool:
    return (calendar.last_success_at or calendar.created_at) < stale_before(now)


def calendar_state(calendar: ImportedCalendar, now: datetime | None = None) -> str:
    """waiting (never read yet), ok, failing (last try failed, data still recent) or out_of_date."""
    if is_out_of_date(calendar, now):
        return "out_of_date"
    if calendar.last_error:
        return "failing"
    return "ok" if calendar.last_success_at else "waiting"


def _stale_filter(now: datetime | None) -> Q:
    return Q(last_good__lt=stale_before(now))


def calendars_for_owner(*, user_id: int) -> QuerySet[ImportedCalendar]:
    """The musician's own calendars (no related rows needed: each row carries its state)."""
    return ImportedCalendar.objects.filter(profile__user_id=user_id).order_by("created_at", "id")


def calendar_get_for_owner(*, profile_id: int, calendar_id: int) -> ImportedCalendar:
    """One of the musician's calendars; anyone else's is NotFound (404), never 403."""
    calendar = ImportedCalendar.objects.filter(profile_id=profile_id, pk=calendar_id).first()
    if calendar is None:
        raise NotFound("No such calendar.")
    return calendar


def stale_profile_ids(profile_ids: Iterable[int], now: datetime | None = None) -> set[int]:
    """Which of these musicians have an imported calendar out of date (one query)."""
    ids = list(profile_ids)
    if not ids:
        return set()
    return set(
        ImportedCalendar.objects.filter(profile_id__in=ids)
        .annotate(last_good=Coalesce("last_success_at", "created_at"))
        .filter(_stale_filter(now))
        .values_list("profile_id", flat=True)
    )


def calendars_newly_stale(now: datetime | None = None) -> QuerySet[ImportedCalendar]:
    """Out-of-date calendars whose owner has not been told yet (the sweep tells them once)."""
    return (
        ImportedCalendar.objects.filter(stale_warned_at__isnull=True)
        .annotate(last_good=Coalesce("last_success_at", "created_at"))
        .filter(_stale_filter(now))
        .select_related("profile__user")
    )
