"""axe-core scans of the foundation pages, signed out and signed in, at the phone viewport."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

BLOCKING = {"serious", "critical"}


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def test_public_pages_have_no_serious_accessibility_violations(live_server, page):
    for path in ["/", "/signup/", "/login/", "/password-reset/"]:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path


def test_inbox_has_no_serious_accessibility_violations(live_server, page, musician):
    from gigbook.notifications.services import notify

    notify(recipient=musician, kind="offer", title="Gig offer", body="Bass, Friday", url="/gigs/")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("mia@example.com")
    page.get_by_label("Password").fill("pw-Str0ng-enough")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/inbox/")
    assert serious_violations(page) == []
    # Keyboard users get a visible skip link first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
