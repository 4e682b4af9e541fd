"""The search context a producer carries from search to profile to the booking, hold and
short-notice forms: the searched window, instrument and venue, as a query string. A link is enough
(shareable, bookmarkable, survives a reload; no session state), and the forms only prefill from it:
a bad or stale value is dropped, never an error, and the form's own checks still apply on submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime

KEYS = ("instrument", "starts_at", "ends_at", "venue")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def carry_query(*, instrument: str = "", starts_at: datetime | None = None, ends_at: datetime | None = None,
                venue: int | None = None) -> str:
    """``instrument=…&starts_at=…Z&ends_at=…Z&venue=…``, leaving out what is unknown. Times in UTC:
    the forms show them in the venue's own zone, which the search page may not know."""
    params: dict[str, str] = {}
    if instrument:
        params["instrument"] = instrument
    if starts_at is not None and ends_at is not None:
        params["starts_at"], params["ends_at"] = _utc_text(starts_at), _utc_text(ends_at)
    if venue:
        params["venue"] = str(venue)
    return urlencode(params)


@dataclass(frozen=True)
class Carried:
    instrument: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue_id: int | None = None

    def query(self) -> str:
        return carry_query(instrument=self.instrument, starts_at=self.starts_at, ends_at=self.ends_at,
                           venue=self.venue_id)

    def local(self, zone: ZoneInfo) -> dict[str, str]:
        """The window as a form's local fields: date, start_time, end_time, end_date (only when the
        end falls on a later day than the day after: an end before the start already means "next day")."""
        if self.starts_at is None or self.ends_at is None:
            return {}
        start, end = self.starts_at.astimezone(zone), self.ends_at.astimezone(zone)
        fields = {"date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
                  "end_time": end.strftime("%H:%M")}
        if end.date() != start.date() and not (end.time() <= start.time() and (end.date() - start.date()).days == 1):
            fields["end_date"] = end.date().isoformat()
        return fields

    def local_datetimes(self, zone: ZoneInfo) -> dict[str, str]:
        """The window for ``datetime-local`` inputs in ``zone``."""
        if self.starts_at is None or self.ends_at is None:
            return {}
        return {"starts_at": self.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": self.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")}


def _aware(text: str) -> datetime | None:
    try:
        moment = parse_datetime(text or "")
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment


def carried(query) -> Carried:
    """Read the carried context from a request's GET (a QueryDict or a dict). Lenient by design."""
    instrument = (query.get("instrument") or "").strip()[:80]
    starts_at, ends_at = _aware(query.get("starts_at", "")), _aware(query.get("ends_at", ""))
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        starts_at = ends_at = None
    venue = (query.get("venue") or "").strip()
    return Carried(instrument=instrument, starts_at=starts_at, ends_at=ends_at,
                   venue_id=int(venue) if venue.isdigit() and len(venue) < 12 else None)
