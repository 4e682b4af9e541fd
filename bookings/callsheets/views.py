"""Call-sheet pages: the player's phone page (from the signed link or signed in) with "Confirm changes"
in one tap, and the producer's desk page (edit form, per-player delivery state, versions)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.callsheets import rules, selectors, services
from bookings.callsheets.messages import TOKEN_PURPOSE
from bookings.callsheets.models import CallSheetPlayer
from bookings.callsheets.services.sheets import active_players
from bookings.models import Booking, Venue
from bookings.services import cancellation_preview
from gigbook.core import clock
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_is_spent, action_token_read


def _local(iso: str, zone) -> datetime:
    return datetime.fromisoformat(iso).astimezone(zone)


def _sheet_context(data: dict, booking: Booking) -> dict:
    zone = booking.zone
    content = data["content"]
    return {
        "data": data, "booking": booking, "content": content,
        "starts": _local(content["starts_at"], zone), "ends": _local(content["ends_at"], zone),
        "text_fields": [(key, label, content.get(key, "")) for key, label, _limit in rules.TEXT_FIELDS
                        if key != "call_time"],
        "venue_text": rules.venue_text(content.get("venue")),
        "own_fee": (content.get("fees") or {}).get(str(booking.pk), ""),
    }


# --- The player's phone page ------------------------------------------------------------------------


def _phone_page(request, booking: Booking, *, token: str = "", spent: bool = False, status: int = 200,
                error: str = "", errors: dict | None = None):
    data = selectors.call_sheet_for_user(user=booking.musician, booking_id=booking.pk)
    context = _sheet_context(data, booking)
    charge = cancellation_preview(booking=booking, actor=booking.musician) if booking.status == "accepted" else None
    context.update({
        "token": token, "spent": spent, "error": error, "errors": errors or {}, "charge": charge,
        "action_url": (reverse("callsheets:link", kwargs={"token": token}) if token
                       else reverse("callsheets:musician", kwargs={"pk": booking.pk})),
        "seen_url": (reverse("callsheets:link-seen", kwargs={"token": token}) if token
                     else reverse("callsheets:musician-seen", kwargs={"pk": booking.pk})),
        "can_act": booking.status == "accepted" and booking.ends_at > clock.now(),
    })
    return render(request, "callsheets/phone.html", context, status=status)


def _act(request, booking: Booking, token=None):
    action = request.POST.get("action", "")
    musician = booking.musician
    if action == "confirm":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = 0
        services.call_sheet_confirm(booking_id=booking.pk, actor=musician, version=version, token=token)
    elif action == "drop_out":
        services.call_sheet_drop_out(booking_id=booking.pk, actor=musician, reason=request.POST.get("reason", ""),
                                     token=token)
    else:
        raise DomainError(fields={"action": ["Choose confirm or drop out."]})


def _link_booking(token: str):
    parsed = action_token_read(token, purpose=TOKEN_PURPOSE)
    booking = (Booking.objects.select_related("producer", "musician", "instrument", "venue")
               .filter(pk=parsed.subject_id, musician_id=parsed.user_id).first())
    if booking is None:
        raise TokenInvalid()
    return parsed, booking


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def link(request, token: str):
    """The call sheet from the link in the message, no password. GET shows it and changes nothing
    (link scanners open links; the page's script reports "opened"); POST confirms or drops out, and
    spends the link in the same transaction."""
    try:
        parsed, booking = _link_booking(token)
    except TokenExpired:
        return render(request, "bookings/link_problem.html", {"expired": True}, status=410)
    except TokenInvalid:
        return render(request, "bookings/link_problem.html", {"expired": False}, status=400)
    if request.method in ("GET", "HEAD"):
        return _phone_page(request, booking, token=token, spent=action_token_is_spent(parsed))
    try:
        _act(request, booking, token=parsed)
    except DomainError as exc:
        booking.refresh_from_db()
        return _phone_page(request, booking, token=token, spent=action_token_is_spent(parsed),
                           status=exc.status_code, error=exc.detail, errors=exc.fields)
    return redirect(reverse("callsheets:link", kwargs={"token": token}))


@require_POST
def link_seen(request, token: str):
    try:
        parsed, booking = _link_booking(token)
    except (TokenExpired, TokenInvalid):
        return HttpResponse(status=400)
    services.call_sheet_opened(booking_id=booking.pk, musician_id=booking.musician_id)
    return HttpResponse(status=204)


def _own_booking(request, pk: int) -> Booking:
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").filter(
        pk=pk, musician=request.user).first()
    if booking is None:
        raise Http404
    return booking


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def musician_page(request, pk: int):
    booking = _own_booking(request, pk)
    if request.method == "POST":
        try:
            _act(request, booking)
        except DomainError as exc:
            booking.refresh_from_db()
            return _phone_page(request, booking, status=exc.status_code, error=exc.detail, errors=exc.fields)
        return redirect(reverse("callsheets:musician", kwargs={"pk": pk}))
    try:
        return _phone_page(request, booking)
    except DomainError as exc:
        raise Http404 from exc


@login_required
@require_POST
def musician_seen(request, pk: int):
    booking = _own_booking(request, pk)
    services.call_sheet_opened(booking_id=booking.pk, musician_id=booking.musician_id)
    return HttpResponse(status=204)


# --- The producer's desk page ---------------------------------------------------------------------


def _edit_kwargs(post, players: list[CallSheetPlayer]) -> dict:
    given: dict = {}
    for name in ("starts_at", "ends_at"):
        raw = (post.get(name) or "").strip()
        if raw:
            try:
                given[name] = datetime.fromisoformat(raw)
            except ValueError as exc:
                raise DomainError(fields={name: ["Give a date and time, e.g. 2027-06-05 19:30."]}) from exc
    if post.get("venue"):
        try:
            given["venue"] = int(post["venue"])
        except ValueError as exc:
            raise DomainError(fields={"venue": ["Choose one of your venues."]}) from exc
    for key, _label, _limit in rules.TEXT_FIELDS:
        if key in post:
            given[key] = post.get(key, "")
    materials = []
    for key, title, detail, target in zip(post.getlist("material_key"), post.getlist("material_title"),
                                          post.getlist("material_detail"), post.getlist("material_for"), strict=False):
        if not title.strip():
            continue  # an empty row adds nothing; emptying a title removes that material
        item = {"key": key, "title": title, "detail": detail, "instruments": [], "bookings": []}
        if target.startswith("i:"):
            item["instruments"] = [target[2:]]
        elif target.startswith("b:") and target[2:].isdigit():
            item["bookings"] = [int(target[2:])]
        materials.append(item)
    given["materials"] = materials
    rates = {}
    for player in players:
        raw = (post.get(f"rate_{player.booking_id}") or "").strip()
        if raw:
            try:
                rate = Decimal(raw)
            except InvalidOperation as exc:
                raise DomainError(fields={"rates": ["Give each fee as an amount, e.g. 250.00."]}) from exc
            if rate != player.booking.rate:
                rates[player.booking_id] = rate
    if rates:
        given["rates"] = rates
    return given


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def producer_page(request, pk: int):
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").filter(
        pk=pk, producer=request.user).first()
    if booking is None:
        raise Http404
    error, errors, status = "", {}, 200
    if request.method == "POST":
        try:
            sheet = services.sheet_get_or_create(booking=booking)
            given = _edit_kwargs(request.POST, active_players(sheet))
            expected = request.POST.get("expected_version", "")
            version = services.call_sheet_edit(
                booking_id=pk, actor=request.user, message=request.POST.get("message", ""),
                expected_version=int(expected) if expected.isdigit() else None, **given)
        except DomainError as exc:
            error, errors, status = exc.detail, exc.fields, exc.status_code
        else:
            told = sum(1 for _ in version.recipients.all())
            flash.success(request, f"Version {version.number} saved; {told} player{'s' if told != 1 else ''} told"
                                   f"{' and asked to confirm' if version.critical else ''}.")
            return redirect(reverse("callsheets:producer", kwargs={"pk": pk}))
    booking.refresh_from_db()
    try:
        data = selectors.call_sheet_for_user(user=request.user, booking_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return render(request, "callsheets/not_yet.html", {"booking": booking, "reason": exc.detail}, status=409)
    sheet = services.sheet_get_or_create(booking=booking)
    players = active_players(sheet)
    context = _sheet_context(data, booking)
    zone = booking.zone
    context.update({
        "error": error, "errors": errors, "versions": selectors.versions_for_user(user=request.user, booking_id=pk),
        "players": players, "venues": Venue.objects.filter(owner=request.user).order_by("name", "id"),
        "form": request.POST if request.method == "POST" else None,
        "materials": [{**m, "target": f"i:{m['instruments'][0]}" if m["instruments"] else
                       f"b:{m['bookings'][0]}" if m["bookings"] else ""}
                      for m in data["content"].get("materials") or []],
        "targets": [("", "Everyone")]
        + [(f"i:{slug}", f"Every {name}") for slug, name in
           dict.fromkeys((p.booking.instrument.slug, p.booking.instrument.name) for p in players)]
        + [(f"b:{p.booking_id}", f"{p.booking.musician.greeting_name} only") for p in players],
        "zone": zone, "can_edit": booking.status == "accepted" and booking.ends_at > clock.now(),
        "waiting": sum(1 for row in data["players"] if row["state"] == "waiting"),
    })
    return render(request, "callsheets/producer.html", context, status=status)
