"""Server-rendered pages: the producer's bookings and booking form, the musician's phone-first "My gigs",
the password-less offer page behind the phone link, and the calendar feed.

Pages call the same services as the API. Domain errors become a message on the page with the
error's own status code; nothing here holds business rules.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from bookings import calendar as ics
from bookings import selectors, services
from bookings.api.serializers import allowed_actions
from bookings.models import Booking, Material, Venue
from bookings.phone import EVENT_PURPOSE, OFFER_PURPOSE, event_ics_path, phone_token_read
from gigbook.accounts.validators import available_time_zones
from gigbook.core import clock
from gigbook.core.carry import Carried, carried
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.storage import private_download
from gigbook.core.text import zone_label
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_read
from musicians.models import MusicianProfile

STATUS_CLASS = {
    "offered": "status-warn", "countered": "status-warn", "accepted": "status-ok", "completed": "status-ok",
    "declined": "status-bad", "expired": "status-bad", "withdrawn": "status-bad", "cancelled": "status-bad",
}


def _status_of(booking: Booking, now: datetime) -> dict:
    status = booking.effective_status(now)
    return {"value": status, "label": Booking.Status(status).label, "css": STATUS_CLASS[status]}


def _error_fields(exc: DomainError) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [str(value)] for key, value in exc.fields.items()}


# --- Calendar feed ------------------------------------------------------------------------------


@never_cache
@require_GET
def calendar_feed(request, token: str):
    """The private iCalendar subscription. The token is the only credential; rotating it revokes the URL."""
    try:
        feed = selectors.feed_by_token(token=token)
    except NotFound as exc:
        raise Http404 from exc
    now = clock.now()
    body = ics.feed_ics(selectors.feed_bookings(user=feed.user, now=now), user=feed.user, stamp=now,
                        holds=selectors.feed_holds(user=feed.user, now=now))
    services.calendar_feed_touch(feed=feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="gigbook.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@never_cache
@require_GET
def event_ics(request, token: str):
    """One booking as a single-event .ics ("Add to calendar"). The signed link is the credential."""
    try:
        parsed = action_token_read(token, purpose=EVENT_PURPOSE)
    except (TokenExpired, TokenInvalid) as exc:
        raise Http404 from exc
    booking = (
        Booking.objects.filter(pk=parsed.subject_id, musician_id=parsed.user_id)
        .select_related("producer", "musician", "instrument", "venue").first()
    )
    if booking is None:
        raise Http404
    body = ics.booking_ics(booking, for_user=booking.musician, stamp=clock.now(), itip=False)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gigbook-{booking.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _after_accept(booking: Booking) -> dict:
    """What a musician needs right after accepting: calendar entry and feed, My gigs, directions.

    Creating the calendar feed here is idempotent and changes nothing about the offer."""
    feed = services.calendar_feed_get_or_create(user=booking.musician)
    return {
        "ics_url": event_ics_path(booking),
        "feed_path": reverse("bookings:calendar-feed", kwargs={"token": feed.token}),
        "directions_url": booking.venue.directions_url if booking.venue_id else "",
    }


# --- The phone link: GET shows, POST acts -------------------------------------------------------


def _token_or_error_page(request, token: str):
    try:
        parsed, spent = phone_token_read(token, purpose=OFFER_PURPOSE)
    except TokenExpired:
        return None, None, render(request, "bookings/link_problem.html", {"expired": True}, status=410)
    except TokenInvalid:
        return None, None, render(request, "bookings/link_problem.html", {"expired": False}, status=400)
    booking = (
        Booking.objects.filter(pk=parsed.subject_id, musician_id=parsed.user_id)
        .select_related("producer", "musician", "instrument", "venue")
        .prefetch_related("doubles", "materials")
        .first()
    )
    if booking is None:
        return None, None, render(request, "bookings/link_problem.html", {"expired": False}, status=404)
    return parsed, booking, None


def _offer_page(request, token: str, booking: Booking, *, spent: bool, status: int = 200, errors=None, error=""):
    now = clock.now()
    context = {
        "booking": booking,
        "status": _status_of(booking, now),
        "token": token,
        "spent": spent,
        "can_answer": booking.effective_status(now) == Booking.Status.OFFERED and not spent,
        "errors": errors or {},
        "error": error,
        "fee_bases": Booking.FeeBasis.choices,
    }
    if context["status"]["value"] == Booking.Status.ACCEPTED:
        context.update(_after_accept(booking))
    return render(request, "bookings/offer_link.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def offer_link(request, token: str):
    """Open an offer from the SMS/email link without a password.

    GET only shows it (link scanners and prefetchers open links). POST answers it; the token is
    spent in the same transaction as the answer, and a repeat of an answer that already happened
    (a phone retrying) just shows the result.
    """
    parsed, booking, problem = _token_or_error_page(request, token)
    if problem is not None:
        return problem
    if request.method in ("GET", "HEAD"):  # link previewers send HEAD: answer like GET, change nothing
        from gigbook.core.tokens import action_token_is_spent

        return _offer_page(request, token, booking, spent=action_token_is_spent(parsed))
    action = request.POST.get("action", "")
    musician = booking.musician
    try:
        if action == "accept":
            services.booking_accept(booking_id=booking.pk, actor=musician, token=parsed)
        elif action == "decline":
            services.booking_decline(booking_id=booking.pk, actor=musician, token=parsed,
                                     note=request.POST.get("note", ""))
        elif action == "counter":
            terms = _counter_terms(request.POST)
            services.booking_counter(booking_id=booking.pk, actor=musician, token=parsed,
                                     note=request.POST.get("note", ""), **terms)
        else:
            return _offer_page(request, token, booking, spent=False, status=400, error="Choose accept, decline or counter.")
    except DomainError as exc:
        booking.refresh_from_db()
        return _offer_page(request, token, booking, spent=False, status=exc.status_code, errors=_error_fields(exc),
                           error=exc.detail)
    if action == "decline" and request.POST.get("recommend"):
        return redirect(reverse("trust:recommend-link", kwargs={"token": token}))
    return redirect(reverse("bookings:offer-link", kwargs={"token": token}))


class _BadTerm(DomainError):
    status_code = 400


def _counter_terms(data) -> dict:
    terms: dict = {}
    basis = data.get("fee_basis", "")
    if basis:
        if basis not in Booking.FeeBasis.values:
            raise _BadTerm(fields={"fee_basis": ["Choose hourly, session, day or flat."]})
        terms["fee_basis"] = basis
    for name in ("rate", "cartage_fee", "travel_fee"):
        raw = (data.get(name) or "").strip()
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                raise _BadTerm(fields={name: ["Enter an amount, e.g. 180 or 180.50."]}) from None
            if not value.is_finite() or value < 0 or value >= Decimal("100000000"):
                raise _BadTerm(fields={name: ["Enter an amount of zero or more."]})
            terms[name] = value
    if not terms:
        raise _BadTerm(fields={"rate": ["Propose a rate (or another term) to counter."]})
    return terms


@never_cache
@require_safe
def offer_link_material(request, token: str, material_id: int):
    """Download a chart from the phone page: the token proves the caller is the invited musician."""
    parsed, booking, problem = _token_or_error_page(request, token)
    if problem is not None:
        return problem
    material = Material.objects.filter(pk=material_id, booking=booking).first()
    if material is None:
        raise Http404
    return _download(material)


def _download(material: Material) -> HttpResponse:
    return private_download(material.file, filename=material.original_name, content_type=material.content_type)


# --- Producer pages -----------------------------------------------------------------------------


@login_required
@require_GET
def booking_list(request):
    if not request.user.is_producer:
        return redirect("bookings:gigs")
    now = clock.now()
    bookings = list(selectors.booking_list_for_user(user=request.user, role="producer", now=now))
    groups = {"open": [], "upcoming": [], "past": []}
    for booking in bookings:
        status = booking.effective_status(now)
        booking.status_info = _status_of(booking, now)
        if status in (Booking.Status.OFFERED, Booking.Status.COUNTERED):
            groups["open"].append(booking)
        elif status == Booking.Status.ACCEPTED and booking.ends_at > now:
            groups["upcoming"].append(booking)
        else:
            groups["past"].append(booking)
    groups["past"].reverse()
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(request, "bookings/list.html", {"groups": groups, "feed": feed})


@login_required
@require_GET
def booking_detail(request, pk: int):
    try:
        booking = selectors.booking_get_for_user(user=request.user, booking_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    now = clock.now()
    actions = allowed_actions(booking, request.user, now)
    if getattr(booking, "engagement_date", None) is not None:
        # A date of a multi-date engagement is answered with its other dates, on the engagement's page.
        actions = [action for action in actions if action not in ("accept", "decline", "counter")
                   or request.user.pk == booking.producer_id]
    context = {
        "booking": booking,
        "status": _status_of(booking, now),
        "actions": actions,
        "is_producer": request.user.pk == booking.producer_id,
        "is_musician": request.user.pk == booking.musician_id,
        "fee_bases": Booking.FeeBasis.choices,
        "material_kinds": Material.Kind.choices,
        "cancellation": services.cancellation_preview(booking=booking, actor=request.user, now=now)
        if "cancel" in actions else None,
    }
    return render(request, "bookings/detail.html", context)


PAGE_ACTIONS = {"accept", "decline", "counter", "withdraw", "complete"}


@login_required
@require_POST
def booking_action(request, pk: int, action: str):
    """The detail page's buttons (and My gigs'): one service call, then back to the page."""
    user = request.user
    booking = Booking.objects.filter(pk=pk).values("producer_id", "musician_id").first()
    if booking is None or action not in PAGE_ACTIONS or user.pk not in (booking["producer_id"], booking["musician_id"]):
        raise Http404
    as_producer = user.pk == booking["producer_id"]
    note = request.POST.get("note", "")
    back = request.POST.get("next") or reverse("bookings:detail", kwargs={"pk": pk})
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("bookings:detail", kwargs={"pk": pk})
    try:
        if action == "accept":
            if as_producer:
                services.booking_accept_counter(booking_id=pk, actor=user)
            else:
                services.booking_accept(booking_id=pk, actor=user)
            messages.success(request, "Booking confirmed. It is in your calendar feed.")
        elif action == "decline":
            if as_producer:
                services.booking_decline_counter(booking_id=pk, actor=user, note=note)
            else:
                services.booking_decline(booking_id=pk, actor=user, note=note)
            messages.success(request, "Declined.")
        elif action == "counter":
            services.booking_counter(booking_id=pk, actor=user, note=note, **_counter_terms(request.POST))
            messages.success(request, "Counter-offer sent.")
        elif action == "withdraw":
            services.booking_withdraw(booking_id=pk, actor=user, note=note)
            messages.success(request, "Offer withdrawn.")
        elif action == "complete":
            services.booking_complete(booking_id=pk, actor=user)
            messages.success(request, "Marked as completed.")
    except DomainError as exc:
        details = " ".join(message for messages_ in _error_fields(exc).values() for message in messages_)
        messages.error(request, f"{exc.detail} {details}".strip())
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request, pk: int):
    """Cancellation is two steps: this page shows what it costs, then the POST confirms that amount."""
    try:
        booking = selectors.booking_get_for_user(user=request.user, booking_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    now = clock.now()
    charge = services.cancellation_preview(booking=booking, actor=request.user, now=now)
    context = {"booking": booking, "charge": charge, "status": _status_of(booking, now), "errors": {}}
    if request.method == "POST":
        try:
            expected = Decimal(request.POST.get("expected_fee", ""))
        except InvalidOperation:
            expected = None
        try:
            services.booking_cancel(booking_id=pk, actor=request.user, reason=request.POST.get("reason", ""),
                                    expected_fee=expected)
        except DomainError as exc:
            context.update(errors=_error_fields(exc), error=exc.detail,
                           charge=services.cancellation_preview(booking=booking, actor=request.user))
            return render(request, "bookings/cancel.html", context, status=exc.status_code)
        messages.success(request, "The booking is cancelled. Both sides have been told.")
        return redirect("bookings:detail", pk=pk)
    return render(request, "bookings/cancel.html", context)


@login_required
@require_POST
def booking_material_upload(request, pk: int):
    if not Booking.objects.filter(pk=pk).filter(Q(producer=request.user) | Q(musician=request.user)).exists():
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a file to upload.")
    else:
        try:
            services.material_add(booking_id=pk, actor=request.user, upload=upload,
                                  kind=request.POST.get("kind", Material.Kind.CHART))
            messages.success(request, f"Uploaded {upload.name}.")
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            details = " ".join(m for ms in _error_fields(exc).values() for m in ms)
            messages.error(request, f"{exc.detail} {details}".strip())
    return redirect("bookings:detail", pk=pk)


def _parse_local(day: str, clock_time: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock_time))
    except (TypeError, ValueError):
        return None


def _prefill(context: Carried, *, profile: MusicianProfile, venues: list[Venue], user) -> dict[str, str]:
    """Form values from the search the producer came from: their venue, the instrument if this
    player plays it, and the window in the venue's own zone (or theirs)."""
    values: dict[str, str] = {}
    venue = next((v for v in venues if v.pk == context.venue_id), None)
    if venue is not None:
        values["venue"] = str(venue.pk)
    elif venues:
        venue = venues[0]
    if context.instrument in {row.instrument.slug for row in profile.instruments.all()}:
        values["instrument"] = context.instrument
    zone = ZoneInfo(venue.time_zone) if venue is not None else user.zone
    values.update(context.local(zone))
    return values


