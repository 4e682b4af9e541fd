"""Short-notice pages: the producer's list, new-request form, live status page and first-call lists;
the musician's open offers; and the password-less phone page an SMS or email link opens.

The producer pages render a first state and poll the JSON API (static/js/gigrequests-*.js).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.gigrequests import selectors, services
from bookings.gigrequests.api.views import request_detail_data
from bookings.gigrequests.messages import fee_text, fmt, slot_quote, when_text, where_text
from bookings.gigrequests.models import GigRequest, Invitation
from bookings.models import Booking, Venue
from gigbook.accounts.validators import available_time_zones
from gigbook.core import clock
from gigbook.core.carry import carried
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.text import zone_label
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_is_spent, action_token_read
from musicians.currencies import currency_options
from musicians.models import Instrument, MusicianProfile


def moved_from_requests(request, rest: str):
    """The pages lived under /requests/ before the feature took one name; old links keep working.

    GET and HEAD move with a 301; other methods with a 308, which keeps the method and the body
    (a phone page's answer form posted from a page loaded before the move still lands).
    """
    target = f"/gig-requests/{rest}"
    if request.META.get("QUERY_STRING"):
        target += f"?{request.META['QUERY_STRING']}"
    response = HttpResponsePermanentRedirect(target)
    if request.method not in ("GET", "HEAD"):
        response.status_code = 308
    return response


def _producer_only(request):
    if not request.user.is_producer:
        return render(request, "403.html", status=403)
    return None


@login_required
@require_GET
def request_list(request):
    if (denied := _producer_only(request)) is not None:
        return denied
    now = clock.now()
    rows = list(selectors.gig_request_list_for_producer(user=request.user)[:100])
    for row in rows:
        row.effective = row.effective_status(now)
        row.when = fmt(row.starts_at, row.zone)
    return render(request, "gigrequests/request_list.html", {"rows": rows})


@login_required
@require_GET
def request_new(request):
    if (denied := _producer_only(request)) is not None:
        return denied
    venues = list(Venue.objects.filter(owner=request.user).order_by("name", "id"))
    options = {
        "instruments": [{"slug": i.slug, "name": i.name} for i in Instrument.objects.order_by("name")],
        "venues": [{"id": v.id, "name": str(v), "time_zone": v.time_zone, "located": v.latitude is not None}
                   for v in venues],
        "time_zone": request.user.time_zone,
    }
    # Prefill from the search or profile the producer came from (gigbook/core/carry.py).
    context = carried(request.GET)
    venue = next((v for v in venues if v.pk == context.venue_id), None)
    zone = ZoneInfo((venue or venues[0]).time_zone) if venues else request.user.zone
    if any(i["slug"] == context.instrument for i in options["instruments"]):
        options["prefill_instrument"] = context.instrument
    # Started from a player's profile: they arrive on the list, asked first, on a chair they play.
    chosen = _ask_first(request)
    if chosen is not None:
        options["ask_first"] = chosen
        if options.get("prefill_instrument") not in chosen["instruments"] and chosen["instruments"]:
            options["prefill_instrument"] = chosen["instruments"][0]
    for row in venues:
        row.zone_label = zone_label(row.time_zone)
    user_zone_label = zone_label(request.user.time_zone)
    shown = venue or (venues[0] if venues else None)
    return render(request, "gigrequests/request_new.html", {
        "venues": venues, "kinds": Booking.Kind.choices, "approaches": Booking.Approach.choices,
        "strategies": GigRequest.Strategy.choices, "instruments": options["instruments"],
        "options": options, "user_zone": request.user.time_zone, "user_zone_label": user_zone_label,
        "first_zone_label": shown.zone_label if shown else user_zone_label,
        "currencies": currency_options(), "time_zones": sorted(available_time_zones()),
        "prefill": {"venue": venue.pk if venue else None, **context.local_datetimes(zone)},
    })


def _ask_first(request) -> dict | None:
    """The bookable player named by ``musician=<profile id>`` (lenient like the rest of the carried
    context: an unknown, unapproved or own profile is dropped, never an error)."""
    raw = (request.GET.get("musician") or "").strip()
    if not raw.isdigit() or len(raw) > 11:
        return None
    profile = (MusicianProfile.objects.filter(pk=int(raw), status=MusicianProfile.Status.APPROVED, user__is_active=True)
               .exclude(user_id=request.user.pk).select_related("user").first())
    if profile is None:
        return None
    plays = list(profile.instruments.order_by("-is_primary", "position", "id").values_list("instrument__slug", flat=True))
    return {"profile_id": profile.pk, "name": profile.display_name, "instruments": plays}


@login_required
@require_GET
def request_detail(request, pk: int):
    if (denied := _producer_only(request)) is not None:
        return denied
    try:
        data = request_detail_data(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "gigrequests/request_detail.html", {
        "gig": data, "initial": json.loads(json.dumps(data, cls=DjangoJSONEncoder)), "request_id": pk,
        "zone": data["time_zone"],
    })


@login_required
@require_GET
def favourites(request):
    if (denied := _producer_only(request)) is not None:
        return denied
    rows = list(selectors.favourite_list_for_producer(user=request.user))
    instruments = [{"slug": i.slug, "name": i.name} for i in Instrument.objects.order_by("name")]
    return render(request, "gigrequests/favourites.html", {
        "rows": rows, "instruments": instruments,
    })


# --- The musician's open offers (signed in) -------------------------------------------------------------


@login_required
@require_GET
def offers(request):
    now = clock.now()
    rows = list(selectors.offer_list_for_musician(user=request.user, now=now)[:100])
    for row in rows:
        _describe(row, row.request, now)
    return render(request, "gigrequests/offers.html", {"rows": rows})


@login_required
@require_POST
def offer_answer(request, pk: int, action: str):
    try:
        if action == "accept":
            services.invitation_accept(invitation_id=pk, actor=request.user)
            flash.success(request, "You are booked. The confirmation is in your inbox.")
        elif action == "decline":
            services.invitation_decline(invitation_id=pk, actor=request.user, note=request.POST.get("note", ""))
            flash.success(request, "Declined. Thanks for answering quickly.")
        else:
            raise Http404
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        flash.error(request, exc.detail)
    back = request.POST.get("next", "")  # the combined Offers page sends people back to itself
    return redirect(back if back.startswith("/") and not back.startswith("//") else "gigrequests:offers")


# --- The phone page -----------------------------------------------------------------------------------------


def _describe(invitation: Invitation, request: GigRequest, now) -> None:
    """Attach the strings the offer pages show (times in the gig's zone and the reader's)."""
    reader = invitation.musician
    invitation.when = when_text(request, reader)
    invitation.where = where_text(request)
    invitation.fee = fee_text(request, invitation)
    invitation.quote = slot_quote(request, invitation)
    invitation.deadline_text = fmt(invitation.deadline, reader.zone) if invitation.deadline else ""
    seconds = int((invitation.deadline - now).total_seconds()) if invitation.deadline else 0
    invitation.seconds_left = max(seconds, 0)
    invitation.minutes_left = max((seconds + 59) // 60, 0)


def _state(invitation: Invitation, request: GigRequest, now) -> str:
    """One word for what the phone page says, most informative first."""
    if invitation.status == Invitation.Status.ACCEPTED:
        return "accepted"
    if invitation.status == Invitation.Status.DECLINED:
        return "declined"
    if request.status == GigRequest.Status.CANCELLED or invitation.reason == Invitation.Reason.CANCELLED:
        return "cancelled"
    if request.status == GigRequest.Status.FILLED or invitation.reason == Invitation.Reason.FILLED:
        return "filled"
    if invitation.status == Invitation.Status.WITHDRAWN:
        return "withdrawn"
    if request.effective_status(now) == GigRequest.Status.EXPIRED:
        return "expired"
    if invitation.effective_status(now) == Invitation.Status.TIMED_OUT:
        return "timed_out"
    return "open"


def _link_problem(request, *, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "gigrequests/link_problem.html", {"title": title, "message": message}, status=status)


def _read_link(request, token: str):
    """(token, invitation, None) or (None, None, an error page). Changes nothing."""
    try:
        parsed = action_token_read(token, purpose=services.TOKEN_PURPOSE)
    except TokenExpired:
        return None, None, _link_problem(
            request, title="This link has expired",
            message="The gig it was for has started or passed, so there is nothing left to answer.", status=410,
        )
    except TokenInvalid:
        return None, None, _link_problem(
            request, title="This link is not valid",
            message="It may have been copied incompletely. Open it again from the text message or email.", status=400,
        )
    invitation = selectors.invitation_for_link(invitation_id=parsed.subject_id)
    if invitation is None:
        return None, None, _link_problem(request, title="Offer not found", message="This offer no longer exists.",
                                         status=404)
    signed_in_as_other = request.user.is_authenticated and request.user.pk != invitation.musician_id
    if parsed.user_id != invitation.musician_id or signed_in_as_other:
        return None, None, _link_problem(
            request, title="This offer was sent to another musician",
            message=("You are signed in as someone else. Log out, or open your own link."
                     if signed_in_as_other else "This link does not belong to this offer. Open the one sent to you."),
            status=403,
        )
    return parsed, invitation, None


def _offer_page(request, token: str, invitation: Invitation, *, status: int = 200, error: str = "",
                spent: bool = False) -> HttpResponse:
    now = clock.now()
    gig = invitation.request
    _describe(invitation, gig, now)
    state = _state(invitation, gig, now)
    if state in ("filled", "cancelled", "timed_out", "expired"):
        # The status line already tells a late answer what happened ("filled", "cancelled"...):
        # the refusal would repeat it.
        error = ""
    context = {
        "invitation": invitation, "gig": gig, "state": state, "token": token, "error": error,
        "can_answer": state == "open" and not spent,
        "booking": invitation.chair.booking if invitation.chair_id and invitation.chair.booking_id else None,
        "seen_url": reverse("gigrequests:offer-seen", kwargs={"token": token}),
    }
    if state == "accepted" and context["booking"]:
        from bookings.views import _after_accept

        context.update(_after_accept(context["booking"]))
    response = render(request, "gigrequests/offer.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def offer_link(request, token: str):
    """The offer, opened from the SMS or email link without a password.

    GET only shows it (link scanners and prefetchers open links). POST answers; the token is
    spent in the same transaction as the answer. Repeating an answer that already happened (a
    phone retrying) shows the result; any other use of a spent, expired, altered or someone
    else's link gets a page saying so and changes nothing.
    """
    parsed, invitation, problem = _read_link(request, token)
    if problem is not None:
        return problem
    if request.method in ("GET", "HEAD"):  # link previewers send HEAD: answer like GET, change nothing
        return _offer_page(request, token, invitation, spent=action_token_is_spent(parsed))
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            services.invitation_accept(invitation_id=invitation.pk, token=parsed)
        elif action == "decline":
            services.invitation_decline(invitation_id=invitation.pk, token=parsed, note=request.POST.get("note", ""))
        else:
            return _offer_page(request, token, invitation, status=400, error="Choose accept or decline.")
    except DomainError as exc:
        invitation = selectors.invitation_for_link(invitation_id=invitation.pk)
        return _offer_page(request, token, invitation, status=exc.status_code, error=exc.detail,
                           spent=action_token_is_spent(parsed))
    return redirect(reverse("gigrequests:offer-link", kwargs={"token": token}))


@require_POST
def offer_seen(request, token: str):
    """The offer page's script reports it was opened (a scanner fetching the HTML does not run it)."""
    parsed, invitation, problem = _read_link(request, token)
    if problem is not None:
        return HttpResponse(status=problem.status_code)
    services.invitation_mark_seen(invitation_id=invitation.pk, musician_id=invitation.musician_id)
    return HttpResponse(status=204)
