"""Pages: reviews, reports, vouching, recommendations. Each POST calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bookings.models import Booking
from bookings.phone import OFFER_PURPOSE
from gigbook.core import clock
from gigbook.core.errors import DomainError, NotFound
from gigbook.core.tokens import TokenExpired, TokenInvalid, action_token_read
from musicians.selectors import profile_get_public
from trust import selectors, services
from trust.forms import RecommendForm, ReplyForm, ReportForm, ReviewForm, VouchForm
from trust.models import Recommendation, Review
from trust.reasons import REVIEW_ASPECTS


def _apply_errors(form, exc: DomainError) -> None:
    """Put a service's field errors next to the form's fields; the rest on top of the form."""
    if not exc.fields:
        form.add_error(None, exc.detail)
        return
    for field, problems in exc.fields.items():
        problems = problems if isinstance(problems, list) else [problems]
        target = field if field in form.fields else None
        for problem in problems:
            form.add_error(target, str(problem))


# --- Reviews -------------------------------------------------------------------------------------


def _direction(user, booking: Booking) -> str:
    return Review.Direction.OF_MUSICIAN if user.pk == booking.producer_id else Review.Direction.OF_PRODUCER


@login_required
def reviews_page(request):
    now = clock.now()
    to_write = list(selectors.bookings_to_review(user=request.user, now=now)[:50])
    for booking in to_write:
        booking.form = ReviewForm(direction=_direction(request.user, booking), prefix=f"b{booking.pk}")
        booking.other = booking.musician if request.user.pk == booking.producer_id else booking.producer
    reviews = list(selectors.reviews_for_user(user=request.user, now=now)[:100])
    written = [r for r in reviews if r.author_id == request.user.pk]
    about_me = [r for r in reviews if r.subject_id == request.user.pk]
    for review in written:
        review.visible_now = review.is_published(now)
    for review in about_me:
        if not review.replied_at:
            review.reply_form = ReplyForm(prefix=f"r{review.pk}")
    context = {
        "to_write": to_write, "written": written, "about_me": about_me,
        "reports": selectors.reports_for_user(user=request.user)[:20], "aspects": REVIEW_ASPECTS,
    }
    return render(request, "trust/reviews.html", context)


@login_required
def review_write(request, booking_id: int):
    booking = (
        Booking.objects.filter(pk=booking_id).select_related("producer", "musician", "instrument", "venue").first()
    )
    if booking is None or not booking.is_party(request.user):
        raise Http404("No such booking.")
    direction = _direction(request.user, booking)
    form = ReviewForm(request.POST or None, direction=direction, prefix=f"b{booking.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            services.review_create(author=request.user, booking_id=booking.pk, rating=form.cleaned_data["rating"],
                                   text=form.cleaned_data["text"], aspects=form.aspects())
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Thanks! Your review will be shown once you have both reviewed, or after 30 days.")
            return redirect("trust:reviews")
    booking.other = booking.musician if direction == Review.Direction.OF_MUSICIAN else booking.producer
    return render(request, "trust/review_write.html", {"booking": booking, "form": form})


@login_required
@require_POST
def review_reply(request, review_id: int):
    form = ReplyForm(request.POST, prefix=f"r{review_id}")
    if form.is_valid():
        try:
            services.review_reply(author=request.user, review_id=review_id, text=form.cleaned_data["text"])
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Your reply is shown under the review.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("trust:reviews")


# --- Reports -------------------------------------------------------------------------------------


def _report(request, *, title: str, back: str, profile_id: int | None = None, review_id: int | None = None):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, reason=form.cleaned_data["reason"],
                                   details=form.cleaned_data["details"], profile_id=profile_id, review_id=review_id)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Thanks for telling us. A moderator will look into it, and we will tell you "
                                      "what we decided.")
            return redirect(back)
    return render(request, "trust/report.html", {"form": form, "title": title, "back": back})


@login_required
def report_profile(request, profile_id: int):
    try:
        profile = profile_get_public(profile_id=profile_id, viewer=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return _report(request, title=f"Report {profile.display_name}'s profile", back=profile.get_absolute_url(),
                   profile_id=profile.pk)


@login_required
def report_review(request, review_id: int):
    review = Review.objects.select_related("subject__musician_profile").filter(pk=review_id).first()
    if review is None or not review.is_visible(clock.now()):
        raise Http404("No such review.")
    profile = getattr(review.subject, "musician_profile", None)
    back = profile.get_absolute_url() if profile and review.direction == Review.Direction.OF_MUSICIAN else "/reviews/"
    return _report(request, title="Report a review", back=back, review_id=review.pk)


# --- Vouching ------------------------------------------------------------------------------------


@login_required
def vouch_page(request, profile_id: int):
    try:
        profile = profile_get_public(profile_id=profile_id, viewer=None)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = VouchForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        kind, slug = form.cleaned_data["skill"].split(":", 1)
        try:
            services.endorsement_create(endorser=request.user, profile_id=profile.pk, note=form.cleaned_data["note"],
                                        **{kind: slug})
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"You vouched for {profile.display_name}. Thanks for passing the word on.")
            return redirect(profile.get_absolute_url())
    return render(request, "trust/vouch.html", {"profile": profile, "form": form})


# --- Recommendations -----------------------------------------------------------------------------


@login_required
def recommendation_page(request, recommendation_id: int):
    """The producer's one-tap page: who was recommended, whether they are free, send the offer."""
    from musicians.selectors import musician_is_free

    try:
        rec = selectors.recommendation_get_for_producer(user=request.user, recommendation_id=recommendation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if request.method == "POST":
        try:
            if request.POST.get("action") == "dismiss":
                services.recommendation_dismiss(recommendation_id=rec.pk, actor=request.user)
                messages.success(request, "Dismissed.")
                return redirect("trust:recommendation", recommendation_id=rec.pk)
            booking = services.recommendation_send_offer(recommendation_id=rec.pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.detail + "".join(
                f" {m}" for msgs in (exc.fields or {}).values() for m in (msgs if isinstance(msgs, list) else [msgs])
            ))
            return redirect("trust:recommendation", recommendation_id=rec.pk)
        messages.success(request, f"Offer sent to {rec.recommended.display_name}.")
        return redirect(f"/bookings/{booking.pk}/")
    original = rec.booking
    free = musician_is_free(profile=rec.recommended, starts_at=original.starts_at, ends_at=original.ends_at)
    reputation = selectors.profile_reputation(profile=rec.recommended)
    context = {"rec": rec, "original": original, "free": free, "reputation": reputation,
               "started": clock.now() >= original.starts_at, "Status": Recommendation.Status}
    return render(request, "trust/recommendation.html", context)


def _recommend(request, booking: Booking, *, actor, token=None, action_url: str):
    q = (request.GET.get("q") or "").strip()[:80]
    candidates = selectors.recommendation_candidates(booking=booking, user=booking.musician, q=q)
    form = RecommendForm(request.POST or None, candidates=candidates)
    existing = Recommendation.objects.filter(booking=booking).select_related("recommended").first()
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            services.recommendation_create(booking_id=booking.pk, recommended_profile_id=int(form.cleaned_data["recommended"]),
                                           note=form.cleaned_data["note"], actor=actor, token=token)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Thanks! We passed your recommendation on to the producer.")
            return redirect(action_url)
    context = {"booking": booking, "form": form, "q": q, "existing": existing, "action_url": action_url,
               "declined": booking.status == Booking.Status.DECLINED}
    return render(request, "trust/recommend.html", context)


@login_required
def recommend_page(request, booking_id: int):
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").filter(
        pk=booking_id, musician=request.user).first()
    if booking is None:
        raise Http404("No such booking.")
    return _recommend(request, booking, actor=request.user,
                      action_url=reverse("trust:recommend", kwargs={"booking_id": booking.pk}))


def recommend_by_link(request, token: str):
    """The same page from the offer's phone link (no sign-in), after declining on the phone."""
    try:
        parsed = action_token_read(token, purpose=OFFER_PURPOSE)
    except (TokenInvalid, TokenExpired) as exc:
        return render(request, "trust/link_problem.html", {"detail": exc.detail}, status=exc.status_code)
    booking = Booking.objects.select_related("producer", "musician", "instrument", "venue").filter(
        pk=parsed.subject_id, musician_id=parsed.user_id).first()
    if booking is None:
        raise Http404("No such booking.")
    return _recommend(request, booking, actor=None, token=parsed,
                      action_url=reverse("trust:recommend-link", kwargs={"token": token}))