@login_required
@require_http_methods(["GET", "POST"])
def booking_new(request):
    """'Book this player': times in the venue's zone, the musician's rates and availability, a live quote."""
    if not request.user.is_producer:
        messages.error(request, "Only producers can book musicians. Add the producer role in your account.")
        return redirect("home")
    try:
        profile_id = int(request.GET.get("musician") or request.POST.get("musician") or 0)
    except ValueError:
        profile_id = 0
    profile = (
        MusicianProfile.objects.filter(pk=profile_id, status=MusicianProfile.Status.APPROVED, user__is_active=True)
        .select_related("user").prefetch_related("instruments__instrument").first()
    )
    if profile is None:
        raise Http404("No such musician.")
    venues = list(selectors.venues_for_owner(user=request.user))
    values = {
        "kind": "studio_session", "fee_basis": "hourly", "rate": profile.hourly_rate or "", "brief_approach": "chart",
        "time_zone": request.user.time_zone, "venue": str(venues[0].pk) if venues else "",
        "idempotency_key": uuid.uuid4().hex,
        "instrument": next((row.instrument.slug for row in profile.instruments.all() if row.is_primary), ""),
    }
    if request.method == "GET":
        values.update(_prefill(carried(request.GET), profile=profile, venues=venues, user=request.user))
    errors: dict[str, list[str]] = {}
    error = ""
    status = 200
    if request.method == "POST":
        values.update({key: request.POST.get(key, "") for key in request.POST})
        values["doubles"] = request.POST.getlist("doubles")
        start = _parse_local(values.get("date", ""), values.get("start_time", ""))
        end_day = values.get("end_date") or values.get("date", "")
        end = _parse_local(end_day, values.get("end_time", ""))
        if start is None:
            errors["starts_at"] = ["Give the date and start time."]
        if end is None:
            errors["ends_at"] = ["Give the end time."]
        elif start is not None and end < start and not values.get("end_date"):
            end += timedelta(days=1)  # 22:00–02:00 runs past midnight; an end equal to the start is an error
        confirm_long = values.get("confirm_long") == "on"
        fee = {}
        for name in ("rate", "overtime_rate_per_half_hour", "doubling_fee", "cartage_fee", "travel_fee", "per_diem"):
            raw = (values.get(name) or "").strip()
            if raw:
                try:
                    fee[name] = Decimal(raw)
                    if not fee[name].is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    errors[name] = ["Enter an amount, e.g. 180 or 180.50."]
        for name in ("overtime_half_hours", "per_diem_days"):
            raw = (values.get(name) or "").strip()
            if raw:
                if not raw.isdigit() or int(raw) > 60:
                    errors[name] = ["Enter a whole number from 0 to 60."]
                else:
                    fee[name] = int(raw)
        if values.get("fee_basis") not in Booking.FeeBasis.values:
            errors["fee_basis"] = ["Choose how the fee is paid."]
        kind = values.get("kind", "")
        venue = None
        if kind != Booking.Kind.REMOTE_RECORDING:
            venue = int(values["venue"]) if (values.get("venue") or "").isdigit() else None
        if errors:
            # Every problem in one answer: the rules about what was typed well, too.
            raw = {k: v for k, v in values.items() if k not in errors and k not in services.FEE_TERM_FIELDS}
            well_formed = {**raw, **fee, "musician": profile.pk, "venue": venue, "starts_at": start, "ends_at": end,
                           "time_zone": values.get("time_zone") or None, "confirm_long": confirm_long,
                           "fee_basis": values.get("fee_basis") if "fee_basis" not in errors else None}
            for field, field_messages in services.booking_problems(producer=request.user, values=well_formed).items():
                errors.setdefault(field, field_messages)
        if not errors:
            try:
                booking = services.booking_offer(
                    producer=request.user, musician_profile_id=profile.pk, instrument=values.get("instrument", ""),
                    doubles=values["doubles"], kind=kind, venue=venue,
                    time_zone=values.get("time_zone") or None, starts_at=start, ends_at=end,
                    title=values.get("title", ""), brief_style=values.get("brief_style", ""),
                    brief_references=values.get("brief_references", ""),
                    brief_approach=values.get("brief_approach", "chart"), brief_notes=values.get("brief_notes", ""),
                    fee_basis=values["fee_basis"], idempotency_key=f"page:{values.get('idempotency_key', '')[:64]}",
                    fingerprint="page", confirm_long=confirm_long, **fee,
                )
            except DomainError as exc:
                errors, error, status = _error_fields(exc), exc.detail, exc.status_code
            else:
                messages.success(request, f"Offer sent to {profile.display_name}. You'll hear back by "
                                          f"{booking.expires_at.astimezone(request.user.zone):%a %d %b %H:%M}.")
                return redirect("bookings:detail", pk=booking.pk)
        else:
            status = 400
            error = "Some fields need attention: see the messages next to them."
    context = {
        "profile": profile,
        "venues": venues,
        "values": values,
        "errors": errors,
        "error": error,
        "kinds": Booking.Kind.choices,
        "approaches": Booking.Approach.choices,
        "fee_bases": Booking.FeeBasis.choices,
        "time_zones": sorted(available_time_zones()),
        "long_error": any("really runs this long" in m for m in errors.get("ends_at", [])),
    }
    for venue_row in venues:
        venue_row.zone_label = zone_label(venue_row.time_zone)
    return render(request, "bookings/new.html", context, status=status)


