"""Response stats (rate, median time) that search ordering reads."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime

from bookings.gigrequests.models import Invitation, ResponseStats
from bookings.gigrequests.services.common import STATS_WINDOW
from gigbook.core import clock
from musicians.models import MusicianProfile

IStatus = Invitation.Status


# --- Response stats -----------------------------------------------------------------------------------


def response_stats_refresh(*, musician_ids, now: datetime | None = None) -> None:
    """Recompute answer rate and median answer time for these musicians (last 12 months).

    Writes ``ResponseStats`` (with the counts) and the two figures on ``MusicianProfile``.

    Counted: offers that were sent and then accepted, declined or timed out. Withdrawn offers
    (filled or cancelled before the player's time was up) are left out: the player had no fair
    chance to answer. Median answer time is over accepted and declined offers.
    """
    now = now or clock.now()
    ids = sorted(set(musician_ids))
    if not ids:
        return
    rows = Invitation.objects.filter(
        musician_id__in=ids, sent_at__gte=now - STATS_WINDOW,
        status__in=[IStatus.ACCEPTED, IStatus.DECLINED, IStatus.TIMED_OUT],
    ).values_list("musician_id", "status", "sent_at", "answered_at")
    counted: dict[int, int] = defaultdict(int)
    durations: dict[int, list[float]] = defaultdict(list)
    for musician_id, status, sent_at, answered_at in rows:
        counted[musician_id] += 1
        if status != IStatus.TIMED_OUT and answered_at is not None:
            durations[musician_id].append(max((answered_at - sent_at).total_seconds(), 0.0))
    stats = []
    for musician_id in ids:
        total, answered = counted.get(musician_id, 0), durations.get(musician_id, [])
        stats.append(ResponseStats(
            musician_id=musician_id, offers_counted=total, answered=len(answered),
            response_rate=(len(answered) / total) if total else None,
            median_response_seconds=int(statistics.median(answered)) if answered else None,
            updated_at=now,
        ))
    ResponseStats.objects.bulk_create(
        stats, update_conflicts=True, unique_fields=["musician"],
        update_fields=["offers_counted", "answered", "response_rate", "median_response_seconds", "updated_at"],
    )
    # Denormalised onto the profile: the public page shows them and the ranking reads them with
    # the search row, at no extra query.
    by_musician = {stat.musician_id: stat for stat in stats}
    profiles = list(MusicianProfile.objects.filter(user_id__in=ids).only("id", "user_id"))
    for profile in profiles:
        profile.response_rate = by_musician[profile.user_id].response_rate
        profile.median_response_seconds = by_musician[profile.user_id].median_response_seconds
    MusicianProfile.objects.bulk_update(profiles, ["response_rate", "median_response_seconds"])
