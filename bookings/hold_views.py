"""Hold pages: the producer's desk list (confirm, challenge, release) and the musician's phone page
of every hold on one date (keep, decline, release). Each button is one service call."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bookings import selectors, services
from bookings.models import Hold
from gigbook.core import clock
from gigbook.core.errors import DomainError

_ACTIONS = {
    "accept": (services.hold_accept, "You keep the time for them. It shows as pencilled."),
    "decline": (services.hold_decline, "Hold declined."),
    "release": (services.hold_release, "Hold released. The holds below moved up."),
    "challenge": (services.hold_challenge, "Challenge sent: the holds above yours must confirm or release."),
    "confirm": (services.hold_confirm, "Confirmed: it is now an accepted booking."),
}


@login_required
@require_GET
def hold_list(request):
    now = clock.now()
    user = request.user
    placed = list(selectors.hold_list_for_user(user=user, role="producer", open_only=True)) if user.is_producer else []
    asked = list(selectors.hold_list_for_user(user=user, role="musician", open_only=True)) if user.is_musician else []
    days: dict[date, list[Hold]] = defaultdict(list)
    for hold in asked:
        days[hold.starts_at.astimezone(hold.zone).date()].append(hold)
    return render(request, "bookings/holds.html", {
        "placed": placed, "days": sorted(days.items()), "now": now,
    })


@login_required
@require_GET
def hold_day(request, day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    holds = list(selectors.hold_list_for_user(user=request.user, role="musician", day=when, open_only=True))
    return render(request, "bookings/hold_day.html", {"day": when, "holds": holds, "now": clock.now()})


@login_required
@require_POST
def hold_action(request, pk: int, action: str):
    if action not in _ACTIONS:
        raise Http404
    hold = Hold.objects.filter(pk=pk).only("id", "producer_id", "musician_id", "starts_at", "time_zone").first()
    if hold is None or not hold.is_party(request.user):
        raise Http404
    service, done = _ACTIONS[action]
    try:
        service(hold_id=pk, actor=request.user)
        messages.success(request, done)
    except DomainError as exc:
        details = " ".join(m for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.detail} {details}".strip())
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = "/holds/"
    return redirect(back)