# --- Musician pages -----------------------------------------------------------------------------


@login_required
@require_GET
def gigs(request):
    """My gigs, phone first: incoming offers with big buttons, then upcoming gigs with map and materials."""
    now = clock.now()
    data = selectors.gigs_for_musician(user=request.user, now=now)
    for booking in (*data["offers"], *data["upcoming"]):
        booking.status_info = _status_of(booking, now)
    for booking in data["upcoming"]:
        booking.ics_url = event_ics_path(booking)
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(request, "bookings/gigs.html", {**data, "feed": feed, "fee_bases": Booking.FeeBasis.choices})


@login_required
@require_POST
def calendar_rotate(request):
    services.calendar_feed_rotate(user=request.user)
    messages.success(request, "Your calendar link was replaced. Subscribe again with the new link; the old one no longer works.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "bookings:gigs")


@login_required
@require_http_methods(["GET", "POST"])
def venues(request):
    if not request.user.is_producer:
        raise Http404
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {"time_zone": ""}
    status = 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in
                  ("name", "address", "city", "place", "latitude", "longitude", "time_zone", "notes")}
        # The position comes from the place search or the map's pin (hidden fields the page's script fills);
        # nobody types coordinates, so unreadable ones mean "no pin" and the typed place decides.
        coords: dict[str, float | None] = {"latitude": None, "longitude": None}
        try:
            if values["latitude"] and values["longitude"]:
                coords = {"latitude": float(values["latitude"]), "longitude": float(values["longitude"])}
        except ValueError:
            pass
        for name in ("name", "address"):
            if not values[name]:
                errors[name] = ["This field is required."]
        if not errors:
            try:
                venue = services.venue_create(owner=request.user, name=values["name"], address=values["address"],
                                              city=values["city"], place=values["place"], time_zone=values["time_zone"],
                                              notes=values["notes"], **coords)
            except DomainError as exc:
                errors = _error_fields(exc)
            else:
                messages.success(request, f"Added {venue.name}.")
                back = request.POST.get("next", "")
                return redirect(back if back.startswith("/") and not back.startswith("//") else "bookings:venues")
        status = 400
    context = {"venues": selectors.venues_for_owner(user=request.user), "values": values, "errors": errors,
               "time_zones": sorted(available_time_zones()), "next": request.GET.get("next", ""),
               "map_tile_url": settings.MAP_TILE_URL, "map_attribution": settings.MAP_TILE_ATTRIBUTION}
    return render(request, "bookings/venues.html", context, status=status)


