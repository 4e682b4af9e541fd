"""Reputation on pages: stars, aspect scores, and the block the public profile shows."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from gigbook.core import clock
from trust import selectors
from trust.reasons import REVIEW_ASPECTS

register = template.Library()


@register.simple_tag
def stars(rating) -> str:
    rating = int(rating or 0)
    return format_html('<span class="trust-stars" role="img" aria-label="{} out of 5 stars">{}{}</span>',
                       rating, "★" * rating, "☆" * (5 - rating))


@register.inclusion_tag("trust/_aspects.html")
def aspect_list(review):
    labels = REVIEW_ASPECTS.get(review.direction, {})
    return {"aspects": [(labels[key], value) for key, value in review.aspects.items() if key in labels]}


@register.inclusion_tag("trust/_reputation_line.html")
def reputation_line(reputation):
    return {"rep": reputation}


@register.inclusion_tag("trust/profile_reputation.html", takes_context=True)
def profile_reputation(context, profile):
    """Ratings, reviews, "vouched for by", rehired-by and gigs-completed figures for a profile page.

    Queries: bookings per producer (1), endorsements (1), reviews (1), and for a signed-in
    musician one more to offer "vouch" only to those who played together.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    reputation = selectors.profile_reputation(profile=profile)
    reviews = list(selectors.reviews_visible(profile_id=profile.pk, now=clock.now())[:10])
    can_vouch = bool(
        user and user.is_authenticated and user.is_musician and user.pk != profile.user_id
        and selectors.played_together(user_id=user.pk, other_user_id=profile.user_id)
    )
    return {
        "profile": profile,
        "rep": reputation,
        "reviews": reviews,
        "can_vouch": can_vouch,
        "can_report": bool(user and user.is_authenticated and user.pk != profile.user_id),
        "vouchers": _group_vouches(reputation.vouches),
    }


def _group_vouches(vouches) -> list[dict]:
    """One line per endorser: "Ben Bass (bass guitar, funk)"."""
    grouped: dict[int, dict] = {}
    for vouch in vouches:
        endorser = vouch.endorser
        profile = getattr(endorser, "musician_profile", None)
        entry = grouped.setdefault(endorser.pk, {
            "name": profile.display_name if profile else endorser.greeting_name,
            "url": profile.get_absolute_url() if profile and profile.is_public else "",
            "skills": [],
            "notes": [],
        })
        entry["skills"].append(vouch.skill_name)
        if vouch.note:
            entry["notes"].append(vouch.note)
    return list(grouped.values())


@register.simple_tag(takes_context=True)
def pending_review_count(context) -> int | None:
    """For the staff menu: profiles waiting for review (None when the user cannot see the queue)."""
    request = context.get("request")
    return selectors.pending_review_count(user=request.user) if request is not None else None
