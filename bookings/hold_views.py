"""Hold pages: the producer's desk list (confirm, challenge, release) and the musician's phone page
of every hold on one date (keep, decline, release). Each button is one service call."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings import selectors, services
from bookings.models import Booking, Hold, Venue
from gigbook.accounts.validators import available_time_zones
from gigbook.core import clock
from gigbook.core.carry import Carried, carried
from gigbook.core.errors import DomainError
from gigbook.core.text import zone_label
from musicians.models import MusicianProfile

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


# How long a new hold lasts unless confirmed; "" is the service's default (72 h, or the start if sooner).
LAPSE_CHOICES = [("", "72 hours (or the start, if sooner)"), ("24", "24 hours"), ("48", "48 hours"),
                 ("168", "7 days")]
CHALLENGE_CHOICES = [("12", "12 hours"), ("24", "24 hours"), ("48", "48 hours"), ("72", "72 hours")]
_MONEY_FIELDS = ("rate", "cartage_fee", "travel_fee")


def _local(day: str, clock_time: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock_time))
    except (TypeError, ValueError):
        return None


def _hold_prefill(context: Carried, *, profile: MusicianProfile, venues: list[Venue], user) -> dict[str, str]:
    values: dict[str, str] = {}
    venue = next((v for v in venues if v.pk == context.venue_id), None)
    if venue is not None:
        values["venue"] = str(venue.pk)
    if context.instrument in {row.instrument.slug for row in profile.instruments.all()}:
        values["instrument"] = context.instrument
    zone = ZoneInfo((venue or venues[0]).time_zone) if venues else user.zone
    values.update(context.local(zone))
    return values


def _hold_input(values: dict, errors: dict[str, list[str]]) -> dict:
    """The form's fields as hold_place arguments; shape errors go to ``errors`` (rules stay in the service)."""
    start = _local(values.get("date", ""), values.get("start_time", ""))
    end = _local(values.get("end_date") or values.get("date", ""), values.get("end_time", ""))
    if start is None:
        errors["starts_at"] = ["Give the date and start time."]
    if end is None:
        errors["ends_at"] = ["Give the end time."]
    elif start is not None and end < start and not values.get("end_date"):
        end += timedelta(days=1)  # 22:00-02:00 runs past midnight; an end equal to the start is an error
    fee: dict = {}
    for name in _MONEY_FIELDS:
        raw = (values.get(name) or "").strip()
        if raw:
            try:
                fee[name] = Decimal(raw)
                if not fee[name].is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors[name] = ["Enter an amount, e.g. 180 or 180.50."]
    if values.get("fee_basis") not in Booking.FeeBasis.values:
        errors["fee_basis"] = ["Choose how the fee is paid."]
    lapse = values.get("lapse_hours", "")
    remote = values.get("kind") == Booking.Kind.REMOTE_RECORDING
    venue = values.get("venue", "")
    return {
        "instrument": values.get("instrument", ""), "kind": values.get("kind", ""),
        "venue": int(venue) if venue.isdigit() and not remote else None,
        "time_zone": values.get("time_zone") or None if remote else None,
        "starts_at": start, "ends_at": end, "title": values.get("title", ""), "note": values.get("note", ""),
        "expires_at": clock.now() + timedelta(hours=int(lapse)) if lapse in dict(LAPSE_CHOICES) and lapse else None,
        "challenge_window_hours": int(values["challenge_window_hours"])
        if values.get("challenge_window_hours", "") in dict(CHALLENGE_CHOICES) else None,
        "fee_basis": values.get("fee_basis", "hourly"), "confirm_long": values.get("confirm_long") == "on", **fee,
    }


@login_required
@require_http_methods(["GET", "POST"])
def hold_new(request):
    """Pencil a player (a page for POST /api/holds/): reached from a profile or a search result,
    prefilled with the searched window, instrument and venue."""
    if not request.user.is_producer:
        messages.error(request, "Only producers can pencil musicians. Add the producer role in your account.")
        return redirect("home")
    raw_id = request.GET.get("musician") or request.POST.get("musician") or ""
    profile = (
        MusicianProfile.objects.filter(pk=int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else 0,
                                       status=MusicianProfile.Status.APPROVED, user__is_active=True)
        .select_related("user").prefetch_related("instruments__instrument").first()
    )
    if profile is None:
        raise Http404("No such musician.")
    venues = list(selectors.venues_for_owner(user=request.user))
    values = {
        "kind": "studio_session", "fee_basis": "hourly", "rate": profile.hourly_rate or "", "lapse_hours": "",
        "challenge_window_hours": "24", "time_zone": request.user.time_zone,
        "venue": str(venues[0].pk) if venues else "",
        "instrument": next((row.instrument.slug for row in profile.instruments.all() if row.is_primary), ""),
    }
    errors: dict[str, list[str]] = {}
    error, status = "", 200
    if request.method == "GET":
        values.update(_hold_prefill(carried(request.GET), profile=profile, venues=venues, user=request.user))
    else:
        values.update({key: request.POST.get(key, "") for key in request.POST})
        data = _hold_input(values, errors)
        if errors:
            # Every problem in one answer: the rules about what was typed well, too.
            well_formed = {k: v for k, v in data.items() if k not in errors}
            for field, field_messages in services.booking_problems(
                    producer=request.user, values={**well_formed, "musician": profile.pk}).items():
                errors.setdefault(field, field_messages)
            error, status = "Some fields need attention: see the messages next to them.", 400
        else:
            try:
                hold = services.hold_place(producer=request.user, musician_profile_id=profile.pk, **data)
            except DomainError as exc:
                errors = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.fields.items()}
                error, status = exc.detail, exc.status_code
            else:
                messages.success(request, f"{hold.rank_label} placed on {profile.display_name}. They are asked to "
                                          f"keep the time; it lapses {hold.expires_at.astimezone(request.user.zone):%a %d %b %H:%M}"
                                          " unless you confirm.")
                return redirect(f"/holds/#hold-{hold.pk}")
    return render(request, "bookings/hold_new.html", {
        "profile": profile, "venues": venues, "values": values, "errors": errors, "error": error,
        "kinds": Booking.Kind.choices, "fee_bases": Booking.FeeBasis.choices, "lapses": LAPSE_CHOICES,
        "windows": CHALLENGE_CHOICES, "time_zones": sorted(available_time_zones()),
        "long_error": any("really runs this long" in m for m in errors.get("ends_at", [])),
        "zone_label": _zone_label_for(values, venues, request.user),
    }, status=status)


def _zone_label_for(values: dict, venues: list, user) -> str:
    """'London time (BST)' for the note next to the pickers: the chosen venue's zone on the chosen day."""
    if values.get("kind") == Booking.Kind.REMOTE_RECORDING:
        zone_name = values.get("time_zone") or user.time_zone
    else:
        venue = next((v for v in venues if str(v.pk) == str(values.get("venue", ""))), None)
        zone_name = venue.time_zone if venue else user.time_zone
    day = _local(values.get("date", ""), "12:00")
    if zone_name not in available_time_zones():
        zone_name = user.time_zone
    return zone_label(zone_name, day.replace(tzinfo=ZoneInfo(zone_name)) if day else None)
