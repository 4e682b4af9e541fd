"""The installable app: web app manifest, service worker and its offline page.

The service worker is served from the site root (its scope is the whole site) and rendered as a
template so it names the static files by their deployed (hashed) URLs.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What the app needs to draw any cached page without the network.
SHELL_ASSETS = ["css/app.css", "css/bookings.css", "js/api.js", "js/pwa.js", "favicon.svg",
                "icons/gigbook-192.png", "icons/gigbook-512.png"]
# Pages kept for offline reading, refreshed on every visit while online.
OFFLINE_PAGES = ["/gigs/"]


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    icons = [
        {"src": static("icons/gigbook-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("icons/gigbook-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("icons/gigbook-512-maskable.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    body = render_to_string("pwa/manifest.webmanifest", {"icons": icons})
    return HttpResponse(body, content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)  # browsers re-check it at every navigation anyway; never serve a stale one
def service_worker(request):
    shell = [static(path) for path in SHELL_ASSETS] + ["/offline/"]
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    context = {"shell_json": json.dumps(shell), "offline_pages_json": json.dumps(OFFLINE_PAGES), "version": version}
    body = render_to_string("pwa/sw.js", context)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    return render(request, "pwa/offline.html")
