"""A cached search page for an anonymous client, answered before DRF sets up a request.

Most directory traffic is anonymous and repeats a few searches, so most search requests are
cache hits. Measured in process, a hit spent most of its Python time not on the cache but on
DRF around it: wrapping the request, two authenticators, content negotiation, permission and
throttle set-up, finalising the response. None of it changes the answer for a request that
carries no credentials and asks for JSON: such a request is anonymous, its time zone is the
default one and its renderer is JSONRenderer, so its page key and throttle counter are known
from the request alone. ``answer_cached_pages`` puts a small function in front of the view
that does the one Redis round trip (version, page, throttle counter) itself and returns the
stored bytes with the headers DRF would have added. Every other case goes through the view
unchanged, with the round trip's answer passed along (``SearchLookup``) so a miss or a 429 is
counted once, not twice:

- a miss (the view runs the search and stores the page) or a client over its rate (DRF answers
  429 in its own words, Retry-After included);
- a request with an ``Authorization`` header or a signed-in session (their throttle is per
  account, their zone may differ), a method other than GET, a ``format`` parameter, or an Accept
  header DRF would not answer with JSON.

The middleware runs on both paths alike (it is outside the view), so the security headers, the
CSP, gzip and ``Vary: Cookie`` come out the same; tests/musicians/test_search_fast_path.py
compares the two answers header by header and byte by byte.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from gigbook.core.throttling import FixedWindowThrottle
from musicians import cache as search_cache


@dataclass(frozen=True, slots=True)
class SearchLookup:
    """What the fast path's round trip found, for the view to use instead of making its own."""

    page_key: str
    counter: str
    body: bytes | None
    version: object
    count: int


def page_key(request, zone) -> str | None:
    # The view's key too (MusicianSearchView.check_throttles): the whole URL, as it ends up in the
    # "next"/"previous" links, and the zone naive times are read in.
    return search_cache.page_key({"url": request.build_absolute_uri(), "zone": str(zone)})


@functools.lru_cache(maxsize=64)
def _json_for(accept: str, renderer_classes: tuple) -> bool:
    """Whether DRF's negotiation picks JSONRenderer for this Accept header (no format parameter)."""

    class Probe:  # what DefaultContentNegotiation reads of a request
        query_params: dict = {}
        headers = {"accept": accept}
        META = {"HTTP_ACCEPT": accept}

    try:
        renderer, _ = DefaultContentNegotiation().select_renderer(Probe(), [cls() for cls in renderer_classes])
    except NotAcceptable:  # the view answers 406
        return False
    return type(renderer) is JSONRenderer


def _anonymous_json_get(request, renderer_classes: tuple) -> bool:
    meta = request.META
    if request.method != "GET" or "HTTP_AUTHORIZATION" in meta:  # a token (or a bad one: DRF answers 401)
        return False
    # The session's user: what DRF's SessionAuthentication would find. UserTimezoneMiddleware has
    # looked it up already, so this costs nothing; a session cookie of nobody signed in is anonymous.
    user = getattr(request, "user", None)  # None: no middleware (a RequestFactory request)
    if user is None or user.is_authenticated:
        return False
    # DRF's test client marks requests it signs in this way, with no header or cookie.
    if getattr(request, "_force_auth_user", None) is not None or getattr(request, "_force_auth_token", None):
        return False
    override = api_settings.URL_FORMAT_OVERRIDE
    if override and override in meta.get("QUERY_STRING", "") and override in request.GET:
        return False
    accept = meta.get("HTTP_ACCEPT", "*/*")
    return len(accept) <= 200 and _json_for(accept, renderer_classes)  # long ones: not worth a cache slot


def answer_cached_pages(view, view_class, initkwargs: dict):
    """Wrap ``view`` (MusicianSearchView.as_view()) so anonymous cache hits skip DRF."""
    probe = view_class(**initkwargs)
    probe.head = probe.get  # as View.setup() does, so Allow lists HEAD like the view's answers
    drf_headers = probe.default_response_headers
    vary = [part.strip() for part in drf_headers.pop("Vary", "").split(",") if part.strip()]
    renderer_classes = tuple(probe.renderer_classes)

    @functools.wraps(view)  # keeps .cls, .initkwargs, csrf_exempt: URL reversal and the schema see the view
    def search(request, *args, **kwargs):
        if not _anonymous_json_get(request, renderer_classes):
            return view(request, *args, **kwargs)
        key = page_key(request, timezone.get_default_timezone())
        if key is None:  # page cache off
            return view(request, *args, **kwargs)
        counter, limit, window = FixedWindowThrottle().anonymous_counter(request)
        body, version, count = search_cache.lookup_and_count(key, counter, window)
        if body is None or count > limit:
            request.search_lookup = SearchLookup(key, counter, body, version, count)
            return view(request, *args, **kwargs)
        # What the view's get() returns for a cached page, finalised as DRF's finalize_response does.
        response = HttpResponse(body, content_type=JSONRenderer.media_type)
        if vary:
            patch_vary_headers(response, vary)
        for name, value in drf_headers.items():
            response[name] = value
        return response

    return search
