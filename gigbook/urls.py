from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bookings.gigrequests import views as gigrequest_views
from desk import views as desk_views
from gigbook.core import api as core_api
from gigbook.core import pwa
from gigbook.core import views as core_views
from gigbook.places.api import PlaceSearchView

# Swagger UI sets inline styles; scripts still come only from our own origin.
_DOCS_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE], "script-src": [CSP.SELF]}

# Django resolves a URL by trying the patterns in order, and every include that does not match
# costs its own patterns (and the list of what was tried): /api/musicians/ took ~10 % of a cached
# search answer behind the accounts and notifications includes. Directory search, the hottest URL,
# comes first; no pattern before it here or at the top level can match what it matches.
api_patterns = [
    path("", include("musicians.api.urls")),
    path("", include("gigbook.accounts.api.urls")),
    path("", include("gigbook.notifications.api.urls")),
    path("", include("musicians.calendar_import.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("bookings.callsheets.api.urls")),
    path("", include("bookings.gigrequests.api.urls")),
    path("", include("bookings.engagements.api.urls")),
    path("", include("trust.api.urls")),
    path("", include("billing.api.urls")),
    path("places/", PlaceSearchView.as_view(), name="api-places"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", csp_override(_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("", desk_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers (and the admin, which links no icon) ask for /favicon.ico.
    path("favicon.ico", core_views.favicon),
    # Short aliases for links in text messages (gigbook/core/shortlinks.py).
    path("s/<str:code>", core_views.short_link, name="short-link"),
    path("manifest.webmanifest", pwa.manifest, name="pwa-manifest"),
    path("sw.js", pwa.service_worker, name="pwa-service-worker"),
    path("offline/", pwa.offline, name="pwa-offline"),
    path("admin/", admin.site.urls),
    # Any other /api/ URL answers the API's JSON 404, not an HTML page (DEBUG or not).
    re_path(r"^api/", core_api.not_found, name="api-not-found"),
    path("", include("gigbook.accounts.urls")),
    path("", include("gigbook.notifications.urls")),
    path("", include("musicians.urls")),
    path("", include("musicians.calendar_import.urls")),
    path("", include("bookings.callsheets.urls")),
    path("", include("bookings.urls")),
    path("gig-requests/", include("bookings.gigrequests.urls")),
    path("engagements/", include("bookings.engagements.urls")),
    # The short-notice pages lived under /requests/ until they took the feature's one name;
    # links already sent by SMS and email keep working.
    re_path(r"^requests/(?P<rest>.*)$", gigrequest_views.moved_from_requests),
    path("", include("trust.urls")),
    path("billing/", include("billing.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
