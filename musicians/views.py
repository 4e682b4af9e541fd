"""Pages: the producer's search, the public profile (press kit) and the musician's editor.

The search page renders on the server with the same validation and selector as the API, so it
works without JavaScript and reads well in a screen reader; the editor is a static-JS client of
the profile API.
"""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import mark_safe

from gigbook.core.api import all_errors
from gigbook.core.carry import carried
from gigbook.core.errors import NotFound
from musicians import producer_context, search_context, selectors, services
from musicians.api.pagination import CappedPaginator
from musicians.api.serializers import BlockOutSerializer, OwnProfileSerializer, SearchParamsSerializer
from musicians.api.views import CARD_COLUMNS
from musicians.calendar_import import selectors as calendar_selectors
from musicians.cities import CITIES
from musicians.currencies import COMMON_CURRENCIES, CURRENCIES
from musicians.models import Instrument, MusicianProfile, ProfileInstrument, UnavailabilityBlock
from musicians.selectors import READS_FIELDS
from musicians.services import REVIEW_FIELDS, language_choices

PAGE_SIZE = 20
ORDERING_LABELS = [
    ("-rating", "Best rated"), ("rate", "Lowest rate"), ("distance", "Nearest"), ("experience", "Most experienced"),
]
RATE_KIND_LABELS = [("hourly", "Hourly"), ("session", "3-hour session"), ("day", "Day"), ("live", "Live show")]
# The editor's words for the states (static/js/musicians-editor.js uses the same).
EDITOR_STATUS_TEXT = {
    "draft": "Draft", "pending": "Waiting for review", "approved": "Live", "rejected": "Needs changes",
    "suspended": "Suspended",
}
READS_LABELS = {"notation": "Standard notation", "chords": "Chord charts", "nashville": "Nashville numbers"}


def _instrument_groups():
    families = dict(Instrument.Family.choices)
    rows = selectors.instrument_list()
    return [(families.get(family, family), list(items)) for family, items in groupby(rows, key=lambda i: i.family)]


def _currency_options():
    return list(COMMON_CURRENCIES) + sorted(CURRENCIES - set(COMMON_CURRENCIES))


def _city_options():
    return [{"name": f"{name}, {country}", "value": f"{lat},{lng}"} for name, country, lat, lng, _ in CITIES]


def search_page(request):
    # Empty form fields mean "no filter". The currency belongs to the maximum rate on this form.
    query = request.GET.copy()
    for key in list(query):
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            query.setlist(key, values)
        else:
            del query[key]
    if "max_rate" not in query:
        query.pop("currency", None)
    searched = any(key != "page" for key in query)
    # The producer's own venue stands for its map position; the chips show the venue, not the numbers.
    shown = query.copy()
    venue = search_context.venue_choice(query, request.user)
    if venue.chosen is not None:
        shown.pop("near", None)
    params = SearchParamsSerializer.from_query(query)
    zone = request.user.zone if request.user.is_authenticated else timezone.get_default_timezone()
    with timezone.override(zone):
        shape_valid = params.is_valid()
        shape_errors = {} if shape_valid else all_errors(params)  # every bad filter at once
        valid = shape_valid and not venue.error
    page = None
    rate_kind = "hourly"
    if valid:
        kwargs = params.search_kwargs()
        rate_kind = kwargs["rate_kind"]
        queryset = selectors.musician_search(**kwargs).only(*CARD_COLUMNS, "user__full_name", "user__display_name")
        page = CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        stale = calendar_selectors.stale_profile_ids([m.pk for m in page.object_list])
        for m in page.object_list:
            m.calendar_out_of_date = m.pk in stale
    validated = params.validated_data if valid else None
    errors = {} if valid else {**shape_errors, **({"venue": [venue.error]} if venue.error else {})}
    groups = _instrument_groups()
    genres = list(selectors.genre_list())
    cities = _city_options()
    carry_qs = search_context.carry(validated=validated, shown=shown, venue=venue)
    if page is not None and request.user.is_authenticated and request.user.is_producer:
        _mark_first_call(page.object_list, request.user, searched=shown.getlist("instrument"))
    with timezone.override(zone):
        chips = search_context.chips(
            shown=shown, validated=validated, venue=venue,
            names={"instrument": {i.slug: i.name for _, items in groups for i in items},
                   "genre": {g.slug: g.name for g in genres}},
            cities={c["value"]: c["name"] for c in cities}, rate_kinds=dict(RATE_KIND_LABELS), reads=READS_LABELS,
        )
    keep = shown.copy()
    keep.pop("page", None)
    context = {
        "chips": chips,
        "carry_qs": carry_qs,
        "venue_choice": venue,
        "values": request.GET,
        "selected_instruments": request.GET.getlist("instrument"),
        "selected_reads": request.GET.getlist("reads"),
        "errors": errors,
        "searched": searched,
        "page": page,
        "rate_kind": rate_kind,
        "search_currency": params.validated_data.get("currency") if valid else None,
        "rate_kind_label": dict(RATE_KIND_LABELS)[rate_kind],
        "query_without_page": keep.urlencode(),
        "instrument_groups": groups,
        "genres": genres,
        "currencies": _currency_options(),
        "cities": cities,
        "orderings": ORDERING_LABELS,
        "rate_kinds": RATE_KIND_LABELS,
        "reads_options": [(key, READS_LABELS[key]) for key in READS_FIELDS],
    }
    return render(request, "musicians/search.html", context, status=200 if valid else 400)