@login_required
@require_POST
def venue_place(request, pk: int):
    """Move one of the producer's venues to a newly typed place (or a pin dropped on the map)."""
    if not request.user.is_producer:
        raise Http404
    changes: dict = {"place": request.POST.get("place", "").strip()}
    try:
        pin = {"latitude": float(request.POST["latitude"]), "longitude": float(request.POST["longitude"])}
    except (KeyError, ValueError):
        pin = {}
    changes.update(pin)
    try:
        venue = services.venue_update(owner=request.user, venue_id=pk, **changes)
    except DomainError as exc:
        text = " ".join(message for messages_ in _error_fields(exc).values() for message in messages_)
        messages.error(request, text or exc.detail)
    else:
        messages.success(request, f"{venue.name} is now at {venue.place}.")
    return redirect("bookings:venues")


@login_required
@require_GET
def offers(request):
    """One place for every open offer: booking offers and short-notice requests, newest first."""
    from bookings.gigrequests import selectors as gig_selectors
    from bookings.gigrequests.messages import fee_text, fmt, slot_quote, when_text, where_text

    now = clock.now()
    rows = []
    for booking in selectors.gigs_for_musician(user=request.user, now=now)["offers"]:
        booking.status_info = _status_of(booking, now)
        rows.append({"kind": "booking", "at": booking.created_at, "booking": booking})
    invitations = gig_selectors.offer_list_for_musician(user=request.user, now=now).select_related(
        "musician__musician_profile")[:100]
    for invitation in invitations:
        gig = invitation.request
        invitation.when, invitation.where = when_text(gig, request.user), where_text(gig)
        invitation.fee, invitation.quote = fee_text(gig, invitation), slot_quote(gig, invitation)
        invitation.deadline_text = fmt(invitation.deadline, request.user.zone)
        rows.append({"kind": "short_notice", "at": invitation.sent_at, "invitation": invitation})
    rows.sort(key=lambda row: row["at"], reverse=True)
    return render(request, "bookings/offers.html", {"rows": rows})
