"""The installable app in Chromium: the manifest validates, the service worker registers, My gigs
opens offline after one visit."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings import services as booking_services
from tests.bookings.factories import make_profile, make_venue, offer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "strings-and-keys-2026"
LONDON = ZoneInfo("Europe/London")

# The W3C Web App Manifest members we rely on, as a JSON Schema (the spec's processing rules for
# them: https://www.w3.org/TR/appmanifest/), plus what Chromium's installability check requires:
# a name, a start_url, display standalone/fullscreen/minimal-ui, and a 192 px and a 512 px icon.
MANIFEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "short_name", "start_url", "display", "icons", "theme_color", "background_color", "scope"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string", "minLength": 1},
        "short_name": {"type": "string", "minLength": 1, "maxLength": 12},
        "start_url": {"type": "string", "pattern": "^/"},
        "scope": {"type": "string", "pattern": "^/"},
        "display": {"enum": ["fullscreen", "standalone", "minimal-ui"]},
        "orientation": {"enum": ["any", "natural", "landscape", "portrait", "portrait-primary", "portrait-secondary",
                                 "landscape-primary", "landscape-secondary"]},
        "theme_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "background_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "lang": {"type": "string"},
        "icons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["src", "sizes", "type"],
                "properties": {
                    "src": {"type": "string"},
                    "sizes": {"type": "string", "pattern": "^[0-9]+x[0-9]+( [0-9]+x[0-9]+)*$"},
                    "type": {"const": "image/png"},
                    "purpose": {"enum": ["any", "maskable", "monochrome", "any maskable"]},
                },
            },
            "allOf": [
                {"contains": {"properties": {"sizes": {"pattern": "192x192"}}}},
                {"contains": {"properties": {"sizes": {"pattern": "512x512"}}}},
            ],
        },
        "shortcuts": {"type": "array", "items": {"type": "object", "required": ["name", "url"]}},
    },
}


def log_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_manifest_validates_and_its_icons_are_real_pngs(live_server, page, tmp_path):
    response = page.request.get(f"{live_server.url}/manifest.webmanifest")
    assert response.ok and response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    schema_file, manifest_file = tmp_path / "schema.json", tmp_path / "manifest.json"
    schema_file.write_text(json.dumps(MANIFEST_SCHEMA))
    manifest_file.write_text(json.dumps(manifest))
    check = subprocess.run(
        [str(Path(sys.executable).with_name("check-jsonschema")), "--schemafile", str(schema_file), str(manifest_file)],
        capture_output=True, text=True, timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    for icon in manifest["icons"]:
        image = page.request.get(f"{live_server.url}{icon['src']}")
        assert image.ok and image.body()[:8] == b"\x89PNG\r\n\x1a\n", icon
        width = int.from_bytes(image.body()[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]
    # Every page links it, with the theme colour.
    page.goto(f"{live_server.url}/")
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"
    assert page.locator('meta[name="theme-color"]').get_attribute("content") == manifest["theme_color"]


def test_service_worker_registers_and_my_gigs_opens_offline_after_one_visit(live_server, browser, make_user):
    producer = make_user(producer=True, email="pat.pwa@example.com", full_name="Pat Producer", password=PASSWORD)
    musician = make_user(musician=True, email="kim.pwa@example.com", full_name="Kim Keys", password=PASSWORD,
                         time_zone="Europe/London")
    profile = make_profile(musician)
    venue = make_venue(producer)
    starts = datetime.combine((datetime.now(LONDON) + timedelta(days=5)).date(), datetime.min.time(), LONDON)
    booking = offer(producer, profile, venue=venue, starts_at=starts.replace(hour=10))
    booking_services.booking_accept(booking_id=booking.pk, actor=musician)

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, musician.email)
    page.goto(f"{live_server.url}/gigs/")
    # Registered and active, controlling the page's scope.
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    expect(page.get_by_text("Abbey Road Studio 2").first).to_be_visible()
    # The first visit installed the worker; this visit goes through it and keeps the page.
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("caches.open('gigbook-pages').then((c) => c.keys()).then((k) => k.length > 0)")

    context.set_offline(True)
    page.goto(f"{live_server.url}/gigs/")
    expect(page.get_by_role("heading", name="My gigs")).to_be_visible()
    expect(page.get_by_text("Abbey Road Studio 2").first).to_be_visible()
    # A page never visited says plainly that it is offline, in the app's own shell.
    page.goto(f"{live_server.url}/reviews/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    context.set_offline(False)

    # Signing out forgets the pages kept for offline reading.
    page.goto(f"{live_server.url}/gigs/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_function("caches.open('gigbook-pages').then((c) => c.keys()).then((k) => k.length === 0)")
    context.close()