def _mark_first_call(cards, user, *, searched: list[str]) -> None:
    """Each card's instrument for "Add to first call" (the searched one, else their main one) and
    whether the player is already on that list: one query for the whole page."""
    pairs = producer_context.first_call(user)
    for card in cards:
        main = next((row.instrument.slug for row in card.instruments.all() if row.is_primary), "")
        card.call_instrument = searched[0] if searched else main
        card.on_first_call = (card.user_id, card.call_instrument) in pairs


def profile_page(request, profile_id: int):
    try:
        profile = selectors.profile_get_public(profile_id=profile_id, viewer=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    languages = dict(language_choices())
    context = {
        "profile": profile,
        "languages": [languages.get(code, code) for code in profile.languages],
        "reads": [label for key, label in READS_LABELS.items() if getattr(profile, READS_FIELDS[key])],
        "share_url": request.build_absolute_uri(profile.get_absolute_url()),
        **_profile_actions(request, profile),
        "is_preview": profile.status != MusicianProfile.Status.APPROVED,
        "is_owner": request.user.is_authenticated and profile.user_id == request.user.pk,
        "calendar_out_of_date": bool(calendar_selectors.stale_profile_ids([profile.pk])),
    }
    context.update(_share_meta(request, profile, share_url=context["share_url"]))
    return render(request, "musicians/profile.html", context)


def _profile_actions(request, profile: MusicianProfile) -> dict:
    """Book, short-notice, pencil and first-call, carrying the search's window, instrument and venue."""
    context = carried(request.GET)
    plays = [row.instrument.slug for row in profile.instruments.all()]
    if context.instrument not in plays:
        context = replace(context, instrument="")
    carry_qs = "&".join(filter(None, [urlencode({"musician": profile.pk}), context.query()]))
    main = next((row.instrument.slug for row in profile.instruments.all() if row.is_primary), plays[0] if plays else "")
    call_instrument = context.instrument or main
    return {
        "book_url": f"/bookings/new/?{carry_qs}",
        "hold_url": f"/holds/new/?{carry_qs}",
        "request_url": f"/gig-requests/new/?{carry_qs}",
        "call_instrument": call_instrument,
        "on_first_call": (profile.user_id, call_instrument) in producer_context.first_call(request.user),
        "carried_window": context.starts_at is not None,
    }


# Same escapes as Django's json_script: "</script>" or "<!--" in a musician's text cannot end the block.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _share_meta(request, profile: MusicianProfile, *, share_url: str) -> dict:
    """What a link preview (Open Graph, Twitter card) and search engines (schema.org Person) read.

    Only the profile row's own values, which are the approved ones (edits waiting for review live in
    ``pending_changes``), and only the city: never the home position.
    """
    name = profile.display_name
    instruments = [row.instrument.name for row in profile.instruments.all()]
    genres = [row.genre.name for row in profile.genres.all()]
    plays = ", ".join(instruments) or "Session musician"
    description = f"{name}: {plays}" + (f", based in {profile.city}" if profile.city else "") + "."
    if profile.headline:
        description += f" {profile.headline}"
    image = request.build_absolute_uri(profile.photo.url if profile.photo else static("icons/gigbook-512.png"))
    person = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": name,
        "url": share_url,
        "image": image,
        "jobTitle": "Session musician",
        "description": profile.headline or description,
        "knowsAbout": instruments + genres,
    }
    if profile.city:
        person["address"] = {"@type": "PostalAddress", "addressLocality": profile.city}
    json_ld = json.dumps(person, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return {
        "meta_title": f"{name} – {plays} | GigBook",
        "meta_description": description,
        "og_image": image,
        "has_photo": bool(profile.photo),
        "person_json_ld": mark_safe(json_ld),  # noqa: S308 - escaped above like json_script
    }


@login_required
def editor_page(request):
    if not request.user.is_musician:
        raise PermissionDenied("Only musician accounts have a profile.")
    profile = services.profile_start(user=request.user)
    profile = selectors.profile_for_owner(user=request.user)
    blocks = selectors.blocks_for_owner(user=request.user)
    calendars = list(calendar_selectors.calendars_for_owner(user_id=request.user.pk))
    for calendar in calendars:
        calendar.state = calendar_selectors.calendar_state(calendar)
    context = {
        "calendars": calendars,
        "calendar_stale_hours": settings.CALENDAR_IMPORT_STALE_HOURS,
        "profile": profile,
        "initial": json.loads(json.dumps(OwnProfileSerializer(profile).data, default=str)),
        "blocks": BlockOutSerializer(blocks, many=True).data,
        "instrument_groups": _instrument_groups(),
        "genres": selectors.genre_list(),
        "skills": ProfileInstrument.Skill.choices,
        "currencies": _currency_options(),
        "cities": _city_options(),
        "languages": language_choices(),
        "weekdays": list(enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])),
        "block_kinds": UnavailabilityBlock.Kind.choices,
        "review_fields": REVIEW_FIELDS,
        "time_zone": request.user.time_zone,
        "status_text": EDITOR_STATUS_TEXT.get(profile.status, profile.status),
        # Rendered on the server too, so the status panel does not jump when the script fills it.
        "missing": [
            step for step in selectors.profile_completeness(profile) if step.required and not step.done
        ] if profile.status in (MusicianProfile.Status.DRAFT, MusicianProfile.Status.REJECTED) else [],
    }
    return render(request, "musicians/editor.html", context)


@login_required
def start_page(request):
    """The new musician's "finish your profile" checklist: the steps left, each a link into the editor.

    The steps come from selectors.profile_completeness (shared with the editor and submit).
    """
    if not request.user.is_musician:
        raise Http404
    profile = services.profile_start(user=request.user)
    steps = selectors.profile_completeness(profile)
    submitted = profile.status not in (MusicianProfile.Status.DRAFT, MusicianProfile.Status.REJECTED)
    user = request.user
    return render(request, "musicians/start.html", {
        "profile": profile,
        "steps": steps,
        "steps_left": sum(1 for step in steps if not step.done) + (0 if submitted else 1),
        "ready": all(step.done for step in steps if step.required),
        "submitted": submitted,
        "phone_waiting": bool(user.phone) and not user.phone_verified,
    })
