"""The "Your calendars" section of the profile editor posts here (plain forms, no script needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from gigbook.core.errors import NotFound, ValidationFailed
from musicians import services as musician_services
from musicians.calendar_import import services

BACK = "/me/profile/#s-calendars"


def _profile(request):
    if not request.user.is_musician:
        raise PermissionDenied("Only musician accounts import calendars.")
    return musician_services.profile_start(user=request.user)


@login_required
@require_POST
def add(request):
    try:
        services.calendar_add(profile=_profile(request), url=request.POST.get("url", "")[:2000],
                              name=request.POST.get("name", "")[:60])
    except ValidationFailed as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Calendar added. It will be read in a minute or two.")
    return redirect(BACK)


@login_required
@require_POST
def remove(request, calendar_id: int):
    try:
        services.calendar_remove(profile=_profile(request), calendar_id=calendar_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, "Calendar removed, with the busy times it gave.")
    return redirect(BACK)


@login_required
@require_POST
def sync(request, calendar_id: int):
    try:
        services.calendar_sync_request(profile=_profile(request), calendar_id=calendar_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, "Reading your calendar again now. Reload the page in a minute to see the result.")
    return redirect(BACK)
