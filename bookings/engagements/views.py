"""Engagement pages: the producer's list and per-date status table, the musician's phone page of
the offer with a choice per date (signed in, or from the link in the message), and the producer's
form. Each button is one service call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.engagements import forms, selectors, services
from bookings.engagements.messages import date_line
from bookings.engagements.models import Engagement
from bookings.models import Booking, Venue
from bookings.phone import phone_token_read
from bookings.views import _status_of
from gigbook.core import clock
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_is_spent
from musicians.models import Instrument, MusicianProfile


def _rows(engagement: Engagement, viewer, now) -> list[dict]:
    rows = []
    for date in engagement.dates.all():
        booking = date.booking
        rows.append({"date": date, "booking": booking, "status": _status_of(booking, now),
                     "line": date_line(booking, viewer)})
    return rows


def _context(engagement: Engagement, viewer, now, **extra) -> dict:
    rows = _rows(engagement, viewer, now)
    status = engagement.effective_status(now)
    open_count = sum(1 for row in rows if row["status"]["value"] == Booking.Status.OFFERED)
    return {
        "engagement": engagement, "rows": rows, "state": status,
        "can_answer": status == Engagement.Status.OFFERED and viewer.pk == engagement.musician_id,
        "can_withdraw": status == Engagement.Status.OFFERED and viewer.pk == engagement.producer_id and open_count > 0,
        "open_count": open_count,
        "total": sum((row["booking"].fee_total for row in rows), 0),
        "is_producer": viewer.pk == engagement.producer_id, "error": "", "errors": {}, **extra,
    }


@login_required
@require_GET
def engagement_list(request):
    user = request.user
    engagements = list(selectors.engagement_list_for_user(user=user))
    return render(request, "engagements/list.html", {
        "sent": [e for e in engagements if e.producer_id == user.pk],
        "received": [e for e in engagements if e.musician_id == user.pk],
        "now": clock.now(),
    })


@login_required
@require_GET
def engagement_detail(request, pk: int):
    try:
        engagement = selectors.engagement_get_for_user(user=request.user, engagement_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    context = _context(engagement, request.user, clock.now())
    template = "engagements/detail.html" if context["is_producer"] else "engagements/offer.html"
    return render(request, template, context)


def _answer(request, engagement_id: int, actor, token=None) -> str:
    """One answer from the phone page's form; returns the error to show ("" when it worked)."""
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    try:
        if action == "accept":
            chosen = request.POST.getlist("bookings")
            picked = None
            if request.POST.get("choose") == "1":
                try:
                    picked = [int(value) for value in chosen]
                except ValueError:
                    return "Choose dates of this engagement."
            services.engagement_accept(engagement_id=engagement_id, actor=actor, bookings=picked, note=note,
                                       token=token)
        elif action == "decline":
            services.engagement_decline(engagement_id=engagement_id, actor=actor, note=note, token=token)
        else:
            return "Choose accept or decline."
    except DomainError as exc:
        details = " ".join(m for ms in exc.fields.values() for m in ms)
        return f"{exc.detail} {details}".strip() if exc.detail != "Some fields are invalid." else details
    return ""


@login_required
@require_POST
def engagement_answer(request, pk: int):
    error = _answer(request, pk, request.user)
    if error:
        try:
            engagement = selectors.engagement_get_for_user(user=request.user, engagement_id=pk)
        except NotFound as exc:
            raise Http404 from exc
        return render(request, "engagements/offer.html", _context(engagement, request.user, clock.now(), error=error),
                      status=409)
    messages.success(request, "Answer sent.")
    return redirect("engagements:detail", pk=pk)


@login_required
@require_POST
def engagement_withdraw(request, pk: int):
    """The producer's "Withdraw the offer": every open date, or the ticked ones."""
    picked = None
    if request.POST.get("choose") == "1":
        try:
            picked = [int(value) for value in request.POST.getlist("bookings")]
        except ValueError:
            picked = []
    try:
        engagement = services.engagement_withdraw(engagement_id=pk, actor=request.user, bookings=picked,
                                                  note=request.POST.get("note", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        details = " ".join(m for ms in exc.fields.values() for m in ms)
        text = details if exc.detail == "Some fields are invalid." else f"{exc.detail} {details}".strip()
        try:
            engagement = selectors.engagement_get_for_user(user=request.user, engagement_id=pk)
        except NotFound as missing:
            raise Http404 from missing
        if engagement.producer_id != request.user.pk:
            raise Http404 from exc  # the musician's page has no withdraw button to post from
        return render(request, "engagements/detail.html",
                      _context(engagement, request.user, clock.now(), error=text), status=409)
    if engagement.status == Engagement.Status.WITHDRAWN:
        messages.success(request, f"Offer withdrawn. {engagement.musician.greeting_name} has been told.")
    else:
        messages.success(request, f"Dates withdrawn. {engagement.musician.greeting_name} has been told; "
                                  "the other dates are still offered.")
    return redirect("engagements:detail", pk=pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def offer_link(request, token: str):
    """The engagement offer from the SMS/email link, without a password. GET only shows (link
    scanners open links); POST answers and spends the link in the same transaction."""
    try:
        parsed, spent = phone_token_read(token, purpose=services.OFFER_PURPOSE)
    except TokenExpired:
        return render(request, "bookings/link_problem.html", {"expired": True}, status=410)
    except TokenInvalid:
        return render(request, "bookings/link_problem.html", {"expired": False}, status=400)
    engagement = Engagement.objects.filter(pk=parsed.subject_id, musician_id=parsed.user_id).select_related(
        "musician").first()
    if engagement is None:
        return render(request, "bookings/link_problem.html", {"expired": False}, status=404)
    musician = engagement.musician
    error = ""
    if request.method == "POST":
        error = _answer(request, engagement.pk, musician, token=parsed)
        if not error:
            return redirect(reverse("engagements:offer-link", kwargs={"token": token}))
        spent = action_token_is_spent(parsed)
    engagement = selectors.engagement_get_for_user(user=musician, engagement_id=engagement.pk)
    context = _context(engagement, musician, clock.now(), error=error, token=token, spent=spent)
    context["can_answer"] = context["can_answer"] and not spent
    return render(request, "engagements/offer.html", context, status=409 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request):
    if not request.user.is_producer:
        raise Http404
    venues = list(Venue.objects.filter(owner=request.user).order_by("name"))
    musicians = list(MusicianProfile.objects.filter(status=MusicianProfile.Status.APPROVED)
                     .select_related("user").order_by("stage_name")[:200])
    data = request.POST if request.method == "POST" else None
    instruments = list(Instrument.objects.order_by("name").values_list("slug", "name"))
    context = {"venues": venues, "musicians": musicians, "instruments": instruments, "kinds": Booking.Kind.choices,
               "error": "", "data": data,
               "rows": forms.rows_for_page(data), "fee_bases": Booking.FeeBasis.choices}
    if data is not None:
        try:
            parsed = forms.parse(data)
            if data.get("action") == "check":
                context["check"] = services.engagement_preview(producer=request.user, **parsed.preview_args())
            else:
                engagement = services.engagement_offer(producer=request.user, **parsed.offer_args())
                messages.success(request, "Engagement offer sent.")
                return redirect("engagements:detail", pk=engagement.pk)
        except DomainError as exc:
            context["error"] = exc.detail if exc.detail != "Some fields are invalid." else ""
            context["errors"] = [m for ms in exc.fields.values() for m in ms]
    return render(request, "engagements/new.html", context, status=200 if not context["error"] and not context.get(
        "errors") else 400)
