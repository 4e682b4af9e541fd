"""``/``: the producer's desk for signed-in producers; everyone else keeps the general home page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from desk.selectors import producer_desk
from gigbook.core import clock
from gigbook.core import views as core_views


@require_safe
def home(request):
    user = request.user
    if not (user.is_authenticated and user.is_producer):
        return core_views.home(request)
    sections = producer_desk(user=user, now=clock.now())
    return render(request, "desk/home.html", {"desk": sections, "nothing": not any(s.items for s in sections.values())})
